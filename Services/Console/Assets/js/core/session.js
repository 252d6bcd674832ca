// The signed-in user (GET /console/session) and the "session expired" page.
let session = null;
let lastProblem = null;
let expiredHandler = null;
let expiredShown = false;

/**
 * Loads /console/session. Returns the session object, or null when signed out (then
 * lastSignInProblem() has the 401 problem, including developmentSignIn).
 */
export async function loadSession() {
  let response;
  try {
    response = await fetch('/console/session', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch (e) {
    session = null;
    lastProblem = { code: 'network', title: 'The console could not reach the server', detail: 'Check your connection and reload the page.' };
    return null;
  }
  if (response.ok) {
    session = normalise(await response.json());
    lastProblem = null;
    expiredShown = false;
    return session;
  }
  session = null;
  try { lastProblem = await response.json(); } catch (_) { lastProblem = { code: 'signed-out' }; }
  if (!lastProblem || typeof lastProblem !== 'object') lastProblem = { code: 'signed-out' };
  lastProblem.status = response.status;
  return null;
}

function normalise(s) {
  return {
    subject: s.subject || '',
    platformRoles: Array.isArray(s.platformRoles) ? s.platformRoles : [],
    realms: s.realms && typeof s.realms === 'object' ? s.realms : {},
    expiresAt: s.expiresAt || null,
    method: s.method || '',
    name: s.name || s.email || '',
  };
}

/** {subject, platformRoles, realms: {realm: [roles]}, expiresAt, method} or null. */
export function currentSession() { return session; }

/** The 401 problem of the last loadSession() (code, developmentSignIn…), or null. */
export function lastSignInProblem() { return lastProblem; }

/** Adds realm roles learnt elsewhere (e.g. from GET /v1/realms) to the session's hint. */
export function mergeRealmRoles(realm, roles) {
  if (!session || !realm || !Array.isArray(roles)) return;
  const have = new Set(session.realms[realm] || []);
  roles.forEach((r) => have.add(r));
  session.realms[realm] = [...have];
}

export function hasRole(realm, role) {
  if (!session) return false;
  const roles = session.realms[realm] || [];
  return roles.includes(role);
}

export function hasPlatformRole(role) {
  return !!session && session.platformRoles.includes(role);
}

/** Realms in which the user holds the role. */
export function realmsWithRole(role) {
  if (!session) return [];
  return Object.keys(session.realms).filter((r) => session.realms[r].includes(role)).sort();
}

/** app.js registers the renderer of the expired page: handler(code, returnRoute). */
export function onExpired(handler) { expiredHandler = handler; }

/** Shows "your session expired, sign in again" (once), keeping the route to return to. */
export function showExpired(code = 'session-expired') {
  if (expiredShown) return;
  expiredShown = true;
  session = null;
  const ret = (location.hash || '#/').replace(/^#/, '') || '/';
  if (expiredHandler) { expiredHandler(code, ret); return; }
  const app = document.getElementById('app') || document.body;
  while (app.firstChild) app.removeChild(app.firstChild);
  const p = document.createElement('p');
  p.textContent = 'Your session expired. ';
  const a = document.createElement('a');
  a.href = `/console/auth/login?return=${encodeURIComponent(ret)}`;
  a.textContent = 'Sign in again';
  p.appendChild(a);
  app.appendChild(p);
}

/** Allows showExpired() again (after the user signed in anew). */
export function resetExpired() { expiredShown = false; }

/** POST /console/auth/logout, then go where the server says. */
export async function signOut() {
  let target = '/console/';
  try {
    const r = await fetch('/console/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CLM-Console': '1' } });
    if (r.ok) {
      const body = await r.json().catch(() => ({}));
      if (body && body.redirect) target = body.redirect;
    }
  } catch (_) { /* go to the console anyway */ }
  session = null;
  location.href = target;
}
