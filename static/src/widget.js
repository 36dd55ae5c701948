// The widget's controller: owns the state (session, conversation, connection),
// talks to the server (REST + /chat), and asks the views to redraw. Every
// entry point from the outside world (DOM events, socket events, timers) goes
// through `guard`, so a bug here is logged and never thrown into the host page.

import { createApi } from './api.js';
import { load, save } from './storage.js';
import { Conversation } from './conversation.js';
import { Outbox } from './outbox.js';
import { connectSockets, ask } from './transport.js';
import { CallController, callsSupported } from './call.js';
import { normalizeLocale, translator } from './i18n.js';
import { Panel } from './ui/panel.js';
import { CallView } from './ui/call-view.js';

const TYPING_IDLE_MS = 2500;
const TYPING_SHOW_MS = 7000;
const AI_THINKING_MAX_MS = 45000;
const OFFLINE_BANNER_DELAY_MS = 900;
const STATUS_RANK = { ai: 0, waiting: 1, active: 2, closed: 3 };

export function guard(fn) {
  return function guarded(...args) {
    try {
      const r = fn.apply(this, args);
      if (r && typeof r.catch === 'function') r.catch((e) => console.warn('[switchboard]', e));
      return r;
    } catch (e) {
      console.warn('[switchboard]', e);
    }
  };
}

export class Widget {
  constructor({ origin, siteKey, locale, wrap, stage }) {
    this.origin = origin;
    this.siteKey = siteKey;
    this.localeOverride = normalizeLocale(locale);
    this.api = createApi(origin);
    this.conv = new Conversation();
    this.outbox = new Outbox({
      socket: () => this.sockets && this.sockets.chat,
      conv: () => this.conv,
      sessionId: () => (this.s.mode !== 'closed' ? this.conv.sessionId : null),
      onAcked: (m) => this.onAcked(m),
      onChange: () => this.render(),
      guard,
    });
    this.retired = new Set(); // sessions the visitor has left ("start a new chat"): late events are ignored
    this.sockets = null;
    this.token = null;
    this.iceServers = [];
    this.s = {
      open: false,
      mode: 'ai',
      conn: 'idle',
      session: null,
      settings: null,
      typing: null,
      aiThinking: false,
      unread: 0,
      peek: null, // the latest unread reply, previewed next to the launcher
      requesting: false,
      toast: null,
      showOffline: false,
      callBusy: false,
      callsSupported: callsSupported(),
    };
    const g = (fn) => guard(fn.bind(this));
    const actions = {
      toggle: g(() => (this.s.open ? this.close() : this.open())),
      close: g(() => this.close()),
      send: g(this.send),
      retry: g(this.retry),
      requestManager: g(this.requestManager),
      cancelWaiting: g(this.cancelWaiting),
      newChat: g(this.newChat),
      typing: g(this.onInput),
      call: g((media) => this.calls && this.calls.start(media)),
    };
    this.panel = new Panel(wrap, actions);
    this.callView = new CallView({
      overlay: this.panel.overlay,
      stage,
      actions: {
        accept: g(() => this.calls.accept()),
        decline: g(() => this.calls.decline()),
        hangup: g(() => this.calls.hangup()),
        toggleMic: g(() => this.calls.toggleMic()),
        toggleCam: g(() => this.calls.toggleCam()),
        dismiss: g(() => this.calls.dismiss()),
      },
    });
    this.applyLocale();
    this.render();
  }

  // ---- lifecycle -------------------------------------------------------

  async boot() {
    const data = await this.withBackoff(() => this.api.widgetSession(this.siteKey, load('visitor:' + this.siteKey)));
    this.adoptVisitor(data);
    if (data.session) {
      // History by REST first (one round trip); if that fails, the sync on connect catches up.
      await this.loadHistory().catch((e) => console.warn('[switchboard] history', e && e.message));
      this.connect();
    } else if (this.s.open) {
      this.connect();
    }
    this.render();
  }

  adoptVisitor(data) {
    this.token = data.visitor_token;
    save('visitor:' + this.siteKey, this.token);
    this.iceServers = data.ice_servers || [];
    this.s.settings = data.settings || null;
    this.applyLocale();
    this.setSession(data.session);
  }

