// Policies of a realm: the list (latest versions), one policy's version history with a
// version's document, and a side-by-side diff of two versions.
import { api } from '../core/api.js';
import { h, replace, formatDate, facts, notice, problemView } from '../core/ui.js';
import { navigate } from '../core/router.js';
import { seg } from './admin-common.js';
import { diffTable, stableStringify, diffLines, diffStats } from './admin-diff.js';

let flash = null;
/** A message shown once on the next policy page (after saving a version). */
export function setFlash(text) { flash = text; }
function takeFlash() { const f = flash; flash = null; return f ? notice(f, 'ok', 'flash') : null; }

const base = (realm) => `#/realms/${seg(realm)}/admin`;

export function approvalText(a) {
  if (!a) return '';
  if (a.mode === 'manual') return `manual, ${a.approvers || 2} approver${a.approvers === 1 ? '' : 's'}, expires after ${a.expiresAfter || '72h'}`;
  if (a.mode === 'email') return `e-mail verification, link valid ${a.linkLifetime || '24h'}`;
  return 'automatic';
}

function keyTemplateText(k) {
  if (!k) return '';
  const parts = [];
  if (k.rsaBits && k.rsaBits.length) parts.push(`RSA ${k.rsaBits.join('/')}`);
  if (k.ecCurves && k.ecCurves.length) parts.push(`EC ${k.ecCurves.join('/')}`);
  if (k.eddsa && k.eddsa.length) parts.push(k.eddsa.join('/'));
  return parts.join(', ') || 'none';
}

export async function renderList(el, realm) {
  const list = await api('GET', `/v1/realms/${seg(realm)}/policies`);
  const policies = (Array.isArray(list) ? list : []).slice().sort((a, b) => a.policy.localeCompare(b.policy));
  el.appendChild(takeFlash() || h('span'));
  el.appendChild(h('div', { class: 'row' },
    h('a', { href: `${base(realm)}/new-policy`, class: 'button primary', 'data-test': 'new-policy' }, 'New policy')));
  if (!policies.length) { el.appendChild(h('p', { 'data-test': 'policies-empty' }, 'This realm has no policies yet.')); return; }
  el.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table-cards', 'data-test': 'policy-table' },
    h('caption', { class: 'visually-hidden' }, 'Policies, latest versions'),
    h('thead', {}, h('tr', {}, ['Policy', 'Latest version', 'CA', 'Keys', 'Validity (days)', 'Approval', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, policies.map((p) => {
      const d = p.document;
      return h('tr', { 'data-test': 'policy-row', 'data-policy': p.policy },
        h('td', { 'data-label': 'Policy' }, h('a', { href: `${base(realm)}/policies/${seg(p.policy)}`, 'data-test': 'policy-link' }, p.policy),
          d.displayName ? h('div', { class: 'hint' }, d.displayName) : null),
        h('td', { 'data-label': 'Latest version' }, `v${p.version}`, h('div', { class: 'hint' }, formatDate(p.createdAt))),
        h('td', { 'data-label': 'CA' }, d.ca),
        h('td', { 'data-label': 'Keys' }, keyTemplateText(d.keyTemplate)),
        h('td', { 'data-label': 'Validity (days)' }, `${d.validity.defaultDays} (max ${d.validity.maxDays})`),
        h('td', { 'data-label': 'Approval' }, approvalText(d.approval)),
        h('td', {}, h('a', { href: `${base(realm)}/policies/${seg(p.policy)}/new-version`, 'data-test': 'policy-new-version' }, 'New version')));
    })))));
}

async function versionsOf(realm, policy) {
  const list = await api('GET', `/v1/realms/${seg(realm)}/policies/${seg(policy)}/versions`);
  return (Array.isArray(list) ? list : []).slice().sort((a, b) => a.version - b.version);
}

