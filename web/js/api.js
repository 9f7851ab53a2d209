// The JSON API client: bearer token, JSON errors as exceptions, idempotency keys on POST, and
// discovery of the routes the server offers (from its OpenAPI document).

const TOKEN_KEY = 'jiesu.token';
const BASE = '/api/v1';

/** An error answered by the API: HTTP status plus the {code, message, field} error body. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'http_' + status;
    this.field = field || null;
  }
}

// The tab's own session lives in sessionStorage; the last login of this browser is also kept in
// localStorage, so that a tab opened later (an order link in a new tab) starts logged in. A tab
// that logged in by itself keeps its own session whatever other tabs do.
let token = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '';
if (token) sessionStorage.setItem(TOKEN_KEY, token);
let onUnauthorized = () => {};
let routes = null; // [{method, re}] from openapi.json

export function getToken() { return token; }
/** Sets this tab's session token ("" ends it here); a new one becomes the browser's last login. */
export function setToken(t) {
  token = t || '';
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(TOKEN_KEY, token);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}
/** Forgets the token in this tab and, when it is the browser's last login, for new tabs too
 * (logging out, or a session the server no longer knows). */
export function dropToken() {
  if (token && localStorage.getItem(TOKEN_KEY) === token) localStorage.removeItem(TOKEN_KEY);
  setToken('');
}
/** Sets what happens when a request answers 401 (session expired). */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const a = new Uint8Array(16);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Sends one request. path is relative to /api/v1 (or absolute when it starts with "/api/" or
 * "/healthz"). body: a JSON value, or {raw: Blob|ArrayBuffer, type} for uploads. Returns the
 * parsed JSON (or text for non-JSON answers, null for 204). Throws ApiError.
 */
export async function request(method, path, body, opts = {}) {
  const url = path.startsWith('/api/') || path.startsWith('/healthz') ? path : BASE + path;
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  let payload;
  if (body && body.raw !== undefined) {
    payload = body.raw;
    headers['Content-Type'] = body.type || 'application/octet-stream';
    Object.assign(headers, body.headers || {});
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (method === 'POST' && opts.idempotent !== false) headers['Idempotency-Key'] = opts.key || newKey();
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload });
  } catch (err) {
    throw new ApiError(0, 'network', '无法连接服务器：' + err.message, null);
  }
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (res.status !== 204) {
    if (type.includes('json')) data = await res.json().catch(() => null);
    else data = await res.text();
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code, e.message, e.field);
    if (res.status === 401 && !opts.noAuthRedirect) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (p, o) => request('GET', p, undefined, o);
export const post = (p, b, o) => request('POST', p, b === undefined ? {} : b, o);
export const put = (p, b, o) => request('PUT', p, b, o);
export const patch = (p, b, o) => request('PATCH', p, b, o);
export const del = (p, o) => request('DELETE', p, undefined, o);

/** Builds "path?k=v&..." leaving out empty values. */
export function withQuery(path, q) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q || {})) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    u.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = u.toString();
  return s ? `${path}?${s}` : path;
}

/** Loads the route table from the OpenAPI document once (public, no token needed). */
export async function loadRoutes() {
  if (routes) return routes;
  try {
    const doc = await get('/api/v1/openapi.json', { noAuthRedirect: true });
    routes = [];
    for (const [p, item] of Object.entries(doc.paths || {})) {
      const re = new RegExp('^' + p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$');
      for (const m of Object.keys(item)) routes.push({ method: m.toUpperCase(), path: p, re });
    }
  } catch {
    routes = [];
  }
  return routes;
}

/** True if the server documents method + path (path under /api/v1 or absolute; "{x}" or a
 * concrete value in place of parameters). Before loadRoutes() it answers false. */
export function has(method, path) {
  if (!routes) return false;
  const full = path.startsWith('/api/') ? path : BASE + path;
  const probe = full.replace(/\{[^}]+\}/g, 'x');
  return routes.some((r) => r.method === method && (r.path === full || r.re.test(probe)));
}

/** Items of a list answer, whatever its envelope ({items}, {orders}, {data} or a bare array). */
export function items(data, key) {
  if (Array.isArray(data)) return data;
  if (!data) return [];
  if (key && Array.isArray(data[key])) return data[key];
  for (const k of ['items', 'orders', 'data', 'results', 'entries', 'units', 'users', 'regions', 'categories', 'events']) {
    if (Array.isArray(data[k])) return data[k];
  }
  return [];
}

/** Cursor of the next page of a list answer, or "". */
export function nextCursor(data) {
  if (!data || Array.isArray(data)) return '';
  return data.next_cursor || data.cursor || data.next || '';
}

/** Fetches every page of an order query (up to max orders). */
export async function allOrders(query, max = 2000) {
  const out = [];
  let cursor = '';
  do {
    const data = await get(withQuery('/orders', { ...query, cursor, limit: Math.min(500, max - out.length) }));
    out.push(...items(data, 'items'));
    cursor = nextCursor(data);
  } while (cursor && out.length < max);
  return out;
}
