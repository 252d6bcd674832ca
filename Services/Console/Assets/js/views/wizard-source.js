// Wizard step 4: the key — a CSR of the user's, or a key pair the server generates.
import { h, replace, problemView, field, loading, notice, uid } from '../core/ui.js';
import { preview, requestBody, passwordProblem, validityProblem, sourceComplete } from './wizard.js';
import { allowedKeySpecs, keySpecChoice, days } from './describe.js';

/** A rough strength estimate: {score 0..4, bits, text}. */
export function passwordStrength(pw) {
  if (!pw) return { score: 0, bits: 0, text: '' };
  let pool = 0;
  if (/[a-z]/.test(pw)) pool += 26;
  if (/[A-Z]/.test(pw)) pool += 26;
  if (/[0-9]/.test(pw)) pool += 10;
  if (/[^A-Za-z0-9]/.test(pw)) pool += 33;
  const unique = new Set(pw).size;
  const bits = Math.round(Math.min(pw.length, unique * 2) * Math.log2(Math.max(pool, 2)));
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  const base = `${pw.length} characters, ${classes} kind${classes === 1 ? '' : 's'} of character (about ${bits} bits)`;
  if (pw.length < 12) return { score: 1, bits, text: `Too short: ${base}. At least 12 characters.` };
  if (bits < 60) return { score: 2, bits, text: `Fair: ${base}. Longer is better, e.g. four random words.` };
  if (bits < 80) return { score: 3, bits, text: `Good: ${base}.` };
  return { score: 4, bits, text: `Strong: ${base}.` };
}

function capitalise(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : text; }

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A CSR file's content as text: PEM as is, DER as base64. */
async function readCSRFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('-----BEGIN')) return text;
  return toBase64(bytes);
}

