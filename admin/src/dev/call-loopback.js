// Dev-only: two CallClients in one page, joined by an in-memory relay that follows
// the contract's /call signaling (with random delays, so ICE candidates and
// answers arrive in every order). Real getUserMedia and RTCPeerConnection: it
// checks the panel's WebRTC logic without a server. Driven by
// admin/test/call-loopback.test.mjs through window.loopback.

import { Store, initialState } from '../store.js';
import { CallClient } from '../call.js';

const jitter = () => new Promise((r) => setTimeout(r, Math.random() * 40));

class End {
  constructor(name) {
    this.name = name;
    this.handlers = new Map();
    this.connected = true;
    this.peer = null;
  }
  on(ev, fn) {
    if (!this.handlers.has(ev)) this.handlers.set(ev, []);
    this.handlers.get(ev).push(fn);
  }
  async fire(ev, payload) {
    await jitter();
    for (const fn of this.handlers.get(ev) || []) fn(payload);
  }
  connect() {}
  disconnect() {}
  emit(ev, payload, ack) {
    relay(this, ev, payload).then((reply) => ack && jitter().then(() => ack(reply)));
  }
}

let call = null;

async function relay(from, ev, p) {
  const to = from.peer;
  switch (ev) {
    case 'call:invite':
      if (call) return { ok: false, error: { code: 'conflict', message: 'one call at a time' } };
      call = { id: crypto.randomUUID(), session_id: p.session_id, media: p.media, from: from.name, state: 'ringing', created_at: new Date().toISOString() };
      to.fire('call:incoming', { call });
      return { ok: true, call };
    case 'call:accept':
      call.state = 'active';
      to.fire('call:accepted', { call });
      return { ok: true, call };
    case 'call:decline':
      to.fire('call:ended', { call_id: p.call_id, reason: 'declined' });
      call = null;
      return { ok: true };
    case 'call:offer':
    case 'call:answer':
    case 'call:ice':
      to.fire(ev, p);
      return { ok: true };
    case 'call:end':
      from.fire('call:ended', { call_id: p.call_id, reason: 'hangup' });
      to.fire('call:ended', { call_id: p.call_id, reason: 'hangup' });
      call = null;
      return { ok: true };
    default:
      return { ok: false, error: { code: 'validation_failed', message: ev } };
  }
}

function side(name) {
  const store = new Store(initialState());
  const socket = new End(name);
  const ended = [];
  const client = new CallClient(store, { iceServers: async () => ({ ice_servers: [] }) }, socket, { onEnded: (r) => ended.push(r), onError: (e) => ended.push(`error:${e.message}`) });
  return { store, socket, client, ended };
}

const a = side('manager');
const b = side('visitor');
a.socket.peer = b.socket;
b.socket.peer = a.socket;

async function flow(s) {
  const pc = s.client.pc;
  const out = { phase: s.store.state.call?.phase || null, incoming: !!s.store.state.incoming, state: pc?.connectionState || null, decoded: 0, sent: 0 };
  if (pc) (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') out.decoded += r.framesDecoded || 0;
    if (r.type === 'outbound-rtp' && r.kind === 'video') out.sent += r.framesSent || 0;
  });
  return out;
}

window.loopback = {
  invite: (media) => a.client.invite('s-1', media),
  answer: () => b.client.acceptIncoming(),
  decline: () => b.client.declineIncoming(),
  hangup: (who) => (who === 'a' ? a : b).client.hangup(),
  toggle: (who, kind) => (who === 'a' ? a : b).client.toggle(kind),
  flow: async () => ({ a: await flow(a), b: await flow(b) }),
  ended: () => ({ a: a.ended, b: b.ended }),
  tracks: (who) => (who === 'a' ? a : b).store.state.call?.local.getTracks().map((t) => `${t.kind}:${t.enabled}`) || [],
};
