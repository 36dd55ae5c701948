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
  keepConnected(chat);
  keepConnected(call);
  return {
    manager,
    chat,
    call,
    close() {
      chat.closedByUs = call.closedByUs = true;
      chat.disconnect();
      call.disconnect();
    },
  };
}

/**
 * socket.io-client reconnects by itself after transport failures, but not
 * after the server closed the namespace (a draining node: "io server
 * disconnect") nor after its connect middleware refused us (e.g. `unavailable`
 * while Redis is down). Both are transient here: try again, with jittered
 * backoff so a drained node's clients do not all come back in one instant.
 * An `unauthorized` refusal is left to the widget (it starts a new visitor).
 */
function keepConnected(socket) {
  let attempt = 0;
  let timer = null;
  const retry = () => {
    clearTimeout(timer);
    const delay = Math.min(300 * 2 ** attempt++, 10000) * (0.5 + Math.random());
    timer = setTimeout(() => {
      if (!socket.connected && !socket.active && !socket.closedByUs) socket.connect();
    }, delay);
  };
  socket.on('connect', () => (attempt = 0));
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') retry();
  });
  socket.on('connect_error', (err) => {
    if (socket.active) return; // a transport error: the manager is already retrying
    if (err && err.data && err.data.code === 'unauthorized') return;
    retry();
  });
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
