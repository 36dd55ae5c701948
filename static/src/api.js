// REST calls to the Switchboard server the script was loaded from.
// Errors are thrown as ApiError carrying the contract's error code, so callers
// can tell a refused request (validation, unauthorized) from a transient one.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }

  /** Worth retrying later: network failure, 429, 5xx. */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export function createApi(origin) {
  async function request(method, path, { token, body } = {}) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(origin + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        mode: 'cors',
        credentials: 'omit',
      });
    } catch (e) {
      throw new ApiError(0, 'network', e && e.message);
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch {
      /* an empty or non-JSON body: handled below by status */
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      throw new ApiError(res.status, err.code || 'http_' + res.status, err.message);
    }
    return data;
  }

  return {
    /** {visitor_token, visitor, session|null, settings, ice_servers} */
    widgetSession: (siteKey, visitorToken) =>
      request('POST', '/widget/session', {
        body: visitorToken ? { site_key: siteKey, visitor_token: visitorToken } : { site_key: siteKey },
      }),
    requestManager: (token, message) =>
      request('POST', '/manager/request', { token, body: message ? { message } : {} }),
    /** Every message after `afterSeq`, following `has_more` pages. */
    async history(token, sessionId, afterSeq = 0) {
      const out = [];
      let after = afterSeq;
      for (let page = 0; page < 50; page++) {
        const q = `?after_seq=${after}&limit=500`;
        const data = await request('GET', `/sessions/${encodeURIComponent(sessionId)}/messages${q}`, { token });
        const msgs = (data && data.messages) || [];
        out.push(...msgs);
        if (!data || !data.has_more || !msgs.length) break;
        after = msgs[msgs.length - 1].seq;
      }
      return out;
    },
    iceServers: (token) => request('GET', '/call/ice-servers', { token }),
  };
}