  /** Retries a REST call while it fails for transient reasons (server starting, network blip). */
  async withBackoff(fn) {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
      try {
        return await fn();
      } catch (e) {
        if (!e.transient) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async loadHistory() {
    const id = this.conv.sessionId;
    if (!id) return;
    const msgs = await this.api.history(this.token, id, this.conv.contiguousSeq);
    msgs.forEach((m) => this.conv.addStored(m));
    this.s.forceScroll = true;
  }

  connect() {
    if (this.sockets || !this.token) return;
    const sk = (this.sockets = connectSockets(this.origin, this.token));
    const on = (sock, ev, fn) => sock.on(ev, guard(fn.bind(this)));
    this.s.conn = 'connecting';
    let connectedOnce = false;
    on(sk.chat, 'connect', async () => {
      this.setConn('online');
      if (connectedOnce) await this.refreshSession();
      connectedOnce = true;
      await this.sync();
      this.outbox.flush();
    });
    on(sk.chat, 'disconnect', () => this.setConn('offline'));
    on(sk.chat, 'connect_error', (err) => {
      this.setConn('offline');
      if (err && err.data && err.data.code === 'unauthorized') this.reauthenticate();
    });
    on(sk.chat, 'message:new', (p) => this.onMessage(p && p.message));
    on(sk.chat, 'message:delta', this.onDelta);
    on(sk.chat, 'session:updated', (p) => this.setSession(p && p.session));
    on(sk.chat, 'typing', this.onTyping);
    this.calls = new CallController({
      socket: sk.call,
      iceServers: async () => {
        try {
          const r = await this.api.iceServers(this.token);
          if (r && r.ice_servers) this.iceServers = r.ice_servers;
        } catch {
          /* keep the servers from the session reply */
        }
        return this.iceServers;
      },
      sessionId: () => this.conv.sessionId,
      onChange: guard((st) => this.onCallState(st)),
    });
  }

  /** The server no longer knows our token: start over as a new visitor. */
  async reauthenticate() {
    if (this.reauthing) return;
    this.reauthing = true;
    try {
      this.sockets.close();
      this.sockets = null;
      save('visitor:' + this.siteKey, null);
      const data = await this.withBackoff(() => this.api.widgetSession(this.siteKey, null));
      this.resetConversation();
      this.adoptVisitor(data);
      this.connect();
      this.render();
    } finally {
      this.reauthing = false;
    }
  }

  /** After a reconnect: we may have missed session:updated (accepted, closed…). */
  async refreshSession() {
    const data = await this.api.widgetSession(this.siteKey, this.token).catch(() => null);
    if (!data) return;
    if (data.session) this.setSession(data.session);
    else if (this.s.session && this.s.session.status !== 'closed') this.setSession({ ...this.s.session, status: 'closed' });
  }

  setConn(conn) {
    this.s.conn = conn;
    clearTimeout(this.offlineTimer);
    if (conn === 'online') this.s.showOffline = false;
    else
      this.offlineTimer = setTimeout(
        guard(() => {
          this.s.showOffline = this.s.conn !== 'online';
          this.render();
        }),
        OFFLINE_BANNER_DELAY_MS,
      );
    this.render();
  }

  // ---- messages ------------------------------------------------------------

  /** Fetches what we missed: everything after the last seq held without a gap. */
  async sync() {
    const chat = this.sockets && this.sockets.chat;
    if (!chat || !chat.connected) return;
    if (this.syncing) return void (this.syncAgain = true);
    this.syncing = true;
    try {
      do {
        this.syncAgain = false;
        let more = true;
        while (more) {
          const sessionId = this.conv.sessionId;
          const payload = { after_seq: this.conv.contiguousSeq, limit: 500 };
          if (sessionId) payload.session_id = sessionId;
          else if (!this.s.session) return; // nothing open yet: nothing to catch up on
          const res = await ask(chat, 'messages:sync', payload);
          const msgs = res.messages || [];
          msgs.forEach((m) => this.ingest(m));
          more = !!res.has_more && msgs.length > 0;
        }
      } while (this.syncAgain);
    } catch (e) {
      if (e.code !== 'not_found') console.warn('[switchboard] sync', e);
    } finally {
      this.syncing = false;
      this.render();
    }
  }

  onMessage(msg) {
    if (!msg || this.retired.has(msg.session_id)) return;
    // A new session opened elsewhere (another tab) after ours closed: follow it.
    if (msg.session_id && this.conv.sessionId && msg.session_id !== this.conv.sessionId) {
      if (this.s.mode !== 'closed') return;
      this.switchConversation(msg.session_id);
    }
    const { added, gap } = this.ingest(msg);
    if (gap) this.sync();
    const joined = msg.kind === 'manager_joined';
    if (added && !this.s.open && (msg.sender === 'manager' || msg.sender === 'ai' || joined)) {
      this.s.unread++;
      const mgr = this.s.session && this.s.session.manager;
      const name = msg.author ? msg.author.name : mgr ? mgr.name : '';
      this.s.peek = { sender: joined ? 'manager' : msg.sender, name, text: joined ? this.t('managerJoined') : msg.text };
    }
    this.render();
  }

  /** Adds a stored message and applies what it implies for the session. */
  ingest(msg) {
    const r = this.conv.addStored(msg);
    if (!r.added) return r;
    if (msg.sender === 'ai') this.setThinking(false);
    if (msg.sender === 'manager' && this.s.typing) this.s.typing = null;
    const s = this.s.session;
    if (msg.kind === 'manager_joined' && s && s.status !== 'active' && s.status !== 'closed') {
      this.setSession({ ...s, status: 'active', manager: msg.author || s.manager, queue_position: null });
    } else if (msg.kind === 'session_closed' && s && s.status !== 'closed') {
      this.setSession({ ...s, status: 'closed' });
    }
    return r;
  }

  onDelta(p) {
    if (!p || typeof p.delta !== 'string') return;
    if (this.conv.sessionId && p.session_id && p.session_id !== this.conv.sessionId) return;
    if (this.s.mode !== 'ai') return;
    this.conv.appendDelta(p.reply_to, p.delta);
    this.setThinking(false);
    this.render();
  }

  send(text) {
    text = String(text || '').trim();
    if (!text) return;
    if (this.s.mode === 'closed') this.newChat();
    const item = this.conv.addPending(text);
    this.s.forceScroll = true;
    this.stopTyping();
    if (!this.sockets) this.connect();
    this.render();
    this.outbox.send(item);
  }

  /** The server stored one of our messages (the ack of message:send). */
  onAcked(message) {
    if (this.conv.sessionId && message.session_id !== this.conv.sessionId) return;
    this.conv.addStored(message);
    if (!this.s.session) this.s.session = { id: message.session_id, status: 'ai', manager: null };
    if (this.s.mode === 'ai') this.setThinking(true);
    if (message.seq > this.conv.contiguousSeq + 1) this.sync();
    this.render();
  }

  retry(clientId) {
    if (!this.sockets) this.connect();
    this.outbox.retry(clientId);
  }

  setThinking(on) {
    clearTimeout(this.thinkTimer);
    this.s.aiThinking = on;
    if (on) this.thinkTimer = setTimeout(guard(() => this.setThinking(false) || this.render()), AI_THINKING_MAX_MS);
  }

  // ---- typing ----------------------------------------------------------------

  onInput() {
    const chat = this.sockets && this.sockets.chat;
    if (!chat || !chat.connected || !this.conv.sessionId || (this.s.mode !== 'active' && this.s.mode !== 'waiting')) return;
    if (!this.typingSent) {
      this.typingSent = true;
      chat.emit('typing', { session_id: this.conv.sessionId, typing: true });
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(guard(() => this.stopTyping()), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingTimer);
    if (!this.typingSent) return;
    this.typingSent = false;
    const chat = this.sockets && this.sockets.chat;
    if (chat && chat.connected) chat.emit('typing', { session_id: this.conv.sessionId, typing: false });
  }

  onTyping(p) {
    if (!p || p.sender === 'visitor') return;
    if (this.conv.sessionId && p.session_id && p.session_id !== this.conv.sessionId) return;
    clearTimeout(this.typingShowTimer);
    const mgr = this.s.session && this.s.session.manager;
    this.s.typing = p.typing ? { name: mgr ? mgr.name : '' } : null;
    // A lost "typing: false" must not leave the dots on forever.
    if (p.typing) this.typingShowTimer = setTimeout(guard(() => ((this.s.typing = null), this.render())), TYPING_SHOW_MS);
    this.render();
  }

  // ---- session flow -----------------------------------------------------------

  setSession(session) {
    if (!session || !session.id || this.retired.has(session.id)) return;
    if (this.conv.sessionId && session.id !== this.conv.sessionId) {
      // A visitor has one open session: a different id is a newer one.
      if (this.s.mode !== 'closed' && session.status === 'closed') return;
      this.switchConversation(session.id);
    }
    if (!this.conv.sessionId) this.conv.sessionId = session.id;
    const prev = this.s.session;
    // A session only moves forward (ai → waiting → active → closed). Updates can
    // arrive out of order (a queue-position update computed just before the
    // accept, delivered just after it): an older status is stale, not a change.
    if (prev && prev.id === session.id && STATUS_RANK[session.status] < STATUS_RANK[prev.status]) return;
    this.s.session = { ...(prev && prev.id === session.id ? prev : {}), ...session };
    this.s.mode = ['ai', 'waiting', 'active', 'closed'].includes(session.status) ? session.status : 'ai';
    if (this.s.mode !== 'ai') this.setThinking(false);
    if (this.s.mode === 'closed') {
      this.s.typing = null;
      this.stopTyping();
      if (this.calls) this.calls.endAll();
    }
    if (this.calls) this.callView.peer = { name: (this.s.session.manager && this.s.session.manager.name) || '' };
    this.render();
  }

  switchConversation(sessionId) {
    this.conv = new Conversation(sessionId);
    this.panel.list.reset();
    this.s.session = null;
    this.sync();
  }

  async requestManager() {
    if (this.s.requesting) return;
    this.s.requesting = true;
    this.render();
    try {
      const res = await this.api.requestManager(this.token);
      this.setSession(res.session);
      if (!this.sockets) this.connect();
      else this.sync();
    } catch (e) {
      this.flash('errorRequest');
    } finally {
      this.s.requesting = false;
      this.render();
    }
  }

  async cancelWaiting() {
    const chat = this.sockets && this.sockets.chat;
    if (!chat || !this.conv.sessionId) return;
    try {
      const res = await ask(chat, 'session:close', { session_id: this.conv.sessionId });
      this.setSession(res.session);
    } catch {
      this.flash('errorGeneric');
    }
  }

  newChat() {
    if (this.conv.sessionId) this.retired.add(this.conv.sessionId);
    this.resetConversation();
    this.render();
    this.panel.focusInput();
  }

  /** Back to an empty AI-mode conversation with no session. */
  resetConversation() {
    this.conv = new Conversation();
    this.panel.list.reset();
    this.s.session = null;
    this.s.mode = 'ai';
    this.s.typing = null;
    this.setThinking(false);
  }

  flash(key) {
    clearTimeout(this.toastTimer);
    this.s.toast = key;
    this.toastTimer = setTimeout(guard(() => ((this.s.toast = null), this.render())), 4000);
    this.render();
  }

  // ---- calls ----------------------------------------------------------------------

  onCallState(st) {
    this.s.callBusy = st.phase !== 'idle';
    if (st.phase === 'incoming' && !this.s.open) this.open();
    this.callView.peer = { name: (this.s.session && this.s.session.manager && this.s.session.manager.name) || '' };
    this.callView.render(st);
    this.render();
  }

  // ---- public API -------------------------------------------------------------------

  open() {
    this.s.open = true;
    this.s.unread = 0;
    this.s.peek = null;
    this.s.forceScroll = true;
    if (this.token) this.connect();
    this.render();
    setTimeout(guard(() => this.panel.focusInput()), 260);
  }

  close() {
    const hadFocus = this.panel.hasFocus();
    this.s.open = false;
    this.render();
    if (hadFocus) this.panel.launcher.focus();
  }

  setLocale(locale) {
    this.localeOverride = normalizeLocale(locale) || this.localeOverride;
    this.applyLocale();
    this.render();
  }

  applyLocale() {
    const page = normalizeLocale(document.documentElement.getAttribute('lang'));
    const site = this.s.settings && normalizeLocale(this.s.settings.locale);
    const locale = this.localeOverride || page || site || 'ru';
    if (locale === this.locale) return;
    this.locale = locale;
    this.t = translator(locale);
    this.panel.setLocale(locale, this.t);
    this.callView.setLocale(this.t);
  }

  // ---- rendering ----------------------------------------------------------------------

  render() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    // One DOM update per frame however many events arrived in it.
    const run = guard(() => {
      this.renderQueued = false;
      this.panel.update({ ...this.s, items: this.items(), fresh: this.conv.isEmpty && this.s.mode === 'ai' });
      this.s.forceScroll = false;
    });
    if (document.hidden) setTimeout(run, 0);
    else requestAnimationFrame(run);
  }

  items() {
    const greeting = (this.s.settings && this.s.settings.greeting) || this.t('defaultGreeting');
    const first = this.conv.items()[0];
    const greetAt = first ? first.created_at : new Date().toISOString();
    // The server's manager_joined message may carry no author: name the session's manager.
    const mgr = this.s.session && this.s.session.manager;
    const items = this.conv.items().map((m) => (m.kind === 'manager_joined' && !m.author && mgr ? { ...m, author: mgr } : m));
    return [{ key: 'greeting', sender: 'ai', kind: 'text', text: greeting, created_at: greetAt, local_only: true }, ...items];
  }
}
