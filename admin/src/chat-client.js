// The live side of the panel: the /chat socket, the queue, the manager's chats and
// their timelines, sending with retries. It changes the store and emits topics;
// it draws nothing.

import { emitAck, isTransient, AckError } from './ack.js';
import { Timeline, newClientId } from './timeline.js';

const TYPING_IDLE_MS = 3000; // our "typing: false" after this long without a keystroke
const TYPING_SHOW_MS = 8000; // hide the visitor's indicator if no "false" ever comes
const RETRY_MS = 2500; // re-send unacknowledged messages this often while connected

export class ChatClient {
  /**
   * @param store   Store
   * @param api     createApi(...) result
   * @param socket  a socket.io-client Socket on /chat (not yet connected)
   * @param hooks   {onAlert(kind, data), onUnauthorized()}
   */
  constructor(store, api, socket, hooks = {}) {
    this.store = store;
    this.api = api;
    this.socket = socket;
    this.hooks = hooks;
    this.seenQueue = null; // session id -> preview already announced; null until the first queue
    this.typingOut = new Map(); // session id -> {timer, sentAt}
    this.typingIn = new Map(); // session id -> timer
    this.retryTimer = null;
    this.bind();
  }

  get state() {
    return this.store.state;
  }

  bind() {
    const s = this.socket;
    s.on('connect', () => this.onConnect());
    s.on('disconnect', () => this.store.set({ connection: 'offline' }, 'connection'));
    s.on('connect_error', (err) => {
      if (err?.data?.code === 'unauthorized') this.hooks.onUnauthorized?.();
      else this.store.set({ connection: 'offline' }, 'connection');
    });
    s.on('queue:updated', (p) => this.applyQueue(p));
    s.on('message:new', (p) => p?.message && this.onMessage(p.message));
    s.on('session:updated', (p) => p?.session && this.onSession(p.session));
    s.on('typing', (p) => this.onTyping(p));
  }

  start() {
    // REST first, so the inbox fills even while the socket is still connecting.
    this.refreshQueue();
    this.refreshSessions().catch(() => {});
    this.socket.connect();
    this.retryTimer = setInterval(() => this.flushOutbox(), RETRY_MS);
  }

  stop() {
    clearInterval(this.retryTimer);
    this.socket.disconnect();
  }

  async onConnect() {
    this.store.set({ connection: 'online' }, 'connection');
    // A fresh socket starts online: re-assert "away" if that is what the manager chose.
    if (this.state.presence === 'away') emitAck(this.socket, 'presence:set', { status: 'away' }).catch(() => {});
    await Promise.allSettled([this.refreshQueue(), this.refreshSessions()]);
    // Whatever happened while we were away: fill each open timeline, then re-send.
    await Promise.allSettled([...this.state.chats.keys()].map((id) => this.sync(id)));
    this.flushOutbox();
  }

  async refreshQueue() {
    try {
      this.applyQueue(await this.api.queue());
    } catch { /* a 401 signs out through the api hook; others: the next event */ }
  }

  applyQueue({ waiting = [], stats }) {
    const queue = [...waiting].sort((a, b) => a.position - b.position || a.requested_at.localeCompare(b.requested_at));
    if (this.seenQueue) {
      for (const e of queue) {
        if (!this.seenQueue.has(e.session_id)) this.hooks.onAlert?.('request', e);
        // The request's message may be stored just after the entry appeared.
        else if (e.preview && !this.seenQueue.get(e.session_id)) this.hooks.onAlert?.('request-preview', e);
      }
    }
    this.seenQueue = new Map(queue.map((e) => [e.session_id, e.preview]));
    this.store.set({ queue, stats: stats || this.state.stats }, 'queue', 'stats');
  }

  async refreshSessions() {
    const { sessions = [] } = await this.api.sessions();
    for (const session of sessions) this.ensureChat(session);
    // Chats we think are active but the server no longer lists were closed meanwhile.
    const live = new Set(sessions.map((s) => s.id));
    for (const chat of this.state.chats.values()) {
      if (chat.session.status === 'active' && !live.has(chat.session.id)) this.reloadSession(chat.session.id);
    }
    this.store.emit('chats');
  }

  /** The chat record for a session, created (and its history loaded) if new. */
  ensureChat(session) {
    let chat = this.state.chats.get(session.id);
    if (chat) {
      chat.session = session;
      return chat;
    }
    chat = { session, visitor: null, notes: [], timeline: new Timeline(), unread: 0, typing: false, draft: '', loaded: false, error: null };
    this.state.chats.set(session.id, chat);
    this.load(session.id);
    return chat;
  }

