// Audio and video calls: the contract's /call signaling plus one
// RTCPeerConnection. The side that sent `call:invite` creates the offer once
// it hears `call:accepted`; the other side answers. ICE candidates that arrive
// before the remote description is set are queued and added right after it.
//
// The state is a plain object handed to `onChange` after every transition:
//   phase: idle | outgoing | incoming | connecting | active | ended | error
//   call, media, local (MediaStream), remote (MediaStream), micOn, camOn,
//   startedAt (ms, once connected), notice (i18n key shown in ended/error).

import { ask } from './transport.js';

const ENDED_LINGER_MS = 2200;

function mediaErrorKey(err) {
  const name = err && err.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'permissionDenied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'noDevices';
  return 'callFailed';
}

export function callsSupported() {
  return !!(window.RTCPeerConnection && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

export class CallController {
  /**
   * socket: the /call namespace socket; iceServers(): Promise<IceServer[]>;
   * sessionId(): the open session's id; onChange(state).
   */
  constructor({ socket, iceServers, sessionId, onChange }) {
    this.socket = socket;
    this.iceServers = iceServers;
    this.sessionId = sessionId;
    this.onChange = onChange;
    this.reset();
    const on = (ev, fn) =>
      socket.on(ev, (p) => {
        try {
          fn.call(this, p || {});
        } catch (e) {
          console.warn('[switchboard]', ev, e);
        }
      });
    on('call:incoming', this.onIncoming);
    on('call:accepted', this.onAccepted);
    on('call:offer', this.onOffer);
    on('call:answer', this.onAnswer);
    on('call:ice', this.onIce);
    on('call:ended', this.onEnded);
  }

  reset() {
    this.pc = null;
    this.pendingIce = [];
    this.pendingOffer = null;
    this.isCaller = false;
    this.state = { phase: 'idle', call: null, media: null, local: null, remote: null, micOn: true, camOn: true, startedAt: null, notice: null };
  }

  set(patch) {
    Object.assign(this.state, patch);
    this.onChange({ ...this.state });
  }

  get busy() {
    return this.state.phase !== 'idle' && this.state.phase !== 'ended' && this.state.phase !== 'error';
  }

  isCurrent(callId) {
    return this.state.call && this.state.call.id === callId;
  }

  async getMedia(media) {
    if (!callsSupported()) throw Object.assign(new Error('unsupported'), { key: 'unsupported' });
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' });
    } catch (e) {
      throw Object.assign(e instanceof Error ? e : new Error(String(e)), { key: mediaErrorKey(e) });
    }
  }

  /** The visitor starts a call. */
  async start(media) {
    if (this.busy) return;
    this.reset();
    this.isCaller = true;
    this.set({ phase: 'outgoing', media });
    try {
      const local = await this.getMedia(media);
      this.set({ local, camOn: media === 'video' });
      const res = await ask(this.socket, 'call:invite', { session_id: this.sessionId() || undefined, media });
      if (this.state.phase !== 'outgoing') return; // hung up meanwhile
      this.set({ call: res.call });
    } catch (e) {
      this.fail(e.key || 'callFailed');
    }
  }

  onIncoming({ call }) {
    if (!call) return;
    if (this.busy) {
      // One call at a time: a second invite is declined rather than left ringing.
      ask(this.socket, 'call:decline', { call_id: call.id }).catch(() => {});
      return;
    }
    this.reset();
    this.set({ phase: 'incoming', call, media: call.media });
  }

  async accept() {
    const { call } = this.state;
    if (this.state.phase !== 'incoming' || !call) return;
    this.set({ phase: 'connecting' });
    try {
      const local = await this.getMedia(call.media);
      this.set({ local, camOn: call.media === 'video' });
      await this.createPeer();
      await ask(this.socket, 'call:accept', { call_id: call.id });
      if (this.pendingOffer) await this.applyOffer(this.pendingOffer);
    } catch (e) {
      if (e.key) ask(this.socket, 'call:decline', { call_id: call.id }).catch(() => {});
      this.fail(e.key || 'callFailed');
    }
  }

  decline() {
    const { call } = this.state;
    if (call) ask(this.socket, 'call:decline', { call_id: call.id }).catch(() => {});
    this.finish(null);
  }

  hangup() {
    const { call } = this.state;
    if (call) ask(this.socket, 'call:end', { call_id: call.id }).catch(() => {});
    this.finish('callFinished');
  }

  toggleMic() {
    const on = !this.state.micOn;
    this.state.local?.getAudioTracks().forEach((tr) => (tr.enabled = on));
    this.set({ micOn: on });
  }

  toggleCam() {
    const on = !this.state.camOn;
    this.state.local?.getVideoTracks().forEach((tr) => (tr.enabled = on));
    this.set({ camOn: on });
  }

  async onAccepted({ call }) {
    if (!call || !this.isCurrent(call.id) || !this.isCaller) return;
    this.set({ phase: 'connecting', call });
    try {
      await this.createPeer();
      const offer = await this.pc.createOffer();
      await this.pc.setLocalDescription(offer);
      await ask(this.socket, 'call:offer', { call_id: call.id, sdp: { type: offer.type, sdp: offer.sdp } });
    } catch (e) {
      this.abort(e);
    }
  }

  async onOffer({ call_id, sdp }) {
    if (!this.isCurrent(call_id) || this.isCaller || !sdp) return;
    if (!this.pc) {
      this.pendingOffer = sdp; // accept() is still getting the camera
      return;
    }
    try {
      await this.applyOffer(sdp);
    } catch (e) {
      this.abort(e);
    }
  }

  async applyOffer(sdp) {
    this.pendingOffer = null;
    await this.pc.setRemoteDescription(sdp);
    await this.flushIce();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await ask(this.socket, 'call:answer', { call_id: this.state.call.id, sdp: { type: answer.type, sdp: answer.sdp } });
  }

  async onAnswer({ call_id, sdp }) {
    if (!this.isCurrent(call_id) || !this.pc || !sdp) return;
    try {
      await this.pc.setRemoteDescription(sdp);
      await this.flushIce();
    } catch (e) {
      this.abort(e);
    }
  }

  async onIce({ call_id, candidate }) {
    if (!this.isCurrent(call_id) || !candidate) return;
    if (!this.pc || !this.pc.remoteDescription) {
      this.pendingIce.push(candidate);
      return;
    }
    await this.pc.addIceCandidate(candidate).catch((e) => console.warn('[switchboard] ice', e));
  }

  async flushIce() {
    const queued = this.pendingIce;
    this.pendingIce = [];
    for (const c of queued) await this.pc.addIceCandidate(c).catch((e) => console.warn('[switchboard] ice', e));
  }

  onEnded({ call_id, reason }) {
    if (!this.isCurrent(call_id)) return;
    // Still ringing here (the caller gave up, or nobody answered in time): the
    // ringing dialog just goes away; the chat shows the call_ended line.
    if (this.state.phase === 'incoming') return this.finish(null);
    const notice = { declined: 'callDeclined', disconnected: 'callLost', timeout: 'callNoAnswer' }[reason] || 'callFinished';
    this.finish(notice);
  }

  async createPeer() {
    let servers = [];
    try {
      servers = (await this.iceServers()) || [];
    } catch {
      /* no STUN/TURN: host candidates still connect on one network */
    }
    const pc = new RTCPeerConnection({ iceServers: servers });
    this.pc = pc;
    const remote = new MediaStream();
    this.set({ remote });
    for (const track of this.state.local ? this.state.local.getTracks() : []) pc.addTrack(track, this.state.local);
    pc.onicecandidate = (e) => {
      if (e.candidate && this.state.call) {
        ask(this.socket, 'call:ice', { call_id: this.state.call.id, candidate: e.candidate.toJSON() }).catch(() => {});
      }
    };
    pc.ontrack = (e) => {
      if (!remote.getTracks().includes(e.track)) remote.addTrack(e.track);
      this.set({ remote });
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      const st = pc.connectionState;
      if (st === 'connected' && this.state.phase !== 'active') this.set({ phase: 'active', startedAt: Date.now() });
      else if (st === 'failed') this.hangupWith('callLost');
    };
  }

  hangupWith(notice) {
    const { call } = this.state;
    if (call) ask(this.socket, 'call:end', { call_id: call.id }).catch(() => {});
    this.finish(notice);
  }

  abort(e) {
    console.warn('[switchboard] call', e);
    this.hangupWith('callFailed');
  }

  fail(key) {
    const { call } = this.state;
    if (call && this.isCaller) ask(this.socket, 'call:end', { call_id: call.id }).catch(() => {});
    this.release();
    this.set({ phase: 'error', notice: key });
  }

  /** Ends locally; the notice stays on screen briefly, then the modal goes away. */
  finish(notice) {
    this.release();
    if (!notice) {
      this.reset();
      this.onChange({ ...this.state });
      return;
    }
    this.set({ phase: 'ended', notice });
    const token = (this.endToken = {});
    setTimeout(() => {
      if (this.endToken === token && this.state.phase === 'ended') this.dismiss();
    }, ENDED_LINGER_MS);
  }

  dismiss() {
    this.release();
    this.reset();
    this.onChange({ ...this.state });
  }

  release() {
    if (this.pc) {
      this.pc.onconnectionstatechange = this.pc.onicecandidate = this.pc.ontrack = null;
      this.pc.close();
      this.pc = null;
    }
    this.state.local?.getTracks().forEach((tr) => tr.stop());
  }

  /** The session closed or the page is leaving: end any call. */
  endAll() {
    if (this.busy) this.hangupWith(null);
  }
}
