// Emitting with an acknowledgement, as a promise. Rejects with AckError when the
// server answers {ok:false}, or with code "timeout"/"offline" when no answer came:
// callers decide whether that is worth a retry.

export class AckError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export function emitAck(socket, event, payload, timeoutMs = 8000) {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      reject(new AckError('offline'));
      return;
    }
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new AckError('timeout'));
    }, timeoutMs);
    socket.emit(event, payload, (reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (reply && reply.ok) resolve(reply);
      else reject(new AckError(reply?.error?.code || 'internal', reply?.error?.message));
    });
  });
}

/** Errors that may succeed if simply tried again later. */
export function isTransient(err) {
  return ['offline', 'timeout', 'unavailable', 'rate_limited', 'internal', 'network'].includes(err?.code);
}