  async reloadSession(id) {
    try {
      const detail = await this.api.session(id);
      this.applyDetail(id, detail);
    } catch { /* shown as it was; the next event or reconnect corrects it */ }
  }

  applyDetail(id, { session, visitor, notes }) {
    const chat = this.state.chats.get(id);
    if (!chat) return;
    chat.session = session;
    chat.visitor = visitor || chat.visitor;
    chat.notes = notes || [];
    this.store.emit('chats', `chat:${id}`);
  }

  /** Details, AI notes and the whole history (AI part included) of a session. */
  async load(id) {
    const chat = this.state.chats.get(id);
    try {
      const [detail] = await Promise.all([this.api.session(id), this.fetchAfter(id, 0)]);
      this.applyDetail(id, detail);
      chat.loaded = true;
      chat.error = null;
      this.recountUnread(chat);
    } catch (err) {
      chat.error = err;
    }
    this.store.emit('chats', `chat:${id}`);
  }

  /** REST paging through history after `afterSeq`. */
  async fetchAfter(id, afterSeq) {
    const chat = this.state.chats.get(id);
    for (;;) {
      const { messages = [], has_more } = await this.api.messages(id, afterSeq);
      for (const m of messages) chat.timeline.add(m);
      if (!has_more || !messages.length) break;
      afterSeq = messages[messages.length - 1].seq;
    }
  }

  /** messages:sync after the last contiguous seq (socket if up, REST otherwise). */
  async sync(id) {
    const chat = this.state.chats.get(id);
    if (!chat) return;
    if (chat.syncing) {
      chat.resync = true;
      return;
    }
    chat.syncing = true;
    try {
      do {
        chat.resync = false;
        let after = chat.timeline.contiguousSeq;
        for (;;) {
          let reply;
          try {
            reply = await emitAck(this.socket, 'messages:sync', { session_id: id, after_seq: after, limit: 500 });
          } catch (err) {
            if (err.code === 'offline' || err.code === 'timeout') reply = await this.api.messages(id, after);
            else throw err;
          }
          const msgs = reply.messages || [];
          for (const m of msgs) this.addMessage(chat, m, false);
          if (!reply.has_more || !msgs.length) break;
          after = msgs[msgs.length - 1].seq;
        }
      } while (chat.resync);
    } catch { /* the next reconnect or gap tries again */ }
    chat.syncing = false;
    this.recountUnread(chat);
    this.store.emit('chats', `chat:${id}`);
  }

  onMessage(message) {
    const chat = this.state.chats.get(message.session_id);
    if (!chat) return; // not one of ours (yet): the accept flow loads it
    const { added, gap } = this.addMessage(chat, message, true);
    if (gap) this.sync(chat.session.id);
    if (added) {
      if (message.sender === 'visitor') this.setTyping(chat, false);
      this.recountUnread(chat);
      this.store.emit('chats', `chat:${chat.session.id}`);
    }
  }

  addMessage(chat, message, live) {
    const res = chat.timeline.add(message);
    if (res.added && live && message.sender === 'visitor') this.hooks.onAlert?.('message', { chat, message });
    return res;
  }

  onSession(session) {
    const mine = session.manager?.id === this.state.me?.id;
    let chat = this.state.chats.get(session.id);
    if (!chat && mine && session.status === 'active') {
      // Routed to us (auto routing) or accepted in another tab.
      chat = this.ensureChat(session);
      this.hooks.onAlert?.('assigned', { chat });
    } else if (chat) {
      chat.session = session;
      if (session.status === 'closed') this.setTyping(chat, false);
    }
    this.store.emit('chats', `chat:${session.id}`);
  }

  onTyping({ session_id, sender, typing } = {}) {
    const chat = this.state.chats.get(session_id);
    if (!chat || sender === 'manager') return;
    this.setTyping(chat, !!typing);
  }

  setTyping(chat, typing) {
    const id = chat.session.id;
    clearTimeout(this.typingIn.get(id));
    if (typing) this.typingIn.set(id, setTimeout(() => this.setTyping(chat, false), TYPING_SHOW_MS));
    if (chat.typing === typing) return;
    chat.typing = typing;
    this.store.emit(`typing:${id}`);
  }

  /** Unread = visitor messages after the last one the manager has seen. */
  recountUnread(chat) {
    const seen = readMark(chat.session.id);
    const n = chat.timeline.messages.filter((m) => m.sender === 'visitor' && m.seq > seen).length;
    if (n !== chat.unread) {
      chat.unread = n;
      this.store.emit('chats');
    }
  }

