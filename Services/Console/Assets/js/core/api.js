// Calls to the public API through the console's proxy (/console/api + path).
// Every call carries X-CLM-Console: 1 (the server's CSRF guard).
import { showExpired } from './session.js';

export const API_PREFIX = '/console/api';

/** A problem document (RFC 9457) the API answered with, or a network failure. */
export class ApiError extends Error {
  constructor({ status = 0, code = '', title = '', detail = '', violations = [], type = '' } = {}) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || '';
    this.title = title || '';
    this.detail = detail || '';
    this.type = type || '';
    this.violations = Array.isArray(violations) ? violations : [];
  }
}

const FALLBACK_TITLES = {
  400: 'The request was not understood',
  401: 'You are not signed in',
  403: 'You are not allowed to do this',
  404: 'Not found',
  405: 'Not available',
  409: 'This conflicts with the current state',
  410: 'No longer available',
  413: 'Too large',
  422: 'The input was not accepted',
  429: 'Too many requests, try again shortly',
  500: 'The server failed',
  502: 'A service is not reachable',
  503: 'A service is unavailable',
  504: 'A service did not answer in time',
};

/** Turns a non-2xx Response into an ApiError (reads a problem document if there is one). */
export async function errorFromResponse(response) {
  let problem = {};
  const type = response.headers.get('Content-Type') || '';
  try {
    if (type.includes('json')) {
      problem = await response.json();
    } else {
      const text = (await response.text()).trim();
      // A plain-text body is shown only when short and not HTML.
      if (text && text.length < 300 && !text.startsWith('<')) problem = { detail: text };
    }
  } catch (_) { problem = {}; }
  if (!problem || typeof problem !== 'object') problem = {};
  return new ApiError({
    status: response.status,
    code: problem.code,
    type: problem.type,
    title: problem.title || FALLBACK_TITLES[response.status] || `The server answered ${response.status}`,
    detail: typeof problem.detail === 'string' ? problem.detail : '',
    violations: normaliseViolations(problem.violations),
  });
}

function normaliseViolations(list) {
  if (!Array.isArray(list)) return [];
  return list.map((v) => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      if (v.attribute && v.rule) return `${v.attribute}: ${v.rule}`;
      return v.message || v.rule || JSON.stringify(v);
    }
    return String(v);
  });
}

function buildURL(path, query) {
  let url = API_PREFIX + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) v.forEach((x) => params.append(k, x));
      else params.append(k, String(v));
    }
    const s = params.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  return url;
}

/**
 * api('GET', '/v1/realms') → parsed JSON (null for an empty body).
 * options: body (sent as JSON), query (object → query string), headers, raw (return the Response).
 * Throws ApiError on non-2xx; a 401 session-expired / signed-out shows the sign-in-again page.
 */
export async function api(method, path, { body, query, headers, raw } = {}) {
  const init = {
    method: method.toUpperCase(),
    headers: { 'X-CLM-Console': '1', Accept: 'application/json, application/problem+json', ...(headers || {}) },
    credentials: 'same-origin',
    cache: 'no-store',
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(buildURL(path, query), init);
  } catch (e) {
    throw new ApiError({ status: 0, code: 'network', title: 'The console could not reach the server',
      detail: 'Check your connection and try again.' });
  }
  if (!response.ok) {
    const error = await errorFromResponse(response);
    // Through the console every API call carries the session's token, so any 401 means the
    // session is gone: expired (session-expired), signed out elsewhere (signed-out), or unknown to
    // the server after a restart (the proxy then forwards without a token: unauthenticated).
    if (response.status === 401) {
      showExpired(error.code === 'signed-out' ? 'signed-out' : 'session-expired');
    }
    throw error;
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch (_) { return text; }
}

/** A random idempotency key (UUID v4 when the browser offers one). */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
