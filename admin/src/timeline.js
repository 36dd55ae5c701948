// One conversation's messages as the panel knows them: stored messages in seq order
// (de-duplicated by id), plus the manager's own messages still waiting for an ack.
// `contiguousSeq` is the highest seq up to which nothing is missing: messages:sync
// asks for what comes after it, on reconnect and whenever a gap shows up.

export class Timeline {
  constructor() {
    this.messages = []; // stored, ascending seq
    this.byId = new Set();
    this.contiguousSeq = 0;
    this.pending = new Map(); // client_id -> {client_id, text, created_at, failed}
  }

  get lastSeq() {
    return this.messages.length ? this.messages[this.messages.length - 1].seq : 0;
  }

  /**
   * Adds a stored message. Returns {added, gap}: `added` is false for a duplicate,
   * `gap` is true when messages between contiguousSeq and this one are missing.
   */
  add(message) {
    if (message.client_id) this.pending.delete(message.client_id);
    if (this.byId.has(message.id)) return { added: false, gap: false };
    this.byId.add(message.id);
    // Usually an append; otherwise find the place (sync filling a gap).
    let i = this.messages.length;
    while (i > 0 && this.messages[i - 1].seq > message.seq) i--;
    this.messages.splice(i, 0, message);
    this.advance();
    return { added: true, gap: message.seq > this.contiguousSeq };
  }

  advance() {
    // Walk forward over seqs that are now present.
    const seqs = new Set(this.messages.map((m) => m.seq));
    while (seqs.has(this.contiguousSeq + 1)) this.contiguousSeq++;
  }

  addPending(clientId, text) {
    const entry = { client_id: clientId, text, created_at: new Date().toISOString(), failed: false };
    this.pending.set(clientId, entry);
    return entry;
  }
}

/** A client_id unique enough across tabs and reloads; [A-Za-z0-9_-] only. */
export function newClientId() {
  const rnd = crypto.getRandomValues(new Uint8Array(12));
  return 'p' + Date.now().toString(36) + '-' + Array.from(rnd, (b) => b.toString(36).padStart(2, '0')).join('').slice(0, 16);
}
