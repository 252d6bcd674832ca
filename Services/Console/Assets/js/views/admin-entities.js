// End entities of a realm: list, one entity, and the create/edit form
// (POST …/end-entities, PUT …/end-entities/{id}). JSON: Shared/Contracts/EndEntity.swift.
import { api } from '../core/api.js';
import { h, replace, field, facts, problemView, notice } from '../core/ui.js';
import { navigate } from '../core/router.js';
import { seg, listFromText, placeViolations, violationsOf } from './admin-common.js';

let flash = null;
const takeFlash = () => { const f = flash; flash = null; return f ? notice(f, 'ok', 'flash') : h('span'); };
const base = (realm) => `#/realms/${seg(realm)}/admin`;

const SINGLE = [
  ['commonName', 'Common name (CN)'], ['email', 'E-mail address'], ['organization', 'Organization (O)'],
  ['organizationalUnit', 'Organizational unit (OU)'], ['country', 'Country (C, two letters)'],
  ['locality', 'Locality (L)'], ['state', 'State or province (ST)'],
];
const MULTI = [['dnsNames', 'DNS names'], ['ipAddresses', 'IP addresses'], ['uris', 'URIs']];
const KINDS = [['service', 'Service'], ['device', 'Device'], ['person', 'Person']];

export async function renderList(el, realm) {
  const list = await api('GET', `/v1/realms/${seg(realm)}/end-entities`);
  const entities = (Array.isArray(list) ? list : []).slice().sort((a, b) => a.entity.id.localeCompare(b.entity.id));
  el.appendChild(takeFlash());
  el.appendChild(h('div', { class: 'row' }, h('a', { href: `${base(realm)}/new-entity`, class: 'button primary', 'data-test': 'new-entity' }, 'New end entity')));
  if (!entities.length) { el.appendChild(h('p', { 'data-test': 'entities-empty' }, 'This realm has no end entities yet.')); return; }
  el.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table-cards', 'data-test': 'entity-table' },
    h('caption', { class: 'visually-hidden' }, 'End entities'),
    h('thead', {}, h('tr', {}, ['Entity', 'Kind', 'Common name', 'E-mail', 'Names', 'Revision', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, entities.map((s) => {
      const e = s.entity;
      const at = e.attributes || {};
      const names = [...(at.dnsNames || []), ...(at.ipAddresses || []), ...(at.uris || [])];
      return h('tr', { 'data-test': 'entity-row', 'data-entity': e.id },
        h('td', { 'data-label': 'Entity' }, h('a', { href: `${base(realm)}/entities/${seg(e.id)}`, 'data-test': 'entity-link' }, e.id)),
        h('td', { 'data-label': 'Kind' }, e.kind),
        h('td', { 'data-label': 'Common name' }, at.commonName || '\u2014'),
        h('td', { 'data-label': 'E-mail' }, at.email || '\u2014'),
        h('td', { 'data-label': 'Names' }, names.length ? names.join(', ') : '\u2014'),
        h('td', { 'data-label': 'Revision' }, String(s.revision)),
        h('td', {}, h('a', { href: `${base(realm)}/entities/${seg(e.id)}/edit`, 'data-test': 'entity-edit', 'aria-label': `Edit ${e.id}` }, 'Edit')));
    })))));
}

export async function renderEntity(el, realm, id) {
  const s = await api('GET', `/v1/realms/${seg(realm)}/end-entities/${seg(id)}`);
  const e = s.entity;
  const at = e.attributes || {};
  el.appendChild(takeFlash());
  el.appendChild(h('p', { class: 'back' }, h('a', { href: `${base(realm)}/entities` }, '\u2190 All end entities')));
  el.appendChild(h('section', { class: 'card', 'data-test': 'entity-view' },
    facts([
      ['Identifier', e.id], ['Kind', e.kind], ['Revision', String(s.revision)],
      ...SINGLE.map(([k, l]) => [l, at[k] || null, `entity-${k}`]),
      ...MULTI.map(([k, l]) => [l, (at[k] || []).length ? h('ul', { class: 'plain-list' }, at[k].map((v) => h('li', {}, v))) : null]),
    ], 'entity-facts'),
    h('p', { class: 'hint' }, 'A certificate\u2019s subject and names come only from these attributes, mapped through the policy; a CSR\u2019s own subject is ignored.'),
    h('div', { class: 'row' },
      h('a', { href: `${base(realm)}/entities/${seg(e.id)}/edit`, class: 'button primary', 'data-test': 'edit-entity' }, 'Edit attributes'))));
}

