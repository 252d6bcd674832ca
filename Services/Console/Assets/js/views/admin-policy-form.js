// A new policy (POST …/policies) or a new version of one (PUT …/policies/{id}), from a form of
// the common fields or from JSON pasted or uploaded. The server judges the document; each
// violation ("validity.maxDays: must be 1...3650", "/approval/mode: …") is shown at its field.
import { api } from '../core/api.js';
import { h, replace, field, problemView, notice, uid } from '../core/ui.js';
import { navigate, currentQuery } from '../core/router.js';
import { seg, listFromText, placeViolations, violationsOf } from './admin-common.js';
import { diffTable, stableStringify } from './admin-diff.js';
import { setFlash } from './admin-policies.js';

const RSA = [2048, 3072, 4096];
const EC = ['P-256', 'P-384', 'P-521'];
const EDDSA = ['Ed25519', 'Ed448'];
const KU = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement'];
const EKU = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping'];
const ATTRS = ['commonName', 'email', 'organization', 'organizationalUnit', 'country', 'locality', 'state', 'dnsNames', 'ipAddresses', 'uris'];
const MULTI = new Set(['dnsNames', 'ipAddresses', 'uris']);

const NEW_POLICY = {
  id: '', ca: 'default',
  keyTemplate: { rsaBits: [2048, 3072], ecCurves: ['P-256', 'P-384'], eddsa: [] },
  validity: { defaultDays: 90, maxDays: 397 },
  profile: { keyUsage: ['digitalSignature'], extendedKeyUsage: ['serverAuth'] },
  approval: { mode: 'automatic' },
};

/** A fieldset of checkboxes with one error area; .values() gives the checked values. */
function checkGroup(legend, options, selected, testId, convert = (x) => x) {
  const err = h('p', { class: 'field-error', 'aria-live': 'polite', 'data-test': `${testId}-error`, hidden: true });
  const boxes = options.map((o) => {
    const id = uid('chk');
    const box = h('input', { type: 'checkbox', id, value: String(o), checked: selected.map(String).includes(String(o)), 'data-test': `${testId}-${o}` });
    return { box, el: h('span', { class: 'check inline' }, box, h('label', { for: id }, String(o))) };
  });
  const set = h('fieldset', { class: 'check-group', 'data-test': testId }, h('legend', {}, legend), h('div', { class: 'check-row' }, boxes.map((b) => b.el)), err);
  set.values = () => boxes.filter((b) => b.box.checked).map((b) => convert(b.box.value));
  set.setError = (text) => { replace(err, text || ''); err.hidden = !text; set.classList.toggle('invalid', !!text); };
  return set;
}

/** Gives a container (fieldset, paragraph) an error area and setError. */
function withError(el, testId) {
  const err = h('p', { class: 'field-error', hidden: true, 'data-test': `${testId}-error` });
  el.appendChild(err);
  el.setError = (t) => { replace(err, t || ''); err.hidden = !t; };
  return el;
}

function text(value, testId, attrs = {}) { return h('input', { type: 'text', value: value ?? '', 'data-test': testId, ...attrs }); }
function num(value, testId) { return h('input', { type: 'text', inputmode: 'numeric', value: value ?? '', 'data-test': testId, class: 'short' }); }
function area(lines, testId) { return h('textarea', { rows: '3', 'data-test': testId }, (lines || []).join('\n')); }

/** Integer from a text field, or undefined when empty; NaN marks garbage. */
function intOf(input) {
  const t = input.value.trim();
  if (!t) return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : NaN;
}

