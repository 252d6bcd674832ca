// Members and roles of a realm: GET …/members, PUT …/members/{subject} {"roles": […]},
// DELETE …/members/{subject}. Granted roles add to the roles a member's token carries.
import { api } from '../core/api.js';
import { h, replace, field, formatDate, problemView, notice, uid } from '../core/ui.js';
import { currentSession } from '../core/session.js';
import { clearRealmCache } from '../core/realms.js';
import { seg } from './admin-common.js';

const ROLES = [
  ['realm-admin', 'realm admin', 'policies, end entities, members'],
  ['requester', 'requester', 'submits requests, downloads own keys'],
  ['approver', 'approver', 'decides four-eyes requests'],
  ['auditor', 'auditor', 'reads requests and audit trails'],
];

function roleBoxes(selected, prefix) {
  return ROLES.map(([role, label, what]) => {
    const id = uid('role');
    const box = h('input', { type: 'checkbox', id, value: role, checked: selected.includes(role), 'data-test': `${prefix}-${role}` });
    return { role, box, el: h('span', { class: 'check inline', title: what }, box, h('label', { for: id }, label)) };
  });
}

export async function renderMembers(el, realm) {
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'members-status' });
  const listHolder = h('div', {});
  el.appendChild(h('p', {}, 'Roles granted here are added to the roles a member\u2019s sign-in (token) already carries in this realm; removing a grant does not take away token roles.'));
  el.appendChild(status);
  el.appendChild(listHolder);
  el.appendChild(addForm(realm, status, () => load()));

  const load = async () => {
    let list;
    try { list = await api('GET', `/v1/realms/${seg(realm)}/members`); } catch (e) { replace(listHolder, problemView(e)); return; }
    const members = (Array.isArray(list) ? list : []).filter((m) => m.roles && m.roles.length)
      .sort((a, b) => a.subject.localeCompare(b.subject));
    if (!members.length) { replace(listHolder, h('p', { 'data-test': 'members-empty' }, 'No roles have been granted in this realm yet.')); return; }
    replace(listHolder, h('div', { class: 'table-wrap' }, h('table', { class: 'table-cards members-table', 'data-test': 'members-table' },
      h('caption', { class: 'visually-hidden' }, `Members of ${realm}`),
      h('thead', {}, h('tr', {}, ['Member', 'Granted roles', 'Changed', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, members.map((m) => memberRow(realm, m, status, load))))));
  };
  await load();
}

function memberRow(realm, m, status, reload) {
  const boxes = roleBoxes(m.roles, 'member-role');
  const me = currentSession() && currentSession().subject === m.subject;
  const save = h('button', { type: 'button', class: 'small', 'data-test': 'member-save', on: { click: async () => {
    const roles = boxes.filter((b) => b.box.checked).map((b) => b.role);
    if (!roles.length) { replace(status, notice(`Choose at least one role for ${m.subject}, or remove the member.`, 'warn', 'member-no-roles')); return; }
    save.disabled = true;
    try {
      await api('PUT', `/v1/realms/${seg(realm)}/members/${seg(m.subject)}`, { body: { roles } });
      clearRealmCache();
      replace(status, notice(`Saved the roles of ${m.subject}: ${roles.join(', ')}.`, 'ok', 'member-saved'));
      await reload();
    } catch (e) { save.disabled = false; replace(status, problemView(e, { testId: 'member-problem' })); }
  } } }, 'Save roles');
  const remove = h('button', { type: 'button', class: 'small danger', 'data-test': 'member-remove' }, 'Remove');
  const cancel = h('button', { type: 'button', class: 'small', hidden: true, 'data-test': 'member-remove-cancel' }, 'Cancel');
  let armed = false;
  remove.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      remove.textContent = `Really remove ${m.subject}?`;
      cancel.hidden = false;
      remove.focus();
      return;
    }
    remove.disabled = true;
    try {
      await api('DELETE', `/v1/realms/${seg(realm)}/members/${seg(m.subject)}`);
      clearRealmCache();
      replace(status, notice(`Removed the granted roles of ${m.subject}.`, 'ok', 'member-removed'));
      await reload();
    } catch (e) { remove.disabled = false; replace(status, problemView(e, { testId: 'member-problem' })); }
  });
  cancel.addEventListener('click', () => { armed = false; remove.textContent = 'Remove'; cancel.hidden = true; remove.focus(); });
  return h('tr', { 'data-test': 'member-row', 'data-subject': m.subject },
    h('td', { 'data-label': 'Member' }, h('span', { class: 'mono' }, m.subject), me ? h('span', { class: 'tag' }, 'you') : null),
    h('td', { 'data-label': 'Granted roles' }, h('fieldset', { class: 'inline-roles' }, h('legend', { class: 'visually-hidden' }, `Roles of ${m.subject}`), boxes.map((b) => b.el))),
    h('td', { 'data-label': 'Changed' }, formatDate(m.updatedAt)),
    h('td', { class: 'member-actions' }, save, ' ', remove, ' ', cancel));
}

function addForm(realm, status, reload) {
  const subject = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', 'data-test': 'new-member-subject' });
  const subjectField = field('Subject (the sign-in\u2019s sub, e.g. an e-mail address)', subject);
  const boxes = roleBoxes([], 'new-member-role');
  const rolesErr = h('p', { class: 'field-error', hidden: true, 'data-test': 'new-member-roles-error' });
  const add = h('button', { type: 'submit', class: 'primary', 'data-test': 'add-member' }, 'Grant roles');
  return h('form', { class: 'card add-member', novalidate: true, 'data-test': 'add-member-form', on: { submit: async (ev) => {
    ev.preventDefault();
    subjectField.setError(null);
    rolesErr.hidden = true;
    const sub = subject.value.trim();
    const roles = boxes.filter((b) => b.box.checked).map((b) => b.role);
    if (!sub) { subjectField.setError('Name the subject to grant roles to.'); subject.focus(); return; }
    if (!roles.length) { replace(rolesErr, 'Choose at least one role.'); rolesErr.hidden = false; boxes[0].box.focus(); return; }
    add.disabled = true;
    try {
      await api('PUT', `/v1/realms/${seg(realm)}/members/${seg(sub)}`, { body: { roles } });
      clearRealmCache();
      replace(status, notice(`Granted ${roles.join(', ')} to ${sub}.`, 'ok', 'member-saved'));
      subject.value = '';
      boxes.forEach((b) => { b.box.checked = false; });
      await reload();
    } catch (e) {
      if (e.detail && /^subject:/.test(e.detail)) subjectField.setError(e.detail.replace(/^subject:\s*/, ''));
      else if (e.detail && /^roles:/.test(e.detail)) { replace(rolesErr, e.detail.replace(/^roles:\s*/, '')); rolesErr.hidden = false; }
      else replace(status, problemView(e, { testId: 'member-problem' }));
    } finally { add.disabled = false; }
  } } },
  h('h2', {}, 'Grant roles to someone'),
  subjectField,
  h('fieldset', {}, h('legend', {}, 'Roles'), boxes.map((b) => b.el), rolesErr),
  add);
}
