// Dev-only: the real app on canned data, with no server. A fake transport stands
// in for REST and Socket.IO; window.__preview drives scenes for screenshots.
// Built only by `node admin/build.mjs --preview DIR`, never into admin/dist.

import { boot } from '../app.js';
import { ApiError } from '../api.js';
import * as fx from './fixtures.js';
import { setLocale } from '../i18n.js';

const params = new URLSearchParams(location.search);
if (params.get('locale')) setLocale(params.get('locale'));
if (params.get('signed') === '1') localStorage.setItem('sb.auth', JSON.stringify({ token: 'preview', manager: fx.ME, ice_servers: [] }));
if (params.get('signed') === '0') localStorage.removeItem('sb.auth');

const data = { queue: fx.queue(), chats: fx.chats(), faq: [...fx.FAQ], managers: [...fx.MANAGERS], site: { ...fx.SITE_INFO } };
for (const c of data.chats) if (c.readUpTo) localStorage.setItem(`sb.read.${c.session.id}`, String(c.readUpTo));
else localStorage.setItem(`sb.read.${c.session.id}`, String(c.messages.length));
const stats = () => ({ waiting: data.queue.length, online_managers: 3, active_sessions: 7 });
const chatOf = (id) => data.chats.find((c) => c.session.id === id);

class FakeSocket {
  constructor(ns) {
    this.ns = ns;
    this.handlers = new Map();
    this.connected = false;
  }
  on(ev, fn) {
    if (!this.handlers.has(ev)) this.handlers.set(ev, []);
    this.handlers.get(ev).push(fn);
  }
  fire(ev, payload) {
    for (const fn of this.handlers.get(ev) || []) fn(payload);
  }
  connect() {
    setTimeout(() => {
      this.connected = params.get('offline') !== '1';
      this.fire(this.connected ? 'connect' : 'disconnect');
    }, 30);
  }
  disconnect() {
    this.connected = false;
  }
  emit(ev, payload, ack) {
    const reply = (r) => ack && setTimeout(() => ack(r), 60);
    if (ev === 'message:send') {
      const chat = chatOf(payload.session_id);
      const m = { id: fx.uid(), session_id: payload.session_id, seq: chat.messages.length + 1, sender: 'manager', author: { id: fx.ME.id, name: fx.ME.name }, kind: 'text', text: payload.text, client_id: payload.client_id, created_at: new Date().toISOString() };
      if (params.get('stall') === '1') return; // leave it pending, for the screenshot
      chat.messages.push(m);
      reply({ ok: true, message: m });
    } else if (ev === 'messages:sync') {
      const chat = chatOf(payload.session_id);
      reply({ ok: true, messages: chat.messages.filter((m) => m.seq > payload.after_seq), has_more: false });
    } else if (ev === 'session:accept') {
      reply(acceptLocal(payload.session_id));
    } else if (ev === 'session:close') {
      const chat = chatOf(payload.session_id);
      chat.session = { ...chat.session, status: 'closed', closed_at: new Date().toISOString() };
      reply({ ok: true, session: chat.session });
    } else if (ev === 'presence:set') reply({ ok: true });
    else if (ack) reply({ ok: true });
  }
}

function acceptLocal(id) {
  const entry = data.queue.find((e) => e.session_id === id);
  if (!entry || params.get('conflict') === '1') return { ok: false, error: { code: 'conflict', message: 'already taken' } };
  data.queue = data.queue.filter((e) => e !== entry);
  const session = { id, site_id: fx.ME.site_id, visitor_id: entry.visitor.id, status: 'active', manager: { id: fx.ME.id, name: fx.ME.name }, queue_position: null, created_at: entry.requested_at, requested_at: entry.requested_at, accepted_at: new Date().toISOString(), closed_at: null };
  data.chats.push({ session, visitor: { ...entry.visitor, email: null }, notes: [], messages: [
    { id: fx.uid(), session_id: id, seq: 1, sender: 'visitor', author: null, kind: 'text', text: entry.preview || 'Hello?', client_id: null, created_at: entry.requested_at },
    { id: fx.uid(), session_id: id, seq: 2, sender: 'system', author: null, kind: 'manager_joined', text: `${fx.ME.name} подключилась к чату`, client_id: null, created_at: new Date().toISOString() },
  ] });
  return { ok: true, session };
}

