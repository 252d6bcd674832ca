// #/certificates (inventory across the user's realms) and #/realms/:realm/certificates/:serial.
import { h, replace, page, stateBadge, formatDate, formatDay, shortSerial, loading, problemView, notice, field, uid, facts, saveBlob } from '../core/ui.js';
import { currentSession, hasRole } from '../core/session.js';
import { api, ApiError } from '../core/api.js';
import { route, routeGeneration } from '../core/router.js';
import { readableRealms } from '../core/realms.js';
import { table } from './lists.js';
import { revokeForm, renewForm } from './request-actions.js';
import { notFoundPage } from './request.js';

const filters = { realm: '', state: 'valid', q: '' };

function serialLink(c, realm) {
  return h('a', { href: `#/realms/${encodeURIComponent(realm)}/certificates/${encodeURIComponent(c.serialNumber)}`, 'data-test': 'certificate-link', 'data-serial': c.serialNumber, title: c.serialNumber, class: 'mono' }, shortSerial(c.serialNumber));
}

function openDialog(title, content) {
  const close = h('button', { type: 'button', class: 'secondary', 'data-test': 'dialog-close' }, 'Close');
  const dialog = h('dialog', { 'data-test': 'dialog', 'aria-label': title }, h('h2', {}, title), content, h('div', { class: 'row end' }, close));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}

async function renewDialog(realm, c) {
  const holder = h('div', {}, loading('Loading the policy…'));
  openDialog(`Renew ${c.subject}`, holder);
  try {
    const snap = await api('GET', `/v1/realms/${encodeURIComponent(realm)}/policies/${encodeURIComponent(c.policy)}`);
    replace(holder, renewForm(realm, c.serialNumber, snap.document));
  } catch (e) { replace(holder, problemView(e)); }
}

/** Requesters manage their own certificates, realm admins every one of the realm. */
function mayManage(c, realm) {
  const s = currentSession();
  return hasRole(realm, 'realm-admin') || (hasRole(realm, 'requester') && (!c.requester || c.requester === (s && s.subject)));
}

async function renderList(_params, container) {
  const results = h('div', { 'data-test': 'certificates-results', 'aria-live': 'polite' }, loading());
  const realmSelect = h('select', { id: uid('realm'), 'data-test': 'filter-realm' }, h('option', { value: '' }, 'All my realms'));
  const stateSelect = h('select', { id: uid('state'), 'data-test': 'filter-state' },
    [['', 'All'], ['valid', 'Valid'], ['revoked', 'Revoked'], ['expired', 'Expired']].map(([v, t]) => h('option', { value: v, selected: filters.state === v }, t)));
  const search = h('input', { type: 'search', id: uid('q'), value: filters.q, 'data-test': 'filter-q', placeholder: 'name, serial…' });
  const expiring = h('input', { type: 'number', id: uid('exp'), min: '1', 'data-test': 'filter-expiring', placeholder: 'e.g. 30' });
  container.appendChild(page('Certificates',
    h('form', { class: 'filters', role: 'search', 'data-test': 'certificates-filters', on: { submit: (e) => { e.preventDefault(); load(); } } },
      field('Realm', realmSelect), field('State', stateSelect), field('Search', search),
      field('Expiring within (days)', expiring)),
    results));
  const mine = routeGeneration();
  let realms = [];
  try { realms = await readableRealms(); } catch (e) { replace(results, problemView(e)); return; }
  realms.forEach((r) => realmSelect.appendChild(h('option', { value: r.realm, selected: filters.realm === r.realm }, r.realm)));

  async function load() {
    replace(results, loading());
    const chosen = filters.realm ? realms.filter((r) => r.realm === filters.realm) : realms;
    const rows = [];
    const errors = [];
    await Promise.all(chosen.map(async (r) => {
      try {
        const pageData = await api('GET', `/v1/realms/${encodeURIComponent(r.realm)}/certificates`, {
          query: { state: filters.state || undefined, q: filters.q || undefined, expiringWithinDays: expiring.value || undefined, limit: 200 },
        });
        const list = Array.isArray(pageData) ? pageData : (pageData.certificates || []);
        list.forEach((c) => rows.push({ realm: r.realm, c }));
      } catch (error) { errors.push({ realm: r.realm, error }); }
    }));
    if (routeGeneration() !== mine) return;
    rows.sort((a, b) => String(b.c.issuedAt).localeCompare(String(a.c.issuedAt)));
    replace(results,
      errors.length ? notice(`Could not read the certificates of ${errors.map((e) => `${e.realm} (${e.error.title})`).join(', ')}.`, 'warn') : null,
      rows.length ? table([
        { label: 'Subject', cell: ({ c }) => c.subject },
        { label: 'Names', cell: ({ c }) => (c.alternativeNames || []).join(', ') },
        { label: 'Serial', cell: ({ c, realm }) => serialLink(c, realm) },
        { label: 'Realm', cell: ({ realm }) => realm },
        { label: 'Valid until', cell: ({ c }) => formatDay(c.notAfter) },
        { label: 'State', cell: ({ c }) => stateBadge(c.state) },
        { label: 'Request', cell: ({ c, realm }) => h('a', { href: `#/realms/${encodeURIComponent(realm)}/requests/${encodeURIComponent(c.request)}` }, String(c.request).slice(0, 8)) },
        { label: 'Actions', cell: ({ c, realm }) => c.state === 'valid' && mayManage(c, realm) ? h('div', { class: 'row' },
          h('button', { type: 'button', class: 'small secondary', 'data-test': 'renew', on: { click: () => renewDialog(realm, c) } }, 'Renew'),
          h('button', { type: 'button', class: 'small secondary', 'data-test': 'revoke', on: { click: () => openDialog(`Revoke ${c.subject}`, revokeForm({ realm, serial: c.serialNumber }, () => setTimeout(load, 800))) } }, 'Revoke')) : '' },
      ], rows, { testId: 'certificates-table', rowTest: 'certificate-row' })
        : h('p', { 'data-test': 'no-certificates' }, 'No certificate matches the filter.'));
  }
  realmSelect.addEventListener('change', () => { filters.realm = realmSelect.value; load(); });
  stateSelect.addEventListener('change', () => { filters.state = stateSelect.value; load(); });
  let t = null;
  search.addEventListener('input', () => { filters.q = search.value.trim(); clearTimeout(t); t = setTimeout(load, 350); });
  expiring.addEventListener('change', load);
  await load();
}

