// fetch wrapper for the JSON API: bearer token, the error shape, and "offline" as its own error.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

// The network is unreachable (not an answer from the server): callers switch to offline mode.
export class OfflineError extends Error {}

export function createApi({ token, onUnauthorized } = {}) {
  return async function api(method, path, body, { headers = {}, raw = false } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
    const bearer = typeof token === 'function' ? token() : token;
    if (bearer) init.headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      throw new OfflineError(err.message);
    }
    if (raw) return res;
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = { text }; }
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      const error = new ApiError(res.status, err.code || `http.${res.status}`, err.message || res.statusText, err.details);
      if (res.status === 401 && onUnauthorized && error.code !== 'auth.totp_required' && !path.includes('/login')) onUnauthorized(error);
      throw error;
    }
    return data;
  };
}