export async function renderForm(el, realm, policyId) {
  const [versions, casView] = await Promise.all([
    policyId ? api('GET', `/v1/realms/${seg(realm)}/policies/${seg(policyId)}/versions`) : Promise.resolve([]),
    api('GET', `/v1/realms/${seg(realm)}/cas`).catch(() => null),
  ]);
  const sorted = (versions || []).slice().sort((a, b) => a.version - b.version);
  const wanted = Number(currentQuery().get('from')) || null;
  const baseSnap = policyId ? (sorted.find((v) => v.version === wanted) || sorted[sorted.length - 1]) : null;
  const latest = sorted.length ? sorted[sorted.length - 1].version : 0;
  const doc = JSON.parse(JSON.stringify(baseSnap ? baseSnap.document : NEW_POLICY));
  const cas = (casView && casView.cas) || [];
  const policiesURL = `#/realms/${seg(realm)}/admin/policies`;

  el.appendChild(h('p', { class: 'back' }, h('a', { href: policyId ? `${policiesURL}/${seg(policyId)}` : policiesURL }, policyId ? `\u2190 Versions of ${policyId}` : '\u2190 All policies')));
  if (baseSnap) {
    el.appendChild(h('p', { 'data-test': 'form-base' }, `Starting from version ${baseSnap.version}`, baseSnap.version !== latest ? ` (the latest is ${latest})` : '',
      `. Saving creates version ${latest + 1}; requests already submitted keep the version they were judged by.`));
  }
  const fields = {};
  const put = (key, wrapper) => { fields[key] = wrapper; return wrapper; };

  const id = text(doc.id, 'policy-id', policyId ? { readonly: true } : { autocomplete: 'off', spellcheck: 'false' });
  const displayName = text(doc.displayName, 'policy-display-name');
  const caOptions = [...new Set([...cas, doc.ca].filter(Boolean))];
  const ca = caOptions.length
    ? h('select', { 'data-test': 'policy-ca' }, caOptions.map((c) => h('option', { value: c, selected: c === doc.ca }, c)))
    : text(doc.ca, 'policy-ca');
  const rsa = checkGroup('RSA key sizes (bits)', RSA, doc.keyTemplate.rsaBits || [], 'policy-rsa', Number);
  const ec = checkGroup('EC curves', EC, doc.keyTemplate.ecCurves || [], 'policy-ec');
  const ed = checkGroup('EdDSA', EDDSA, doc.keyTemplate.eddsa || [], 'policy-eddsa');
  const keyErr = h('p', { class: 'field-error', hidden: true, 'data-test': 'policy-keys-error' });
  const keySet = h('fieldset', { 'data-test': 'policy-keys' }, h('legend', {}, 'Key template: allowed keys'), rsa, ec, ed, keyErr);
  keySet.setError = (t) => { replace(keyErr, t || ''); keyErr.hidden = !t; };
  put('keyTemplate', keySet); put('keyTemplate.rsaBits', rsa); put('keyTemplate.ecCurves', ec); put('keyTemplate.eddsa', ed);

  const defDays = num(doc.validity.defaultDays, 'policy-default-days');
  const maxDays = num(doc.validity.maxDays, 'policy-max-days');
  const ku = checkGroup('Key usage', KU, doc.profile.keyUsage || [], 'policy-ku');
  const eku = checkGroup('Extended key usage', EKU, doc.profile.extendedKeyUsage || [], 'policy-eku');
  put('profile.keyUsage', ku); put('profile.extendedKeyUsage', eku);

  const a = doc.approval || { mode: 'automatic' };
  const mode = h('select', { 'data-test': 'policy-approval-mode' },
    [['automatic', 'Automatic'], ['email', 'E-mail verification by the end entities'], ['manual', 'Manual: approvers decide']]
      .map(([v, l]) => h('option', { value: v, selected: a.mode === v }, l)));
  const approvers = num(a.approvers ?? (a.mode === 'manual' ? '' : 2), 'policy-approvers');
  const expiresAfter = text(a.expiresAfter, 'policy-expires-after', { placeholder: '72h' });
  const linkLifetime = text(a.linkLifetime, 'policy-link-lifetime', { placeholder: '24h' });
  const autoRenewal = h('input', { type: 'checkbox', id: uid('chk'), checked: !!a.automaticRenewal, 'data-test': 'policy-auto-renewal' });
  const manualOnly = h('div', { class: 'row wrap-fields' },
    put('approval.approvers', field('Approvers needed (distinct, never the requester)', approvers)),
    put('approval.expiresAfter', field('Request expires after', expiresAfter, { hint: 'e.g. 72h, 3d (default 72h)' })));
  const emailOnly = put('approval.linkLifetime', field('Link lifetime', linkLifetime, { hint: 'e.g. 24h (default 24h)' }));
  const syncMode = () => { manualOnly.hidden = mode.value !== 'manual'; emailOnly.hidden = mode.value !== 'email'; };
  mode.addEventListener('change', syncMode);

  const c = doc.constraints || {};
  const dns = area(c.allowedDNSSuffixes, 'policy-dns-suffixes');
  const mails = area(c.allowedEmailDomains, 'policy-email-domains');
  const ips = area(c.allowedIPRanges, 'policy-ip-ranges');
  const minSANs = num(c.minSANs, 'policy-min-sans');
  const maxSANs = num(c.maxSANs, 'policy-max-sans');
  const ruleRows = ATTRS.map((name) => attributeRuleRow(name, (c.attributes || {})[name] || {}));
  ruleRows.forEach((r) => put(`constraints.attributes.${r.name}`, r));
  const retention = text(doc.keyRetention, 'policy-key-retention', { placeholder: '7d' });
  const warnings = text((doc.expiryWarnings || []).join(', '), 'policy-expiry-warnings', { placeholder: '30d, 7d, 1d' });
  const oids = text((doc.certificatePolicies || []).join(', '), 'policy-certificate-policies', { placeholder: '2.23.140.1.2.1' });
  const publicTLS = h('input', { type: 'checkbox', id: uid('chk'), checked: !!doc.publicTLS, 'data-test': 'policy-public-tls' });

  /** The document the form describes: the base with the form's fields put in. */
  const build = () => {
    const out = JSON.parse(JSON.stringify(doc));
    out.id = id.value.trim();
    if (displayName.value.trim()) out.displayName = displayName.value.trim(); else delete out.displayName;
    out.ca = ca.value.trim();
    out.keyTemplate = { rsaBits: rsa.values(), ecCurves: ec.values(), eddsa: ed.values() };
    out.validity = { defaultDays: intOf(defDays), maxDays: intOf(maxDays) };
    out.profile = { keyUsage: ku.values(), extendedKeyUsage: eku.values() };
    const ap = { mode: mode.value };
    if (mode.value === 'manual') {
      if (intOf(approvers) !== undefined) ap.approvers = intOf(approvers);
      if (expiresAfter.value.trim()) ap.expiresAfter = expiresAfter.value.trim();
    }
    if (mode.value === 'email' && linkLifetime.value.trim()) ap.linkLifetime = linkLifetime.value.trim();
    if (autoRenewal.checked) ap.automaticRenewal = true;
    out.approval = ap;
    const cons = {};
    const rules = {};
    ruleRows.forEach((r) => { const rule = r.rule(); if (rule) rules[r.name] = rule; });
    if (Object.keys(rules).length) cons.attributes = rules;
    if (listFromText(dns.value).length) cons.allowedDNSSuffixes = listFromText(dns.value);
    if (listFromText(mails.value).length) cons.allowedEmailDomains = listFromText(mails.value);
    if (listFromText(ips.value).length) cons.allowedIPRanges = listFromText(ips.value);
    if (intOf(minSANs) !== undefined) cons.minSANs = intOf(minSANs);
    if (intOf(maxSANs) !== undefined) cons.maxSANs = intOf(maxSANs);
    if (Object.keys(cons).length) out.constraints = cons; else delete out.constraints;
    if (retention.value.trim()) out.keyRetention = retention.value.trim(); else delete out.keyRetention;
    if (listFromText(warnings.value).length) out.expiryWarnings = listFromText(warnings.value); else delete out.expiryWarnings;
    if (listFromText(oids.value).length) out.certificatePolicies = listFromText(oids.value); else delete out.certificatePolicies;
    if (publicTLS.checked) out.publicTLS = true; else delete out.publicTLS;
    return out;
  };

  const numberFields = [['validity.defaultDays', defDays], ['validity.maxDays', maxDays], ['approval.approvers', approvers],
    ['constraints.minSANs', minSANs], ['constraints.maxSANs', maxSANs]];
  const status = h('div', { 'data-test': 'policy-form-status', 'aria-live': 'polite' });
  const review = h('div', { 'data-test': 'policy-review' });
  const save = h('button', { type: 'submit', class: 'primary', 'data-test': 'save-policy' }, policyId ? `Save as version ${latest + 1}` : 'Create policy');

  const form = h('form', { class: 'policy-form', novalidate: true, 'data-test': 'policy-form', on: { submit: (ev) => { ev.preventDefault(); submitForm(); } } },
    h('fieldset', {}, h('legend', {}, 'Policy'),
      put('id', field('Identifier', id, { hint: policyId ? 'The identifier of an existing policy cannot change.' : 'Lower-case letters, digits and hyphens, e.g. web-server.' })),
      put('displayName', field('Display name (optional)', displayName)),
      put('ca', field('Certificate authority', ca, { hint: cas.length ? 'The CAs assigned to this realm.' : null }))),
    keySet,
    h('fieldset', {}, h('legend', {}, 'Validity (days)'),
      h('div', { class: 'row wrap-fields' },
        put('validity.defaultDays', field('Default', defDays)),
        put('validity.maxDays', field('Maximum', maxDays)))),
    h('fieldset', {}, h('legend', {}, 'Certificate profile'), ku, eku),
    put('approval', withError(h('fieldset', {}, h('legend', {}, 'Approval'),
      put('approval.mode', field('Mode', mode)), manualOnly, emailOnly,
      h('p', { class: 'check' }, autoRenewal, h('label', { for: autoRenewal.id }, 'Renewals that change nothing are approved automatically'))), 'policy-approval')),
    h('fieldset', { 'data-test': 'policy-constraints' }, h('legend', {}, 'Constraints on the end entities'),
      h('details', { class: 'rules', open: ruleRows.some((r) => r.rule()), 'data-test': 'policy-rules' },
        h('summary', {}, `Attribute rules (${ruleRows.filter((r) => r.rule()).length} set)`),
        h('div', { class: 'table-wrap' }, h('table', { class: 'rule-table table-cards' },
          h('caption', { class: 'visually-hidden' }, 'Attribute rules (leave empty for no rule)'),
          h('thead', {}, h('tr', {}, ['Attribute', 'Presence', 'Exact value', 'Pattern (regular expression)'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, ruleRows.map((r) => r.row))))),
      h('div', { class: 'grid-3' },
        put('constraints.allowedDNSSuffixes', field('Allowed DNS suffixes', dns, { hint: 'One per line; a name must equal one or end in .suffix' })),
        put('constraints.allowedEmailDomains', field('Allowed e-mail domains', mails, { hint: 'One per line' })),
        put('constraints.allowedIPRanges', field('Allowed IP ranges', ips, { hint: 'CIDR, one per line' }))),
      h('div', { class: 'row wrap-fields' },
        put('constraints.minSANs', field('Minimum SANs', minSANs)),
        put('constraints.maxSANs', field('Maximum SANs', maxSANs)))),
    h('details', { class: 'card advanced' }, h('summary', {}, 'More: key retention, expiry warnings, certificate policies, public TLS'),
      put('keyRetention', field('Key retention (server-side keys)', retention, { hint: 'How long an undownloaded key is kept, e.g. 7d' })),
      put('expiryWarnings', field('Expiry warnings', warnings, { hint: 'Durations before expiry, comma separated' })),
      put('certificatePolicies', field('Certificate policy OIDs', oids, { hint: 'Dotted decimal, comma separated' })),
      put('publicTLS', withError(h('div', {}, h('p', { class: 'check' }, publicTLS, h('label', { for: publicTLS.id }, 'Publicly-trusted TLS server profile (held to the CA/Browser Forum Baseline Requirements)'))), 'policy-public-tls'))),
    status,
    h('div', { class: 'row' }, save,
      h('button', { type: 'button', 'data-test': 'review-changes', on: { click: () => showReview() } }, baseSnap ? `Show changes against v${baseSnap.version}` : 'Show the JSON')),
    review);
  syncMode();

  const clearErrors = () => { Object.values(fields).forEach((f) => f.setError(null)); replace(status); };
  const showReview = () => {
    const next = build();
    replace(review, baseSnap ? diffTable(baseSnap.document, next, { leftLabel: `version ${baseSnap.version}`, rightLabel: 'this form', context: 3 })
      : h('pre', { class: 'json' }, stableStringify(next)));
  };
  const submitForm = async () => {
    clearErrors();
    const bad = numberFields.filter(([, input]) => Number.isNaN(intOf(input)));
    if (bad.length) {
      bad.forEach(([key]) => fields[key].setError('Enter a whole number.'));
      replace(status, notice('Some fields need a whole number.', 'error', 'policy-client-error'));
      fields[bad[0][0]].querySelector('input').focus();
      return;
    }
    await send(build(), save, status, fields);
  };

  const send = async (document, button, statusEl, fieldMap) => {
    button.disabled = true;
    try {
      const saved = policyId
        ? await api('PUT', `/v1/realms/${seg(realm)}/policies/${seg(policyId)}`, { body: document })
        : await api('POST', `/v1/realms/${seg(realm)}/policies`, { body: document });
      setFlash(policyId ? `Saved version ${saved.version} of ${saved.policy}.` : `Created policy ${saved.policy} (version ${saved.version}).`);
      navigate(`#/realms/${seg(realm)}/admin/policies/${seg(saved.policy)}`);
    } catch (e) {
      button.disabled = false;
      const entries = violationsOf(e);
      const rest = fieldMap ? placeViolations(entries, fieldMap) : entries;
      const placed = entries.length - rest.length;
      replace(statusEl, problemView({ title: 'The policy was not saved', detail: placed ? `${placed} problem${placed === 1 ? ' is' : 's are'} shown at the fields below${rest.length ? '; the others:' : '.'}` : (rest.length ? 'The registry refused the document:' : e.detail), violations: rest }, { testId: 'policy-problem' }));
      const first = Object.values(fieldMap || {}).find((f) => f.querySelector && f.querySelector('[aria-invalid="true"], .field-error:not([hidden])'));
      if (first) { const input = first.querySelector('input, select, textarea'); if (input) input.focus(); }
    }
  };

  el.appendChild(jsonPanel(policyId, build, send));
  el.appendChild(form);
}

function attributeRuleRow(name, rule) {
  const presence = h('select', { 'aria-label': `${name}: presence`, 'data-test': `rule-${name}-presence` },
    [['', '\u2014'], ['required', 'required'], ['optional', 'optional'], ['forbidden', 'forbidden']].map(([v, l]) => h('option', { value: v, selected: (rule.presence || '') === v }, l)));
  const value = h('input', { type: 'text', 'aria-label': `${name}: exact value`, value: rule.value ?? '', disabled: MULTI.has(name), 'data-test': `rule-${name}-value` });
  const pattern = h('input', { type: 'text', 'aria-label': `${name}: pattern`, value: rule.pattern ?? '', spellcheck: 'false', 'data-test': `rule-${name}-pattern` });
  const err = h('p', { class: 'field-error', hidden: true, 'data-test': `rule-${name}-error` });
  const row = h('tr', { 'data-test': 'rule-row', 'data-attribute': name },
    h('th', { scope: 'row', 'data-label': 'Attribute' }, name, err),
    h('td', { 'data-label': 'Presence' }, presence), h('td', { 'data-label': 'Exact value' }, value), h('td', { 'data-label': 'Pattern' }, pattern));
  return {
    name, row,
    rule: () => {
      const r = {};
      if (presence.value) r.presence = presence.value;
      if (value.value.trim() && !MULTI.has(name)) r.value = value.value.trim();
      if (pattern.value.trim()) r.pattern = pattern.value.trim();
      return Object.keys(r).length ? r : null;
    },
    setError: (t) => {
      replace(err, t || ''); err.hidden = !t; row.classList.toggle('invalid', !!t);
      const details = row.closest('details');
      if (t && details) details.open = true;
    },
    querySelector: (s) => row.querySelector(s),
  };
}

/** Paste or upload a whole document instead of the form. */
function jsonPanel(policyId, build, send) {
  const textarea = h('textarea', { rows: '16', class: 'json', spellcheck: 'false', 'data-test': 'policy-json' });
  const file = h('input', { type: 'file', accept: '.json,application/json', 'data-test': 'policy-file' });
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'policy-json-status' });
  const button = h('button', { type: 'submit', class: 'primary', 'data-test': 'save-policy-json' }, policyId ? 'Save this JSON as a new version' : 'Create the policy from this JSON');
  const jsonField = field('Policy document (JSON)', textarea);
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > 64 * 1024) { jsonField.setError('A policy document is at most 64 KiB.'); return; }
    textarea.value = await f.text();
    jsonField.setError(null);
  });
  const panel = h('details', { class: 'card json-panel', 'data-test': 'policy-json-panel' },
    h('summary', { on: { click: () => { if (!textarea.value) textarea.value = stableStringify(build()); } } }, 'Edit as JSON, or upload a file'),
    h('form', { novalidate: true, on: { submit: async (ev) => {
      ev.preventDefault();
      jsonField.setError(null);
      replace(status);
      let parsed;
      try { parsed = JSON.parse(textarea.value); } catch (e) { jsonField.setError(`This is not valid JSON: ${e.message}`); textarea.focus(); return; }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) { jsonField.setError('A policy document is a JSON object.'); return; }
      if (policyId && parsed.id !== policyId) { jsonField.setError(`"id" must stay "${policyId}" for a new version of this policy.`); return; }
      await send(parsed, button, status, null);
    } } },
    h('p', { class: 'hint' }, 'The whole document, as `clm policy create --file` takes it. Unknown fields are refused with their path.'),
    field('Load from a file', file), jsonField, status, button));
  return panel;
}