  markRead(id) {
    const chat = this.state.chats.get(id);
    if (!chat) return;
    setReadMark(id, chat.timeline.lastSeq);
    this.recountUnread(chat);
  }

  // ---- actions ----

  async accept(id) {
    let session;
    try {
      ({ session } = await emitAck(this.socket, 'session:accept', { session_id: id }));
    } catch (err) {
      if (err.code !== 'offline' && err.code !== 'timeout') throw err;
      ({ session } = await this.api.accept(id)); // REST answers the same rules
    }
    this.state.queue = this.state.queue.filter((e) => e.session_id !== id);
    this.ensureChat(session);
    this.store.emit('queue', 'chats');
    return session;
  }

  async close(id) {
    let session;
    try {
      ({ session } = await emitAck(this.socket, 'session:close', { session_id: id }));
    } catch (err) {
      if (err.code !== 'offline' && err.code !== 'timeout') throw err;
      ({ session } = await this.api.close(id));
    }
    this.onSession(session);
    this.refreshQueue(); // active_sessions changed; do not wait for the next queue event
    return session;
  }

  /** Optimistic send: shown at once, re-sent with the same client_id until acked. */
  send(id, text) {
    const chat = this.state.chats.get(id);
    const entry = chat.timeline.addPending(newClientId(), text);
    this.typing(id, false);
    this.store.emit(`chat:${id}`);
    this.deliver(chat, entry);
  }

  retry(id, clientId) {
    const chat = this.state.chats.get(id);
    const entry = chat?.timeline.pending.get(clientId);
    if (!entry) return;
    entry.failed = false;
    this.store.emit(`chat:${id}`);
    this.deliver(chat, entry);
  }

  async deliver(chat, entry) {
    if (entry.inFlight) return;
    entry.inFlight = true;
    try {
      const { message } = await emitAck(this.socket, 'message:send', { session_id: chat.session.id, client_id: entry.client_id, text: entry.text });
      const { gap } = this.addMessage(chat, message, false);
      if (gap) this.sync(chat.session.id);
      setReadMark(chat.session.id, Math.max(readMark(chat.session.id), message.seq));
    } catch (err) {
      // Transient failures stay pending and go again on the next flush; the rest
      // (validation, closed session…) are shown as failed with a retry button.
      if (!isTransient(err)) {
        entry.failed = true;
        entry.error = err.code;
      }
    } finally {
      entry.inFlight = false;
    }
    this.store.emit(`chat:${chat.session.id}`);
  }

  flushOutbox() {
    if (!this.socket.connected) return;
    for (const chat of this.state.chats.values()) {
      for (const entry of chat.timeline.pending.values()) if (!entry.failed) this.deliver(chat, entry);
    }
  }

  /** Our typing state, throttled: "true" at most every 2 s, "false" after idling. */
  typing(id, on) {
    const t = this.typingOut.get(id) || { timer: null, sentAt: 0, on: false };
    this.typingOut.set(id, t);
    clearTimeout(t.timer);
    if (!this.socket.connected) return;
    if (on) {
      if (!t.on || Date.now() - t.sentAt > 2000) {
        this.socket.emit('typing', { session_id: id, typing: true });
        t.sentAt = Date.now();
        t.on = true;
      }
      t.timer = setTimeout(() => this.typing(id, false), TYPING_IDLE_MS);
    } else if (t.on) {
      this.socket.emit('typing', { session_id: id, typing: false });
      t.on = false;
    }
  }

  async setPresence(status) {
    const previous = this.state.presence;
    this.store.set({ presence: status }, 'presence');
    localStorage.setItem('sb.presence', status);
    try {
      await emitAck(this.socket, 'presence:set', { status });
    } catch (err) {
      if (err.code === 'offline') return; // re-asserted on connect
      this.store.set({ presence: previous }, 'presence');
      localStorage.setItem('sb.presence', previous);
      throw err;
    }
  }

  /** Drop a closed chat from the list. */
  dismiss(id) {
    this.state.chats.delete(id);
    if (this.state.current === id) this.state.current = null;
    this.store.emit('chats', 'current');
  }
}

function readMark(id) {
  return Number(localStorage.getItem(`sb.read.${id}`)) || 0;
}

function setReadMark(id, seq) {
  localStorage.setItem(`sb.read.${id}`, String(seq));
}

export { AckError };
