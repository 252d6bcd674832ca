// Audit trails of a realm: every service's hash chain read page by page and verified in the
// browser exactly as `clm audit verify` does (admin-chain.js). #/realms/:realm/audit for
// auditors and realm admins; the administration's "Audit trail" tab shows the same.
import { api } from '../core/api.js';
import { h, replace, page, problemView, formatDate, loading, notice } from '../core/ui.js';
import { route } from '../core/router.js';
import { hasRole, hasPlatformRole } from '../core/session.js';
import { ensureAdminStyles, seg } from './admin-common.js';
import { AUDIT_SERVICES, PAGE_LIMIT, allRecords, canVerify, firstBreak } from './admin-chain.js';

export function register() {
  ensureAdminStyles();
  route('/realms/:realm/audit', async (params, container) => {
    const body = h('div', {});
    container.appendChild(page(`Audit trail \u00b7 ${params.realm}`, body));
    if (hasRole(params.realm, 'realm-admin')) {
      body.appendChild(h('p', {}, h('a', { href: `#/realms/${seg(params.realm)}/admin` }, 'Administration of this realm')));
    }
    await renderAudit(body, params.realm);
  });
  // The platform's own trail: failed sign-ins, realms, CA operations, KEK rotation.
  route('/platform/audit', async (params, container) => {
    const body = h('div', {});
    container.appendChild(page('Platform audit trail', body));
    if (!hasPlatformRole('platform-admin')) {
      body.appendChild(notice('You need the platform-admin role to read the platform audit trail.', 'warn', 'needs-platform-admin'));
      return;
    }
    await renderAudit(body, null);
  });
}

const SERVICE_LABELS = {
  registry: 'Registry (policies, end entities, members)',
  intake: 'Intake (submissions)',
  approval: 'Approval (votes, e-mail confirmations)',
  keygen: 'Key generation (keys, downloads, destruction)',
  'ca-gateway': 'CA gateway (issuance, revocation)',
};

const SHOWN = 200;

/** The realm's five trails (the platform's when realm is null) with their verification, into `el`. */
export async function renderAudit(el, realm) {
  const trailPath = (service) => (realm ? `/v1/realms/${seg(realm)}/audit/${seg(service)}` : `/v1/audit/${seg(service)}`);
  const verifiable = canVerify();
  const summary = h('ul', { class: 'chain-summary', 'data-test': 'chain-summary' });
  const details = h('div', { class: 'chain-details' });
  const filter = h('input', { type: 'search', id: 'audit-filter', 'data-test': 'audit-filter', placeholder: 'actor, action, target or details' });
  el.appendChild(h('div', { class: 'audit', 'data-test': 'audit' },
    h('p', {}, `Every service keeps its own tamper-evident trail ${realm ? 'for this realm' : 'of platform actions (failed sign-ins, realms, CA operations, key-encryption-key rotation)'}.`, ' Each record\u2019s SHA-256 hash covers the one before it, so a record that was changed, inserted or removed breaks the chain there. This page reads every record and recomputes each chain in your browser, like ',
      h('code', {}, 'clm audit verify'), '.'),
    verifiable ? null : notice('Verification needs a secure context: this browser offers no Web Crypto (crypto.subtle) here. Open the console over HTTPS or on localhost to verify the chains; the records are still listed below.', 'warn', 'verify-unavailable'),
    h('div', { class: 'row' },
      h('button', { type: 'button', 'data-test': 'audit-reverify', on: { click: () => run() } }, verifiable ? 'Read and verify again' : 'Read again')),
    summary,
    h('div', { class: 'field audit-filter' }, h('label', { for: 'audit-filter' }, 'Filter the records shown'), filter),
    details));

  let trails = [];
  const renderDetails = () => {
    const q = filter.value.trim().toLowerCase();
    replace(details, trails.map((t) => trailDetails(t, q)));
  };
  filter.addEventListener('input', renderDetails);

  const run = async () => {
    replace(summary, AUDIT_SERVICES.map((s) => h('li', { class: 'chain-status pending', 'data-test': 'chain-status', 'data-service': s },
      h('span', { class: 'chain-service' }, s), ' ', loading(verifiable ? 'reading and verifying\u2026' : 'reading\u2026'))));
    replace(details);
    trails = await Promise.all(AUDIT_SERVICES.map(async (service) => {
      try {
        const records = await allRecords((after) => api('GET', trailPath(service), { query: { after, limit: PAGE_LIMIT } }));
        const broken = verifiable ? await firstBreak(records, service) : null;
        return { service, records, broken, verified: verifiable };
      } catch (error) { return { service, error, records: [] }; }
    }));
    replace(summary, trails.map(statusLine));
    renderDetails();
  };
  await run();
}