export async function renderForm(el, realm, id) {
  const existing = id ? await api('GET', `/v1/realms/${seg(realm)}/end-entities/${seg(id)}`) : null;
  const e = existing ? existing.entity : { id: '', kind: 'service', attributes: {} };
  const at = e.attributes || {};
  const fields = {};
  const put = (key, w) => { fields[key] = w; return w; };
  el.appendChild(h('p', { class: 'back' }, h('a', { href: id ? `${base(realm)}/entities/${seg(id)}` : `${base(realm)}/entities` }, '\u2190 Back')));
  const idInput = h('input', { type: 'text', value: e.id, readonly: !!id, autocomplete: 'off', spellcheck: 'false', 'data-test': 'entity-id' });
  const kind = h('select', { 'data-test': 'entity-kind' }, KINDS.map(([v, l]) => h('option', { value: v, selected: e.kind === v }, l)));
  const singles = SINGLE.map(([k, l]) => {
    const input = h('input', { type: k === 'email' ? 'email' : 'text', value: at[k] || '', 'data-test': `entity-${k}`, spellcheck: 'false' });
    return { k, input, wrapper: put(`attributes.${k}`, field(l, input)) };
  });
  const multis = MULTI.map(([k, l]) => {
    const input = h('textarea', { rows: '3', 'data-test': `entity-${k}`, spellcheck: 'false' }, (at[k] || []).join('\n'));
    return { k, input, wrapper: put(`attributes.${k}`, field(l, input, { hint: 'One per line' })) };
  });
  const attrsErr = h('p', { class: 'field-error', hidden: true, 'data-test': 'entity-attributes-error' });
  const attrSet = h('fieldset', {}, h('legend', {}, 'Attributes'), attrsErr,
    h('div', { class: 'grid-2' }, singles.map((s) => s.wrapper)), h('div', { class: 'grid-3' }, multis.map((m) => m.wrapper)));
  attrSet.setError = (t) => { replace(attrsErr, t || ''); attrsErr.hidden = !t; };
  put('attributes', attrSet);
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'entity-form-status' });
  const save = h('button', { type: 'submit', class: 'primary', 'data-test': 'save-entity' }, id ? 'Save' : 'Create end entity');
  const form = h('form', { novalidate: true, class: 'entity-form', 'data-test': 'entity-form', on: { submit: async (ev) => {
    ev.preventDefault();
    Object.values(fields).forEach((f) => f.setError(null));
    replace(status);
    const attributes = {};
    singles.forEach((s) => { if (s.input.value.trim()) attributes[s.k] = s.input.value.trim(); });
    multis.forEach((m) => { const l = listFromText(m.input.value); if (l.length) attributes[m.k] = l; });
    const body = { id: idInput.value.trim(), kind: kind.value, attributes };
    save.disabled = true;
    try {
      const saved = id
        ? await api('PUT', `/v1/realms/${seg(realm)}/end-entities/${seg(id)}`, { body })
        : await api('POST', `/v1/realms/${seg(realm)}/end-entities`, { body });
      flash = id ? `Saved ${saved.entity.id} (revision ${saved.revision}).` : `Created end entity ${saved.entity.id}.`;
      navigate(`${base(realm)}/entities/${seg(saved.entity.id)}`);
    } catch (err) {
      save.disabled = false;
      const entries = violationsOf(err);
      const rest = placeViolations(entries, fields);
      replace(status, problemView({ title: 'The end entity was not saved', detail: entries.length && !rest.length ? 'See the fields below.' : err.detail, violations: rest }, { testId: 'entity-problem' }));
      const bad = el.querySelector('[aria-invalid="true"]');
      if (bad) bad.focus();
    }
  } } },
  h('fieldset', {}, h('legend', {}, 'End entity'),
    put('id', field('Identifier', idInput, { hint: id ? 'The identifier cannot change.' : 'Lower-case letters, digits and hyphens.' })),
    put('kind', field('Kind', kind))),
  attrSet,
  status,
  h('div', { class: 'row' }, save));
  el.appendChild(form);
}
