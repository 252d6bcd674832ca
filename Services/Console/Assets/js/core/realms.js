// The realms the user may see (GET /v1/realms), combined with the session's role hints.
import { api } from './api.js';
import { currentSession, hasPlatformRole } from './session.js';

let cache = null;

/** [{realm, displayName, cas, roles: [..] | null (unknown: granted by realm membership)}], cached. */
export async function loadRealms({ refresh = false } = {}) {
  if (cache && !refresh) return cache;
  const s = currentSession();
  const listed = await api('GET', '/v1/realms');
  const hinted = (s && s.realms) || {};
  const platformAdmin = hasPlatformRole('platform-admin');
  const seen = new Set();
  const out = [];
  for (const r of Array.isArray(listed) ? listed : []) {
    const id = r.realm || r.id;
    if (!id || seen.has(id)) continue;
    seen.add(id);
    let roles = hinted[id] || null;
    // A realm the token does not name: a platform admin sees every realm (no role implied);
    // anyone else sees it because a realm admin granted them roles (which ones we cannot tell).
    if (!roles && platformAdmin) roles = [];
    out.push({ realm: id, displayName: r.displayName || id, cas: r.cas || [], roles });
  }
  cache = out.sort((a, b) => a.realm.localeCompare(b.realm));
  return cache;
}

export function clearRealmCache() { cache = null; }

/** Realms where the user holds the role (or may, through a membership grant not in the token). */
export async function realmsWithRoleOrGrant(role) {
  const all = await loadRealms();
  return all.filter((r) => r.roles === null || r.roles.includes(role));
}

/** Realms in which the user can read requests/certificates (any role). */
export async function readableRealms() {
  const all = await loadRealms();
  return all.filter((r) => r.roles === null || r.roles.length > 0);
}

export const ROLE_LABELS = {
  requester: 'requester',
  approver: 'approver',
  'realm-admin': 'realm administrator',
  auditor: 'auditor',
  'platform-admin': 'platform administrator',
};