/** The version history, the chosen (or latest) version's document, and the compare form. */
export async function renderPolicy(el, realm, policy, version) {
  const versions = await versionsOf(realm, policy);
  if (!versions.length) { el.appendChild(notice(`Policy ${policy} has no versions.`, 'warn')); return; }
  const latest = versions[versions.length - 1];
  const shown = version ? versions.find((v) => v.version === version) : latest;
  const policyBase = `${base(realm)}/policies/${seg(policy)}`;
  el.appendChild(takeFlash() || h('span'));
  el.appendChild(h('p', { class: 'back' }, h('a', { href: `${base(realm)}/policies` }, '\u2190 All policies')));
  el.appendChild(h('div', { class: 'row' },
    h('a', { href: `${policyBase}/new-version`, class: 'button primary', 'data-test': 'create-version' }, `New version (v${latest.version + 1})`)));

  const prevOf = (v) => versions.find((x) => x.version === v.version - 1);
  el.appendChild(h('h2', {}, 'Versions'));
  el.appendChild(h('p', { class: 'hint' }, 'Versions are immutable: a request is judged by the version it was submitted under, so every change is a new version.'));
  el.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table-cards', 'data-test': 'version-table' },
    h('caption', { class: 'visually-hidden' }, `Versions of ${policy}`),
    h('thead', {}, h('tr', {}, ['Version', 'Created', 'Changes from the previous one', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, versions.slice().reverse().map((v) => {
      const prev = prevOf(v);
      const stats = prev ? diffStats(diffLines(stableStringify(prev.document), stableStringify(v.document))) : null;
      return h('tr', { 'data-test': 'version-row', 'data-version': String(v.version), class: shown && v.version === shown.version ? 'selected' : null },
        h('td', { 'data-label': 'Version' }, `v${v.version}`, v === latest ? h('span', { class: 'tag tag-ok' }, 'latest') : null),
        h('td', { 'data-label': 'Created' }, formatDate(v.createdAt)),
        h('td', { 'data-label': 'Changes' }, prev
          ? h('a', { href: `${policyBase}/diff/${prev.version}/${v.version}`, 'data-test': 'diff-previous' }, `\u2212${stats.removed} +${stats.added} lines against v${prev.version}`)
          : 'first version'),
        h('td', {}, h('a', { href: `${policyBase}/versions/${v.version}`, 'data-test': 'view-version', 'aria-label': `View version ${v.version}` }, 'View')));
    })))));

  if (versions.length > 1) el.appendChild(compareForm(realm, policy, versions, prevOf(latest) ? prevOf(latest).version : 1, latest.version));

  if (!shown) { el.appendChild(notice(`Policy ${policy} has no version ${version}.`, 'warn', 'no-such-version')); return; }
  el.appendChild(h('section', { class: 'card', 'data-test': 'version-view', 'data-version': String(shown.version) },
    h('h2', {}, `Version ${shown.version}${shown === latest ? ' (latest)' : ''}`),
    documentFacts(shown),
    h('h3', {}, 'Document'),
    h('pre', { class: 'json', 'data-test': 'version-json', tabindex: '0', 'aria-label': `Policy ${policy} version ${shown.version} as JSON` }, stableStringify(shown.document)),
    h('div', { class: 'row' },
      h('a', { href: `${policyBase}/new-version?from=${shown.version}`, class: 'button', 'data-test': 'new-version-from' }, `New version based on v${shown.version}`),
      downloadLink(shown))));
}

