// One Socket.IO connection to the server the script came from, multiplexing
// the /chat and /call namespaces, and `ask()`: an emit that resolves with the
// `{ok: true, ...}` ack or rejects with the contract's error code.

import { Manager } from 'socket.io-client';

export function connectSockets(origin, token) {
  const manager = new Manager(origin, {
    path: '/socket.io/',
    // Websocket first; fall back to long-polling where websockets are blocked.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    randomizationFactor: 0.4,
    timeout: 10000,
  });
  const chat = manager.socket('/chat', { auth: { token } });
  const call = manager.socket('/call', { auth: { token } });
  return {
    manager,
    chat,
    call,
    close() {
      chat.disconnect();
      call.disconnect();
    },
  };
}

export class AckError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }

  /** Worth sending again: the server may not have seen it, or refused it only for now. */
  get transient() {
    return ['timeout', 'unavailable', 'rate_limited', 'internal', 'disconnected'].includes(this.code);
  }
}

export function ask(socket, event, payload, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, res) => {
      if (err) return reject(new AckError('timeout'));
      if (!res || res.ok === false) {
        const e = (res && res.error) || {};
        return reject(new AckError(e.code || 'unknown', e.message));
      }
      resolve(res);
    });
  });
}
