// Realm administration: #/admin (pick a realm) and #/realms/:realm/admin/… with the sections
// policies (admin-policies.js), end entities (admin-entities.js), members (admin-members.js)
// and the audit trail (audit.js). Only realm admins; others are told which role they lack.
import { h, page, loading, notice, problemView, replace } from '../core/ui.js';
import { route } from '../core/router.js';
import { currentSession, hasRole, hasPlatformRole } from '../core/session.js';
import { loadRealms } from '../core/realms.js';
import { ensureAdminStyles, tabs, seg } from './admin-common.js';
import * as policies from './admin-policies.js';
import * as policyForm from './admin-policy-form.js';
import * as entities from './admin-entities.js';
import * as members from './admin-members.js';
import { renderAudit } from './audit.js';

export function register() {
  ensureAdminStyles();
  route('/admin', (params, container) => renderRealmPicker(container));
  const r = '/realms/:realm/admin';
  route(r, (p, c) => section(c, p.realm, 'policies', 'Policies', (el) => policies.renderList(el, p.realm)));
  route(`${r}/policies`, (p, c) => section(c, p.realm, 'policies', 'Policies', (el) => policies.renderList(el, p.realm)));
  route(`${r}/new-policy`, (p, c) => section(c, p.realm, 'policies', 'New policy', (el) => policyForm.renderForm(el, p.realm, null)));
  route(`${r}/policies/:policy`, (p, c) => section(c, p.realm, 'policies', `Policy ${p.policy}`, (el) => policies.renderPolicy(el, p.realm, p.policy, null)));
  route(`${r}/policies/:policy/versions/:version`, (p, c) => section(c, p.realm, 'policies', `Policy ${p.policy} version ${p.version}`,
    (el) => policies.renderPolicy(el, p.realm, p.policy, Number(p.version))));
  route(`${r}/policies/:policy/diff/:from/:to`, (p, c) => section(c, p.realm, 'policies', `Policy ${p.policy}: version ${p.from} against ${p.to}`,
    (el) => policies.renderDiff(el, p.realm, p.policy, Number(p.from), Number(p.to))));
  route(`${r}/policies/:policy/new-version`, (p, c) => section(c, p.realm, 'policies', `New version of ${p.policy}`,
    (el) => policyForm.renderForm(el, p.realm, p.policy)));
  route(`${r}/entities`, (p, c) => section(c, p.realm, 'entities', 'End entities', (el) => entities.renderList(el, p.realm)));
  route(`${r}/new-entity`, (p, c) => section(c, p.realm, 'entities', 'New end entity', (el) => entities.renderForm(el, p.realm, null)));
  route(`${r}/entities/:entity`, (p, c) => section(c, p.realm, 'entities', `End entity ${p.entity}`, (el) => entities.renderEntity(el, p.realm, p.entity)));
  route(`${r}/entities/:entity/edit`, (p, c) => section(c, p.realm, 'entities', `Edit end entity ${p.entity}`, (el) => entities.renderForm(el, p.realm, p.entity)));
  route(`${r}/members`, (p, c) => section(c, p.realm, 'members', 'Members and roles', (el) => members.renderMembers(el, p.realm)));
  route(`${r}/audit`, (p, c) => section(c, p.realm, 'audit', 'Audit trail', (el) => renderAudit(el, p.realm)));
}

const SECTIONS = [
  { key: 'policies', label: 'Policies', path: 'policies' },
  { key: 'entities', label: 'End entities', path: 'entities' },
  { key: 'members', label: 'Members and roles', path: 'members' },
  { key: 'audit', label: 'Audit trail', path: 'audit' },
];

/** Whether the user may administer the realm: the token says so, or a membership may. */
async function mayAdminister(realm) {
  if (hasRole(realm, 'realm-admin')) return true;
  try {
    const all = await loadRealms();
    const entry = all.find((r) => r.realm === realm);
    // Roles unknown: a realm admin may have granted realm-admin; the API decides.
    return !!entry && entry.roles === null;
  } catch (_) { return false; }
}

async function section(container, realm, key, title, build) {
  const body = h('div', { class: 'admin-body', 'data-test': `admin-${key}` }, loading());
  const heading = `${title} \u00b7 ${realm}`;
  container.appendChild(page(heading,
    h('p', { class: 'admin-realm' }, 'Administration of realm ', h('strong', { 'data-test': 'admin-realm' }, realm),
      ' \u00b7 ', h('a', { href: '#/admin' }, 'other realms')),
    tabs(SECTIONS.map((s) => ({ key: s.key, label: s.label, href: `#/realms/${seg(realm)}/admin/${s.path}` })), key, 'Administration sections'),
    body));
  if (!(await mayAdminister(realm))) {
    const auditor = hasRole(realm, 'auditor');
    replace(body, h('div', { class: 'notice notice-warn', role: 'alert', 'data-test': 'needs-realm-admin' },
      h('p', {}, h('strong', {}, 'You need the realm-admin role'), ` in realm ${realm} to administer it.`),
      h('p', {}, 'Ask a realm administrator of this realm to grant it (Members and roles), or sign in with an account that has it.'),
      auditor ? h('p', {}, 'As an auditor you can read and verify ', h('a', { href: `#/realms/${seg(realm)}/audit`, 'data-test': 'auditor-audit-link' }, 'the audit trail'), '.') : null));
    return;
  }
  try {
    replace(body);
    await build(body);
  } catch (e) {
    replace(body, problemView(e));
  }
}

async function renderRealmPicker(container) {
  const body = h('div', { 'data-test': 'admin-realms' }, loading());
  container.appendChild(page('Administration', body));
  let realms;
  try { realms = await loadRealms(); } catch (e) { replace(body, problemView(e)); return; }
  const mine = realms.filter((r) => r.roles === null || r.roles.includes('realm-admin'));
  const audited = realms.filter((r) => r.roles && !r.roles.includes('realm-admin') && r.roles.includes('auditor'));
  const list = mine.length
    ? h('ul', { class: 'realm-picker' }, mine.map((r) => h('li', {},
      h('a', { href: `#/realms/${seg(r.realm)}/admin`, class: 'button', 'data-test': 'admin-realm-link', 'data-realm': r.realm },
        r.displayName && r.displayName !== r.realm ? `${r.displayName} (${r.realm})` : r.realm),
      r.roles === null ? h('span', { class: 'hint' }, ' roles from a realm membership') : null)))
    : notice('You are not a realm administrator in any realm. You need the realm-admin role to administer a realm.', 'warn', 'needs-realm-admin');
  const s = currentSession();
  replace(body,
    h('p', {}, `Signed in as ${s ? s.subject : ''}. Choose a realm to administer its policies, end entities, members and audit trail.`),
    list,
    audited.length ? h('div', {}, h('h2', {}, 'Audit trails you can read'),
      h('ul', {}, audited.map((r) => h('li', {}, h('a', { href: `#/realms/${seg(r.realm)}/audit` }, r.realm))))) : null,
    hasPlatformRole('platform-admin')
      ? h('div', {}, h('h2', {}, 'Platform'),
        h('p', {}, h('a', { href: '#/platform/audit', 'data-test': 'platform-audit-link' }, 'Platform audit trail'),
          ' (failed sign-ins, realms, CA operations, key-encryption-key rotation)'),
        mine.length ? null : h('p', { class: 'hint' }, 'The platform-admin role creates realms and operates CAs; it does not administer what is inside a realm.')) : null);
}