export async function renderSourceStep(body, ctx) {
  const { state } = ctx;
  const doc = state.policyDoc;
  const specs = allowedKeySpecs(doc);
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'source-status' });
  let timer = null;

  const update = () => {
    const ok = sourceComplete();
    let why = '';
    if (!ok) {
      if (state.source === 'csr') why = state.csr.trim() ? 'The CSR must be checked and accepted before you continue.' : 'Choose or paste a CSR first.';
      else why = !state.keyGeneration ? 'Choose a key type.' : (validityProblem() || passwordProblem() || 'The chosen key is not accepted by the policy.');
    }
    ctx.allowNext(ok, why);
  };

  const showPreview = () => {
    const p = state.sourcePreview;
    if (!p) { replace(status); update(); return; }
    if (p.status === 'unavailable') {
      replace(status, notice('The console could not check this before submission; the server will judge the request when you submit it.', 'warn', 'preview-unavailable'));
    } else if (p.status === 'error') {
      const e = p.error;
      const csrProblem = state.source === 'csr' && e.status === 422 && /csr/i.test(`${e.code} ${e.detail}`);
      replace(status, problemView(csrProblem
        ? { title: 'The console cannot read this CSR', detail: `${capitalise(e.detail.replace(/^csr:\s*/, ''))}. Paste the whole PEM block, including the BEGIN and END lines, or choose the .csr file.`, violations: e.violations }
        : e, { testId: 'source-problem' }));
    } else {
      const r = p.result;
      const keyViolations = (r.violations || []);
      replace(status,
        state.source === 'csr' && r.csr ? h('div', { class: 'card', 'data-test': 'csr-result' },
          h('h3', {}, 'What the console found in your CSR'),
          h('p', {}, 'Public key: ', h('strong', { 'data-test': 'csr-public-key' }, r.csr.publicKey || (r.key && r.key.description) || 'unknown')),
          (r.csr.discarded || []).length ? [
            h('p', {}, 'Ignored — the certificate takes its names from the end entities and its extensions from the policy:'),
            h('ul', { 'data-test': 'csr-discarded' }, r.csr.discarded.map((d) => h('li', {}, d)))]
            : h('p', { class: 'hint', 'data-test': 'csr-discarded-none' }, 'Nothing else in the CSR had to be ignored.')) : null,
        state.source === 'server' && r.key ? h('p', { 'data-test': 'server-key-result' }, 'The server will generate: ', h('strong', {}, r.key.description)) : null,
        r.validityDays ? h('p', { 'data-test': 'validity-result' }, `Validity: ${days(r.validityDays)}`, r.validityNote ? ` — ${r.validityNote}` : '') : null,
        keyViolations.length ? h('div', { class: 'problem', role: 'alert', 'data-test': 'source-violations' },
          h('p', { class: 'problem-title' }, 'The policy does not accept this:'),
          h('ul', { class: 'problem-violations' }, keyViolations.map((v) => h('li', { 'data-test': 'violation', 'data-attribute': v.attribute }, `${v.attribute}: ${v.rule}`))))
          : (r.acceptable ? notice('Accepted by the policy.', 'ok', 'source-ok') : null));
    }
    update();
  };

  const check = async () => {
    const ready = state.source === 'csr' ? !!state.csr.trim() : !!state.keyGeneration;
    if (!ready || validityProblem()) { state.sourcePreview = null; showPreview(); return; }
    replace(status, loading('Checking against the policy…'));
    ctx.allowNext(false, 'Wait for the check to finish.');
    const outcome = await preview(requestBody({ withKey: true }));
    if (outcome.status === 'stale') return;
    state.sourcePreview = outcome;
    showPreview();
  };
  const later = (ms = 300) => { state.sourcePreview = null; update(); clearTimeout(timer); timer = setTimeout(check, ms); };

  // (a) CSR
  const file = h('input', { type: 'file', id: uid('csr-file'), accept: '.csr,.pem,.req,.der,.p10,application/pkcs10', 'data-test': 'csr-file' });
  const paste = h('textarea', { id: uid('csr-text'), rows: '8', spellcheck: 'false', 'data-test': 'csr-text', placeholder: '-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----', value: state.csr });
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > 100 * 1024) { csrField.setError('This file is too large to be a CSR.'); return; }
    csrField.setError(null);
    state.csr = await readCSRFile(f); state.csrName = f.name;
    paste.value = state.csr;
    later(0);
  });
  paste.addEventListener('input', () => { state.csr = paste.value; state.csrName = ''; later(); });
  const csrField = field('Or paste it here (PEM)', paste, { testId: 'csr-paste-field' });
  const csrSection = h('div', { class: 'source-section', 'data-test': 'csr-section' },
    h('p', { class: 'notice', 'data-test': 'csr-public-key-only' }, 'Only the public key of your CSR is used. Its subject, names and extensions are ignored: the certificate’s names come from the end entities you chose, and its extensions from the policy. Your private key never leaves your machine.'),
    field('CSR file', file, { hint: 'A PKCS#10 certificate signing request, PEM or DER (e.g. made with openssl req -new).' }),
    csrField);

  // (b) server-side key
  if (state.keyGeneration && !specs.includes(state.keyGeneration)) state.keyGeneration = null;
  if (!state.keyGeneration && specs.length) state.keyGeneration = specs[0];
  const keyOptions = h('fieldset', { 'data-test': 'key-types' }, h('legend', {}, 'Key type (only what the policy allows)'),
    h('div', { class: 'options' }, specs.map((spec) => {
      const c = keySpecChoice(spec);
      const id = `key-${spec.replace(/[^A-Za-z0-9]/g, '-')}`;
      return h('label', { class: 'option', for: id, 'data-test': 'key-type-option', 'data-value': spec },
        h('input', { type: 'radio', name: 'key-type', id, value: spec, checked: state.keyGeneration === spec, 'data-test': 'key-type', on: { change: () => { state.keyGeneration = spec; later(0); } } }),
        h('span', { class: 'option-body' }, h('span', { class: 'option-title' }, c.title), h('span', { class: 'hint' }, ' ', c.hint)));
    })));
  const pw = h('input', { type: 'password', id: uid('pw'), autocomplete: 'new-password', minlength: '12', maxlength: '1024', value: state.password, 'data-test': 'key-password' });
  const pw2 = h('input', { type: 'password', id: uid('pw2'), autocomplete: 'new-password', value: state.password2, 'data-test': 'key-password-confirm' });
  const meter = h('div', { class: 'strength', 'aria-hidden': 'true' }, h('span'));
  const meterText = h('p', { class: 'hint', 'aria-live': 'polite', 'data-test': 'password-strength' });
  const pwField = field('Download password', pw, { hint: 'At least 12 characters. You need it to download the key; it cannot be recovered or reset. Keep it in your password manager.', testId: 'key-password-field' });
  const pw2Field = field('Repeat the password', pw2, { testId: 'key-password-confirm-field' });
  pwField.appendChild(meter); pwField.appendChild(meterText);
  const showStrength = () => {
    const s = passwordStrength(state.password);
    meter.className = `strength s${s.score}`;
    replace(meterText, s.text);
    pw2Field.setError(state.password2 && state.password2 !== state.password ? 'The two passwords differ.' : null);
    update();
  };
  pw.addEventListener('input', () => { state.password = pw.value; showStrength(); });
  pw2.addEventListener('input', () => { state.password2 = pw2.value; showStrength(); });
  pw.addEventListener('blur', () => pwField.setError(state.password && state.password.length < 12 ? 'At least 12 characters.' : null));
  const serverSection = h('div', { class: 'source-section', 'data-test': 'server-section' },
    h('p', {}, 'The server generates the key pair, keeps the private key encrypted, and lets you download it once, protected by the password you choose here, as a PKCS#12 file or PEM. After the download — or after the policy’s retention time — the server destroys it.'),
    specs.length ? keyOptions : notice('This policy allows no key type.', 'error'),
    pwField, pw2Field);

  // validity (both sources)
  const v = doc.validity || {};
  const validity = h('input', { type: 'number', id: uid('validity'), min: '1', max: String(v.maxDays || ''), step: '1', inputmode: 'numeric', value: state.validityDays, 'data-test': 'validity-days', placeholder: String(v.defaultDays || '') });
  const validityField = field('Validity in days (optional)', validity, { hint: `Leave empty for the policy default of ${days(v.defaultDays)}; at most ${days(v.maxDays)}. The CA may shorten it to its own lifetime.`, testId: 'validity-field' });
  validity.addEventListener('input', () => { state.validityDays = validity.value.trim(); validityField.setError(validityProblem()); later(); });

  const sourceChoice = (value, title, detail) => {
    const id = `source-${value}`;
    return h('label', { class: 'option', for: id, 'data-test': `source-${value}-option` },
      h('input', { type: 'radio', name: 'source', id, value, checked: state.source === value, 'data-test': `source-${value}`, on: { change: () => { state.source = value; showSection(); later(0); } } }),
      h('span', { class: 'option-body' }, h('span', { class: 'option-title' }, title), h('span', { class: 'hint' }, ' ', detail)));
  };
  const showSection = () => { csrSection.hidden = state.source !== 'csr'; serverSection.hidden = state.source !== 'server'; };

  replace(body,
    h('fieldset', { 'data-test': 'source-choice' }, h('legend', {}, 'Key'),
      h('div', { class: 'options' },
        sourceChoice('csr', 'I have a certificate signing request (CSR)', 'You made the key pair yourself, e.g. on the server that will use the certificate.'),
        sourceChoice('server', 'Generate the key for me', 'For people without their own tooling: the server makes the key pair; you download it with a password.'))),
    csrSection, serverSection, validityField, status);
  showSection(); showStrength();
  if (state.sourcePreview) showPreview(); else await check();
}