async function renderDetail({ realm, serial }, container) {
  container.appendChild(loading());
  let d;
  try {
    d = await api('GET', `/v1/realms/${encodeURIComponent(realm)}/certificates/${encodeURIComponent(serial)}`);
  } catch (e) {
    replace(container, e instanceof ApiError && e.status === 404 ? notFoundPage('certificate') : page('Certificate', problemView(e)));
    return;
  }
  const c = d.certificate;
  const actions = h('div', {});
  if (c.state === 'valid' && mayManage(c, realm)) {
    actions.appendChild(h('details', { class: 'card', 'data-test': 'revoke' }, h('summary', {}, h('strong', {}, 'Revoke this certificate')),
      revokeForm({ realm, serial }, () => setTimeout(() => { replace(container); renderDetail({ realm, serial }, container); }, 800))));
    const renewBox = h('details', { class: 'card', 'data-test': 'renew' }, h('summary', {}, h('strong', {}, 'Renew this certificate')));
    renewBox.addEventListener('toggle', async () => {
      if (!renewBox.open || renewBox.dataset.loaded) return;
      renewBox.dataset.loaded = '1';
      try {
        const snap = await api('GET', `/v1/realms/${encodeURIComponent(realm)}/policies/${encodeURIComponent(c.policy)}`);
        renewBox.appendChild(renewForm(realm, c.serialNumber, snap.document));
      } catch (e) { renewBox.appendChild(problemView(e)); }
    });
    actions.appendChild(renewBox);
  }
  const rv = c.revocation;
  replace(container, page(`Certificate ${c.subject}`,
    h('div', { class: 'card' }, facts([
      ['State', stateBadge(c.state), 'certificate-state'],
      ['Subject', c.subject],
      ['Alternative names', (c.alternativeNames || []).join(', ')],
      ['Serial number', h('code', {}, c.serialNumber)],
      ['Issued by (CA)', c.ca],
      ['Valid', `${formatDate(c.notBefore)} – ${formatDate(c.notAfter)}`],
      ['Policy', c.policy ? `${c.policy}${c.policyVersion ? ` v${c.policyVersion}` : ''}` : ''],
      ['End entities', (c.entities || []).join(', ')],
      ['Requested by', c.requester],
      ['Request', h('a', { href: `#/realms/${encodeURIComponent(realm)}/requests/${encodeURIComponent(c.request)}`, 'data-test': 'request-link' }, String(c.request))],
      rv ? ['Revoked', `${formatDate(rv.revokedAt)} by ${rv.revokedBy}: ${rv.reason}${rv.comment ? ` — ${rv.comment}` : ''}`] : null,
    ].filter(Boolean), 'certificate-facts'),
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', 'data-test': 'download-leaf', on: { click: () => saveBlob(new Blob([d.pem], { type: 'application/x-pem-file' }), `${c.serialNumber}.pem`) } }, 'Download certificate (PEM)'))),
    actions,
    h('div', { class: 'card' }, h('h2', {}, 'History'), h('ol', { class: 'timeline' }, (d.history || []).map((e) => h('li', {},
      h('div', {}, h('strong', {}, e.event), ' ', h('span', { class: 'when' }, formatDate(e.at))),
      h('p', { class: 'who' }, `by ${e.by}`), e.detail ? h('p', { class: 'what' }, e.detail) : null)))),
    h('details', { class: 'card' }, h('summary', {}, 'Certificate (PEM)'), h('pre', { class: 'pem', 'data-test': 'certificate-pem' }, d.pem))));
}

export function register() {
  route('/certificates', renderList);
  route('/realms/:realm/certificates/:serial', renderDetail);
}
