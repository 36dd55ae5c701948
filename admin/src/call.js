// Audio/video calls over WebRTC, signaled on the /call namespace as the contract
// says: the caller invites, and creates the offer only after `call:accepted`; the
// callee answers the offer. ICE candidates that arrive before the remote
// description is set are queued and added right after it.
//
// store.state.call = {id, session_id, media, direction: 'out'|'in',
//   phase: 'calling'|'connecting'|'connected', startedAt, mic, cam, local, remote}
// store.state.incoming = a ringing Call from the visitor, or null.

import { emitAck } from './ack.js';

export class CallClient {
  constructor(store, api, socket, hooks = {}) {
    this.store = store;
    this.api = api;
    this.socket = socket;
    this.hooks = hooks; // {onIncoming(call), onEnded(reason), onError(err)}
    this.pc = null;
    this.pendingIce = [];
    this.bind();
  }

  get call() {
    return this.store.state.call;
  }

  bind() {
    const s = this.socket;
    s.on('call:incoming', ({ call } = {}) => this.onIncoming(call));
    s.on('call:accepted', ({ call } = {}) => this.onAccepted(call));
    s.on('call:offer', (p) => this.onOffer(p));
    s.on('call:answer', (p) => this.onAnswer(p));
    s.on('call:ice', (p) => this.onIce(p));
    s.on('call:ended', (p) => this.onEnded(p));
  }

  start() {
    this.socket.connect();
  }

  stop() {
    this.cleanup();
    this.socket.disconnect();
  }

  async iceServers() {
    try {
      const { ice_servers } = await this.api.iceServers(); // fresh TURN credentials
      return ice_servers || [];
    } catch {
      return this.store.state.iceServers || [];
    }
  }

  /** Manager calls the visitor of `sessionId`. */
  async invite(sessionId, media) {
    if (this.call || this.store.state.incoming) return;
    const local = await getMedia(media);
    this.setCall({ id: null, session_id: sessionId, media, direction: 'out', phase: 'calling', mic: true, cam: media === 'video', local, remote: null });
    try {
      const { call } = await emitAck(this.socket, 'call:invite', { session_id: sessionId, media });
      if (!this.call) {
        // Hung up while the invite was in flight.
        emitAck(this.socket, 'call:end', { call_id: call.id }).catch(() => {});
        return;
      }
      this.call.id = call.id;
      this.emit();
    } catch (err) {
      this.cleanup();
      throw err;
    }
  }

  onIncoming(call) {
    if (!call) return;
    if (this.call || this.store.state.incoming) {
      // One call at a time: a second one is declined as busy.
      emitAck(this.socket, 'call:decline', { call_id: call.id }).catch(() => {});
      return;
    }
    this.store.set({ incoming: call }, 'call');
    this.hooks.onIncoming?.(call);
  }

  async acceptIncoming() {
    const call = this.store.state.incoming;
    if (!call) return;
    this.store.state.incoming = null;
    try {
      const local = await getMedia(call.media);
      this.setCall({ id: call.id, session_id: call.session_id, media: call.media, direction: 'in', phase: 'connecting', mic: true, cam: call.media === 'video', local, remote: null });
      await this.createPeer(local);
      await emitAck(this.socket, 'call:accept', { call_id: call.id });
    } catch (err) {
      emitAck(this.socket, 'call:decline', { call_id: call.id }).catch(() => {});
      this.cleanup();
      throw err;
    }
  }

  declineIncoming() {
    const call = this.store.state.incoming;
    if (!call) return;
    this.store.set({ incoming: null }, 'call');
    emitAck(this.socket, 'call:decline', { call_id: call.id }).catch(() => {});
  }

  async onAccepted(call) {
    if (!this.call || this.call.direction !== 'out' || (this.call.id && call?.id !== this.call.id)) return;
    this.call.id = call.id;
    this.call.phase = 'connecting';
    this.emit();
    try {
      const pc = await this.createPeer(this.call.local);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await emitAck(this.socket, 'call:offer', { call_id: this.call.id, sdp: { type: offer.type, sdp: offer.sdp } });
    } catch (err) {
      this.fail(err);
    }
  }

