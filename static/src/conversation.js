// The visitor's view of one session's messages: stored messages de-duplicated
// by id and ordered by seq, the visitor's own messages still in flight
// (optimistic, keyed by client_id until the server acknowledges them), and AI
// replies still streaming (keyed by reply_to until the final message lands).
//
// Each item has a stable `key` so the view can keep one DOM node per message
// while it moves from "sending" to "sent": a stored message that carries a
// client_id takes over the key of its optimistic twin.

let counter = 0;

export function newClientId() {
  const rnd =
    typeof crypto !== 'undefined' && crypto.randomUUID
      ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2);
  return 'w-' + rnd.replace(/[^A-Za-z0-9_-]/g, '') + (++counter).toString(36);
}

// The server stores an AI reply with client_id "ai-<visitor message id>"
// (the id the deltas name as reply_to): the link between a stream and its end.
function replyToOf(msg) {
  return typeof msg.client_id === 'string' && msg.client_id.startsWith('ai-') ? msg.client_id.slice(3) : null;
}

function keyOf(msg) {
  return msg.client_id ? 'c:' + msg.client_id : 'm:' + msg.id;
}

export class Conversation {
  constructor(sessionId = null) {
    this.sessionId = sessionId;
    this.byKey = new Map(); // key -> item
    this.ids = new Set(); // stored message ids already held
    this.maxSeq = 0; // highest seq held
    this.streams = new Map(); // reply_to -> {key, text, created_at}
    this.localSeq = 0; // creation order of optimistic items
  }

  /** Highest seq such that every message 1..seq is held: where a sync resumes. */
  get contiguousSeq() {
    let s = 0;
    const seqs = new Set();
    for (const it of this.byKey.values()) if (it.seq) seqs.add(it.seq);
    while (seqs.has(s + 1)) s++;
    return s;
  }

  /**
   * Adds a stored message. Returns {added, gap}: `gap` is true when the
   * message's seq skips past what we hold, so the caller should sync.
   */
  addStored(msg) {
    if (!msg || !msg.id || this.ids.has(msg.id)) return { added: false, gap: false };
    if (this.sessionId && msg.session_id && msg.session_id !== this.sessionId) return { added: false, gap: false };
    if (!this.sessionId && msg.session_id) this.sessionId = msg.session_id;
    const gap = typeof msg.seq === 'number' && msg.seq > this.contiguousSeq + 1;
    this.ids.add(msg.id);
    const key = keyOf(msg);
    const prev = this.byKey.get(key);
    this.byKey.set(key, { ...msg, key, status: 'sent', local: prev ? prev.local : undefined });
    if (typeof msg.seq === 'number' && msg.seq > this.maxSeq) this.maxSeq = msg.seq;
    if (msg.sender === 'ai') this.endStream(msg.reply_to || replyToOf(msg));
    return { added: true, gap };
  }

  /** A visitor message shown before the server has stored it. */
  addPending(text) {
    const clientId = newClientId();
    const item = {
      key: 'c:' + clientId,
      client_id: clientId,
      sender: 'visitor',
      kind: 'text',
      text,
      created_at: new Date().toISOString(),
      status: 'sending',
      local: ++this.localSeq,
      attempts: 0,
    };
    this.byKey.set(item.key, item);
    return item;
  }

  pending() {
    return [...this.byKey.values()].filter((it) => it.status === 'sending' || it.status === 'failed');
  }

  setStatus(clientId, status) {
    const it = this.byKey.get('c:' + clientId);
    if (it && !it.id) it.status = status;
    return it;
  }

  /** Appends an AI streaming delta; returns the stream's current text. */
  appendDelta(replyTo, delta) {
    const k = replyTo || '_';
    let s = this.streams.get(k);
    if (!s) {
      s = { key: 's:' + k, text: '', created_at: new Date().toISOString() };
      this.streams.set(k, s);
    }
    s.text += delta;
    return s.text;
  }

  /** The final AI message arrived: drop its stream (or the oldest one when the message names none). */
  endStream(replyTo) {
    if (replyTo) {
      const want = replyTo.replace(/-/g, '').toLowerCase();
      for (const k of this.streams.keys()) {
        if (k.replace(/-/g, '').toLowerCase() === want) return void this.streams.delete(k);
      }
    }
    const first = this.streams.keys().next();
    if (!first.done) this.streams.delete(first.value);
  }

  /** Everything to render, in display order. */
  items() {
    const stored = [];
    const local = [];
    for (const it of this.byKey.values()) (typeof it.seq === 'number' ? stored : local).push(it);
    stored.sort((a, b) => a.seq - b.seq);
    local.sort((a, b) => a.local - b.local);
    const streams = [...this.streams.values()].map((s) => ({
      key: s.key,
      sender: 'ai',
      kind: 'text',
      text: s.text,
      created_at: s.created_at,
      status: 'streaming',
    }));
    return [...stored, ...local, ...streams];
  }

  get isEmpty() {
    return this.byKey.size === 0 && this.streams.size === 0;
  }
}