async function request(method, path, { body } = {}) {
  await new Promise((r) => setTimeout(r, 40));
  const url = new URL(path, location.origin);
  const p = url.pathname;
  let m;
  if (p === '/manager/auth') {
    if (body.password !== 'password123') throw new ApiError(401, 'unauthorized', 'wrong email or password');
    return { token: 'preview', manager: fx.ME, ice_servers: [] };
  }
  if (p === '/manager/logout') return null;
  if (p === '/manager/me') return { manager: fx.ME };
  if (p === '/manager/queue') return { waiting: data.queue, stats: stats() };
  if (p === '/manager/sessions') return { sessions: data.chats.filter((c) => c.session.status === 'active').map((c) => c.session).concat(params.get('closed') === '0' ? [] : data.chats.filter((c) => c.session.status === 'closed').map((c) => c.session)) };
  if ((m = p.match(/^\/manager\/sessions\/([^/]+)$/))) {
    const c = chatOf(m[1]);
    return { session: c.session, visitor: c.visitor, notes: c.notes };
  }
  if ((m = p.match(/^\/sessions\/([^/]+)\/messages$/))) {
    const after = Number(url.searchParams.get('after_seq')) || 0;
    return { messages: chatOf(m[1]).messages.filter((x) => x.seq > after), has_more: false };
  }
  if ((m = p.match(/^\/manager\/sessions\/([^/]+)\/accept$/))) {
    const r = acceptLocal(m[1]);
    if (!r.ok) throw new ApiError(409, 'conflict', 'already taken');
    return { session: r.session };
  }
  if (p === '/call/ice-servers') return { ice_servers: [] };
  if (p === '/manager/managers') return { managers: data.managers };
  if (p === '/manager/create') {
    const mgr = { id: fx.uid(), site_id: fx.ME.site_id, role: 'manager', max_chats: null, ...body };
    delete mgr.password;
    data.managers.push(mgr);
    return { manager: mgr };
  }
  if (p === '/manager/site') {
    if (method === 'PATCH') Object.assign(data.site, body);
    return { site: data.site };
  }
  if (p === '/manager/faq') {
    if (method === 'POST') {
      const entry = { id: fx.uid(), ...body };
      data.faq.push(entry);
      return { entry };
    }
    return { entries: data.faq };
  }
  if ((m = p.match(/^\/manager\/faq\/(.+)$/))) {
    data.faq = data.faq.filter((e) => e.id !== m[1]);
    return null;
  }
  throw new ApiError(404, 'not_found', p);
}

const sockets = {};
const app = boot(document.getElementById('app'), {
  request,
  socket: (ns) => (sockets[ns] = new FakeSocket(ns)),
});

/** A canvas stream standing in for a camera, so the call modal shows moving video. */
function fakeVideo(label, hueBase) {
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 400 });
  const g = canvas.getContext('2d');
  let f = 0;
  setInterval(() => {
    f++;
    const grd = g.createLinearGradient(0, 0, 640, 400);
    grd.addColorStop(0, `hsl(${hueBase} 35% 30%)`);
    grd.addColorStop(1, `hsl(${hueBase + 40} 40% 18%)`);
    g.fillStyle = grd;
    g.fillRect(0, 0, 640, 400);
    g.fillStyle = 'rgb(255 255 255 / 85%)';
    g.beginPath();
    g.arc(320, 170 + Math.sin(f / 10) * 4, 70, 0, Math.PI * 2);
    g.fill();
    g.fillRect(200, 260, 240, 200);
    g.font = '600 18px system-ui';
    g.fillText(label, 20, 380);
  }, 50);
  return canvas.captureStream(20);
}

window.__preview = {
  app,
  sockets,
  data,
  openFirst: () => { location.hash = `#/inbox/${data.chats[0].session.id}`; },
  visitorTyping: (i = 0) => sockets['/chat'].fire('typing', { session_id: data.chats[i].session.id, sender: 'visitor', typing: true }),
  newRequest: () => {
    data.queue.push({ session_id: fx.uid(), visitor: { id: fx.uid(), name: 'Новый посетитель' }, requested_at: new Date().toISOString(), position: data.queue.length + 1, preview: 'Добрый день, вопрос по оплате' });
    sockets['/chat'].fire('queue:updated', { waiting: data.queue, stats: stats() });
  },
  incomingCall: (media = 'video') => sockets['/call'].fire('call:incoming', { call: { id: fx.uid(), session_id: data.chats[0].session.id, media, from: 'visitor', state: 'ringing', created_at: new Date().toISOString() } }),
  callScene: (phase = 'connected') => {
    const store = app.store;
    store.set({ call: { id: fx.uid(), session_id: data.chats[0].session.id, media: 'video', direction: 'out', phase, startedAt: Date.now() - 83000, mic: true, cam: true, local: fakeVideo('You', 220), remote: phase === 'connected' ? fakeVideo('Мария', 20) : null } }, 'call');
  },
};