  async onOffer({ call_id, sdp } = {}) {
    if (!this.pc || call_id !== this.call?.id) return;
    try {
      await this.pc.setRemoteDescription(sdp);
      await this.flushIce();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      await emitAck(this.socket, 'call:answer', { call_id, sdp: { type: answer.type, sdp: answer.sdp } });
    } catch (err) {
      this.fail(err);
    }
  }

  async onAnswer({ call_id, sdp } = {}) {
    if (!this.pc || call_id !== this.call?.id) return;
    try {
      await this.pc.setRemoteDescription(sdp);
      await this.flushIce();
    } catch (err) {
      this.fail(err);
    }
  }

  async onIce({ call_id, candidate } = {}) {
    if (call_id !== this.call?.id || !candidate) return;
    if (!this.pc || !this.pc.remoteDescription) {
      this.pendingIce.push(candidate);
      return;
    }
    await this.pc.addIceCandidate(candidate).catch(() => {});
  }

  async flushIce() {
    const queued = this.pendingIce.splice(0);
    for (const c of queued) await this.pc.addIceCandidate(c).catch(() => {});
  }

  async createPeer(local) {
    const pc = new RTCPeerConnection({ iceServers: await this.iceServers() });
    this.pc = pc;
    for (const track of local.getTracks()) pc.addTrack(track, local);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && this.call?.id) emitAck(this.socket, 'call:ice', { call_id: this.call.id, candidate: candidate.toJSON() }).catch(() => {});
    };
    pc.ontrack = ({ streams, track }) => {
      if (!this.call) return;
      const remote = this.call.remote || streams[0] || new MediaStream();
      if (!remote.getTracks().includes(track)) remote.addTrack(track);
      this.call.remote = remote;
      this.emit();
    };
    pc.onconnectionstatechange = () => {
      if (!this.call || pc !== this.pc) return;
      if (pc.connectionState === 'connected' && this.call.phase !== 'connected') {
        this.call.phase = 'connected';
        this.call.startedAt = Date.now();
        this.emit();
      } else if (pc.connectionState === 'failed') {
        this.fail(new Error('ice_failed'));
      }
    };
    return pc;
  }

  onEnded({ call_id, reason } = {}) {
    if (this.store.state.incoming?.id === call_id) {
      this.store.set({ incoming: null }, 'call');
      this.hooks.onEnded?.('missed');
      return;
    }
    if (!this.call || (this.call.id && call_id !== this.call.id)) return;
    this.cleanup();
    this.hooks.onEnded?.(reason || 'hangup');
  }

  hangup() {
    const call = this.call;
    if (!call) return;
    if (call.id) emitAck(this.socket, 'call:end', { call_id: call.id }).catch(() => {});
    this.cleanup();
  }

  fail(err) {
    this.hangup();
    this.hooks.onError?.(err);
  }

  toggle(kind) {
    const call = this.call;
    if (!call?.local) return;
    const tracks = kind === 'mic' ? call.local.getAudioTracks() : call.local.getVideoTracks();
    call[kind] = !call[kind];
    for (const t of tracks) t.enabled = call[kind];
    this.emit();
  }

  setCall(call) {
    this.pendingIce = [];
    this.store.set({ call }, 'call');
  }

  emit() {
    this.store.emit('call');
  }

  cleanup() {
    const call = this.call;
    if (call?.local) for (const t of call.local.getTracks()) t.stop();
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
    }
    this.pc = null;
    this.pendingIce = [];
    this.store.set({ call: null }, 'call');
  }
}

function getMedia(media) {
  if (!navigator.mediaDevices?.getUserMedia) return Promise.reject(Object.assign(new Error('no_media'), { code: 'no_media' }));
  return navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' ? { width: 640, height: 480 } : false });
}
