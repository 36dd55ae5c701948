// The visitor's messages on their way to the server. A message is sent with
// its client_id as soon as the /chat socket is connected, sent again after a
// reconnect until acknowledged (the server de-duplicates by client_id), and
// marked failed after a refusal or SEND_ATTEMPTS timeouts; `retry` starts over.

import { ask } from './transport.js';

const SEND_TIMEOUT_MS = 8000;
const SEND_ATTEMPTS = 3;

export class Outbox {
  /**
   * socket(): the /chat socket or null; conv(): the current Conversation;
   * sessionId(): the session to send into (null: the server opens one);
   * onAcked(message): the stored message came back; onChange(): redraw.
   */
  constructor({ socket, conv, sessionId, onAcked, onChange, guard }) {
    Object.assign(this, { socket, conv, sessionId, onAcked, onChange, guard });
  }

  async send(item) {
    const chat = this.socket();
    if (!chat || !chat.connected || item.inflight) return; // flush() sends it on (re)connect
    item.inflight = true;
    const payload = { client_id: item.client_id, text: item.text };
    const sessionId = this.sessionId();
    if (sessionId) payload.session_id = sessionId;
    try {
      const res = await ask(chat, 'message:send', payload, SEND_TIMEOUT_MS);
      item.inflight = false;
      this.onAcked(res.message);
    } catch (e) {
      item.inflight = false;
      item.attempts++;
      if (e.transient && item.attempts < SEND_ATTEMPTS) {
        setTimeout(this.guard(() => this.send(item)), 600 * item.attempts);
        return;
      }
      this.conv().setStatus(item.client_id, 'failed');
      this.onChange();
    }
  }

  /** After a (re)connect: everything still waiting goes out, in order. */
  flush() {
    for (const it of this.conv().pending()) if (it.status === 'sending') this.send(it);
  }

  retry(clientId) {
    const it = this.conv().setStatus(clientId, 'sending');
    if (!it) return;
    it.attempts = 0;
    this.onChange();
    this.send(it);
  }
}