function downloadLink(snapshot) {
  const blob = new Blob([JSON.stringify(snapshot.document, null, 2) + '\n'], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  return h('a', { href: url, download: `${snapshot.policy}-v${snapshot.version}.json`, class: 'button', 'data-test': 'download-version' }, 'Download JSON');
}

function documentFacts(s) {
  const d = s.document;
  const c = d.constraints || {};
  const rules = Object.entries(c.attributes || {}).map(([name, r]) =>
    `${name}: ${[r.presence, r.value !== undefined ? `= ${r.value}` : null, r.pattern ? `/${r.pattern}/` : null].filter(Boolean).join(', ')}`);
  return facts([
    ['Name', d.displayName || null],
    ['CA', d.ca],
    ['Keys', keyTemplateText(d.keyTemplate)],
    ['Validity', `${d.validity.defaultDays} days by default, at most ${d.validity.maxDays}`],
    ['Key usage', (d.profile.keyUsage || []).join(', ')],
    ['Extended key usage', (d.profile.extendedKeyUsage || []).join(', ') || 'none'],
    ['Approval', approvalText(d.approval) + (d.approval.automaticRenewal ? '; unchanged renewals automatic' : '')],
    ['Attribute rules', rules.length ? h('ul', { class: 'plain-list' }, rules.map((r) => h('li', {}, r))) : null],
    ['DNS suffixes', (c.allowedDNSSuffixes || []).join(', ') || null],
    ['E-mail domains', (c.allowedEmailDomains || []).join(', ') || null],
    ['IP ranges', (c.allowedIPRanges || []).join(', ') || null],
    ['SAN count', c.minSANs !== undefined || c.maxSANs !== undefined ? `${c.minSANs ?? 0} to ${c.maxSANs ?? 'any'}` : null],
    ['Key retention', d.keyRetention || null],
    ['Certificate policies', (d.certificatePolicies || []).join(', ') || null],
    ['Public TLS (CA/B Forum BR)', d.publicTLS ? 'yes' : null],
    ['Expiry warnings', (d.expiryWarnings || []).join(', ') || null],
  ], 'version-facts');
}

function compareForm(realm, policy, versions, from, to) {
  const options = (selected) => versions.map((v) => h('option', { value: String(v.version), selected: v.version === selected }, `v${v.version} \u2014 ${formatDate(v.createdAt)}`));
  const left = h('select', { id: 'diff-from', 'data-test': 'diff-from' }, options(from));
  const right = h('select', { id: 'diff-to', 'data-test': 'diff-to' }, options(to));
  return h('form', {
    class: 'compare-form card', 'data-test': 'compare-form',
    on: { submit: (ev) => { ev.preventDefault(); navigate(`${base(realm)}/policies/${seg(policy)}/diff/${left.value}/${right.value}`); } },
  },
  h('h2', {}, 'Compare two versions'),
  h('div', { class: 'row' },
    h('div', { class: 'field' }, h('label', { for: 'diff-from' }, 'Old version'), left),
    h('div', { class: 'field' }, h('label', { for: 'diff-to' }, 'New version'), right),
    h('button', { type: 'submit', class: 'primary', 'data-test': 'compare' }, 'Compare')));
}

export async function renderDiff(el, realm, policy, from, to) {
  const versions = await versionsOf(realm, policy);
  const a = versions.find((v) => v.version === from);
  const b = versions.find((v) => v.version === to);
  const policyBase = `${base(realm)}/policies/${seg(policy)}`;
  el.appendChild(h('p', { class: 'back' }, h('a', { href: policyBase, 'data-test': 'back-to-policy' }, `\u2190 Versions of ${policy}`)));
  if (!a || !b) {
    el.appendChild(problemView({ title: 'No such version', detail: `Policy ${policy} has versions ${versions.map((v) => v.version).join(', ')}.` }));
    return;
  }
  el.appendChild(compareForm(realm, policy, versions, from, to));
  const onlyChanges = h('input', { type: 'checkbox', id: 'diff-only-changes', 'data-test': 'diff-only-changes' });
  const holder = h('div', {});
  const draw = () => replace(holder, diffTable(a.document, b.document, {
    leftLabel: `version ${a.version} (${formatDate(a.createdAt)})`, rightLabel: `version ${b.version} (${formatDate(b.createdAt)})`,
    context: onlyChanges.checked ? 3 : Infinity,
  }));
  onlyChanges.addEventListener('change', draw);
  el.appendChild(h('p', { class: 'check' }, onlyChanges, h('label', { for: 'diff-only-changes' }, 'Show only changed lines (with 3 lines around them)')));
  el.appendChild(h('p', { class: 'hint' }, 'Both documents are shown as JSON with their keys sorted, so only real changes differ. Removed lines are marked \u2212 on the left, added lines + on the right.'));
  el.appendChild(holder);
  draw();
}