function statusLine(t) {
  const label = h('span', { class: 'chain-service' }, t.service);
  if (t.error) {
    return h('li', { class: 'chain-status error', 'data-test': 'chain-status', 'data-service': t.service, 'data-intact': 'unknown' },
      label, ' ', problemView(t.error));
  }
  const n = t.records.length;
  const count = `${n} record${n === 1 ? '' : 's'}`;
  if (!t.verified) {
    return h('li', { class: 'chain-status unverified', 'data-test': 'chain-status', 'data-service': t.service, 'data-intact': 'unknown' },
      label, ' ', h('span', { 'data-test': 'chain-result' }, `${count}, not verified (needs HTTPS or localhost)`));
  }
  if (t.broken) {
    return h('li', { class: 'chain-status broken', role: 'alert', 'data-test': 'chain-status', 'data-service': t.service, 'data-intact': 'false' },
      h('span', { class: 'chain-mark', 'aria-hidden': 'true' }, '\u2717'), ' ', label, ' ',
      h('strong', { 'data-test': 'chain-result' }, `chain BROKEN at record ${t.broken.sequence}: ${t.broken.reason}`),
      ` (${count} read)`);
  }
  const head = n ? t.records[n - 1].hash : '';
  return h('li', { class: 'chain-status intact', 'data-test': 'chain-status', 'data-service': t.service, 'data-intact': 'true' },
    h('span', { class: 'chain-mark', 'aria-hidden': 'true' }, '\u2713'), ' ', label, ' ',
    h('span', { 'data-test': 'chain-result' }, n ? `chain intact: ${count}` : 'no records yet (an empty chain is intact)'),
    head ? h('span', { class: 'hint chain-head', title: head }, ` head ${head.slice(0, 16)}\u2026`) : null);
}

function matches(record, q) {
  if (!q) return true;
  return [record.actor, record.action, record.target, record.details].some((v) => String(v || '').toLowerCase().includes(q));
}

function trailDetails(t, q) {
  if (t.error) return null;
  const all = t.records.slice().reverse();
  const filtered = all.filter((r) => matches(r, q));
  const brokenAt = t.broken ? t.broken.sequence : null;
  const body = h('tbody', {});
  let limit = SHOWN;
  const fill = () => {
    replace(body, filtered.slice(0, limit).map((r) => recordRow(r, brokenAt)));
    more.hidden = filtered.length <= limit;
    more.textContent = `Show ${Math.min(SHOWN, filtered.length - limit)} more`;
  };
  const more = h('button', { type: 'button', class: 'small', 'data-test': 'audit-more', on: { click: () => { limit += SHOWN; fill(); } } }, 'Show more');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'audit-table table-cards' },
    h('caption', { class: 'visually-hidden' }, `${t.service} audit records, newest first`),
    h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'Action', 'Target', 'Details'].map((c) => h('th', { scope: 'col' }, c)))),
    body));
  fill();
  return h('details', { class: 'audit-trail', 'data-test': 'audit-trail', 'data-service': t.service, open: !!t.broken },
    h('summary', {}, SERVICE_LABELS[t.service] || t.service, ' \u2014 ',
      q ? `${filtered.length} of ${all.length} records match` : `${all.length} record${all.length === 1 ? '' : 's'}`),
    filtered.length ? [table, more] : h('p', { class: 'muted' }, q ? 'No record matches the filter.' : 'No records.'));
}

function recordRow(r, brokenAt) {
  const bad = brokenAt !== null && r.sequence === brokenAt;
  return h('tr', { class: bad ? 'audit-broken' : null, 'data-test': 'audit-record', 'data-sequence': String(r.sequence) },
    h('td', { 'data-label': '#' }, String(r.sequence), bad ? h('strong', { class: 'tag tag-bad' }, ' first bad record') : null),
    h('td', { 'data-label': 'When' }, h('time', { datetime: r.at, title: r.at }, formatDate(r.at))),
    h('td', { 'data-label': 'Who', class: 'audit-actor' }, r.actor),
    h('td', { 'data-label': 'Action' }, h('code', {}, r.action)),
    h('td', { 'data-label': 'Target', class: 'audit-target' }, r.target),
    h('td', { 'data-label': 'Details', class: 'audit-details-cell' }, r.details || '\u2014'));
}
