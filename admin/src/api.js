// REST calls of the contract and its extensions. Each returns the parsed JSON body
// or throws ApiError {status, code, message, retryAfter}.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** The real HTTP transport: fetch against `origin` with a bearer token. */
export function httpTransport(origin) {
  return async function request(method, path, { token, body } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'network', err.message);
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: handled below */ }
    if (!res.ok) {
      const e = json?.error || {};
      throw new ApiError(res.status, e.code || 'internal', e.message || res.statusText, Number(res.headers.get('Retry-After')) || null);
    }
    return json;
  };
}

/**
 * Typed endpoints over a transport; `getToken` gives the current manager token.
 * A 401 on an authenticated call means the token was revoked (logout elsewhere):
 * `onUnauthorized` signs this tab out too.
 */
export function createApi(request, getToken, onUnauthorized = () => {}) {
  const call = async (method, path, body) => {
    try {
      return await request(method, path, { token: getToken(), body });
    } catch (err) {
      if (err.status === 401 && getToken()) onUnauthorized();
      throw err;
    }
  };
  const id = (x) => encodeURIComponent(x);
  return {
    login: (email, password) => request('POST', '/manager/auth', { body: { email, password } }),
    logout: () => call('POST', '/manager/logout'),
    me: () => call('GET', '/manager/me'),
    queue: () => call('GET', '/manager/queue'),
    sessions: () => call('GET', '/manager/sessions'),
    session: (sid) => call('GET', `/manager/sessions/${id(sid)}`),
    accept: (sid) => call('POST', `/manager/sessions/${id(sid)}/accept`),
    close: (sid) => call('POST', `/manager/sessions/${id(sid)}/close`),
    messages: (sid, afterSeq, limit = 500) => call('GET', `/sessions/${id(sid)}/messages?after_seq=${afterSeq}&limit=${limit}`),
    iceServers: () => call('GET', '/call/ice-servers'),
    managers: () => call('GET', '/manager/managers'),
    createManager: (body) => call('POST', '/manager/create', body),
    site: () => call('GET', '/manager/site'),
    updateSite: (patch) => call('PATCH', '/manager/site', patch),
    faq: () => call('GET', '/manager/faq'),
    addFaq: (entry) => call('POST', '/manager/faq', entry),
    deleteFaq: (fid) => call('DELETE', `/manager/faq/${id(fid)}`),
  };
}
