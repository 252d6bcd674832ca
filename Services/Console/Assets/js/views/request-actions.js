// Next actions of an issued request: downloads, the one-time key bundle, revoke, renew.
import { h, replace, problemView, field, notice, saveBlob, filenameFrom, uid, formatDate, stateBadge } from '../core/ui.js';
import { api, newIdempotencyKey } from '../core/api.js';
import { navigate } from '../core/router.js';
import { REVOCATION_REASONS, allowedKeySpecs, keySpecChoice } from './describe.js';

async function download(button, status, path, fallbackName, init = {}) {
  button.disabled = true;
  replace(status);
  try {
    const { describe: _unused, ...options } = init;
    const response = await api(init.method || 'GET', path, { ...options, raw: true });
    const blob = await response.blob();
    const name = filenameFrom(response, fallbackName);
    saveBlob(blob, name);
    replace(status, notice(`Downloaded ${name}.`, 'ok', 'download-done'));
    return true;
  } catch (e) {
    const shown = init.describe ? init.describe(e) : e;
    replace(status, problemView(shown, { testId: 'download-problem' }));
    return false;
  } finally {
    button.disabled = false;
  }
}

function downloads(req, cert) {
  const status = h('div', { 'aria-live': 'polite' });
  const base = `/v1/realms/${encodeURIComponent(req.realm)}/requests/${encodeURIComponent(req.id)}`;
  const serial = req.serialNumber || req.id;
  const full = h('button', { type: 'button', class: 'primary', 'data-test': 'download-certificate' }, 'Download certificate (PEM, with chain)');
  full.addEventListener('click', () => download(full, status, `${base}/certificate`, `${serial}.pem`));
  const buttons = [full];
  if (cert && cert.pem) {
    const leaf = h('button', { type: 'button', class: 'secondary', 'data-test': 'download-leaf' }, 'Certificate only (PEM)');
    leaf.addEventListener('click', () => { saveBlob(new Blob([cert.pem], { type: 'application/x-pem-file' }), `${serial}-certificate.pem`); replace(status, notice(`Downloaded ${serial}-certificate.pem.`, 'ok', 'download-done')); });
    buttons.push(leaf);
  }
  if (cert && cert.certificate && cert.certificate.ca) {
    const ca = cert.certificate.ca;
    const chain = h('button', { type: 'button', class: 'secondary', 'data-test': 'download-chain' }, `CA chain of ${ca} (PEM)`);
    chain.addEventListener('click', () => download(chain, status, `/v1/cas/${encodeURIComponent(ca)}/chain`, `${ca}-chain.pem`));
    buttons.push(chain);
  }
  return h('div', { class: 'card', 'data-test': 'downloads' }, h('h2', {}, 'Download'),
    h('p', { class: 'hint' }, 'The PEM file holds your certificate followed by the CA certificates that issued it; most servers want exactly this.'),
    h('div', { class: 'row' }, buttons), status);
}

const DESTROYED = {
  downloaded: 'The private key was downloaded, and the server then destroyed its copy.',
  'retention-expired': 'The private key was destroyed: nobody downloaded it within the time the policy keeps it.',
  'request-ended': 'The private key was destroyed: the request ended without a certificate.',
  'certificate-revoked': 'The private key was destroyed: the certificate was revoked before the key was downloaded.',
};

function destroyedText(status) {
  const cause = (/\(([^)]+)\)/.exec(status) || [])[1];
  return DESTROYED[cause] || `The private key is gone (${status}).`;
}

function keyBundle(req, refresh) {
  if (req.keySource !== 'server') return null;
  const st = req.keyStatus || '';
  if (st !== 'sealed') {
    return h('div', { class: 'card', 'data-test': 'key-bundle' }, h('h2', {}, 'Private key'),
      notice(st.startsWith('destroyed')
        ? `${destroyedText(st)} It cannot be downloaded again. If you do not have it, revoke this certificate and request a new one.`
        : 'The private key is not ready for download yet.', st.startsWith('destroyed') ? 'warn' : 'info', 'key-bundle-status'));
  }
  const status = h('div', { 'aria-live': 'polite' });
  const format = h('select', { id: uid('fmt'), 'data-test': 'key-bundle-format' },
    h('option', { value: 'pkcs12' }, 'PKCS#12 (.p12): key and certificate in one file'),
    h('option', { value: 'pem' }, 'PEM: encrypted key and certificate as text'));
  const pw = h('input', { type: 'password', id: uid('bundle-pw'), autocomplete: 'current-password', 'data-test': 'key-bundle-password' });
  const pwField = field('Download password', pw, { hint: 'The password you chose when you submitted the request. The file is protected with it.' });
  const ack = h('input', { type: 'checkbox', id: uid('ack'), 'data-test': 'key-bundle-ack' });
  const go = h('button', { type: 'submit', class: 'primary', 'data-test': 'key-bundle-download' }, 'Download the key once');
  const form = h('form', { 'data-test': 'key-bundle-form', novalidate: true },
    field('Format', format, { hint: 'PKCS#12 suits Windows, macOS, browsers and Java; PEM suits Linux servers (nginx, Apache).' }), pwField,
    h('div', { class: 'check' }, ack, h('label', { for: ack.id }, 'I understand the key can be downloaded only once; the server destroys it afterwards.')),
    go, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    pwField.setError(pw.value ? null : 'Enter the download password.');
    if (!pw.value) return;
    if (!ack.checked) { replace(status, notice('Tick the box to confirm you will keep the file safe: there is no second download.', 'error')); return; }
    const ext = format.value === 'pkcs12' ? 'p12' : 'pem';
    const ok = await download(go, status, `/v1/realms/${encodeURIComponent(req.realm)}/requests/${encodeURIComponent(req.id)}/key-bundle`,
      `${req.serialNumber || req.id}-key.${ext}`, { method: 'POST', query: { format: format.value }, body: { password: pw.value },
        describe: (e) => (e.status === 403 && /password/i.test(e.detail) ? { title: 'Wrong password', detail: `${e.detail.charAt(0).toUpperCase()}${e.detail.slice(1)}. Nothing was downloaded and the key is still there: try again.` } : e) });
    if (ok) { pw.value = ''; setTimeout(refresh, 1500); }
  });
  return h('div', { class: 'card', 'data-test': 'key-bundle' }, h('h2', {}, 'Private key'),
    notice('Download the private key now and store it safely. It can be downloaded only once: after that, the server destroys its copy.', 'warn', 'key-bundle-warning'),
    form);
}

/** Revoke form; target: {realm, requestId} or {realm, serial}. */
export function revokeForm(target, onDone) {
  const reason = h('select', { id: uid('reason'), 'data-test': 'revoke-reason' }, REVOCATION_REASONS.map(([v, t]) => h('option', { value: v }, t)));
  const comment = h('textarea', { id: uid('comment'), rows: '2', maxlength: '1024', 'data-test': 'revoke-comment' });
  const confirm = h('input', { type: 'checkbox', id: uid('confirm'), 'data-test': 'revoke-confirm' });
  const status = h('div', { 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'danger', 'data-test': 'revoke-submit' }, 'Revoke the certificate');
  const form = h('form', { 'data-test': 'revoke-form', novalidate: true },
    field('Reason', reason), field('Comment (optional)', comment, { hint: 'For the audit trail, at most 1024 characters.' }),
    h('div', { class: 'check' }, confirm, h('label', { for: confirm.id }, 'I understand that revocation is final: relying parties will reject this certificate.')),
    go, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!confirm.checked) { replace(status, notice('Tick the box to confirm the revocation.', 'error')); return; }
    go.disabled = true;
    const path = target.requestId
      ? `/v1/realms/${encodeURIComponent(target.realm)}/requests/${encodeURIComponent(target.requestId)}/revoke`
      : `/v1/realms/${encodeURIComponent(target.realm)}/certificates/${encodeURIComponent(target.serial)}/revoke`;
    try {
      const body = { reason: reason.value };
      if (comment.value.trim()) body.comment = comment.value.trim();
      const result = await api('POST', path, { body });
      replace(status, notice(`Revoked (${result && result.reason ? result.reason : reason.value}).`, 'ok', 'revoke-done'));
      if (onDone) onDone(result);
    } catch (e) {
      replace(status, problemView(e, { testId: 'revoke-problem' }));
      go.disabled = false;
    }
  });
  return form;
}

/** Renew form for an issued certificate; navigates to the new request. */
export function renewForm(realm, serial, policyDoc) {
  const runKey = newIdempotencyKey();
  const specs = allowedKeySpecs(policyDoc);
  const source = h('select', { id: uid('renew-src'), 'data-test': 'renew-source' },
    h('option', { value: 'server' }, 'Generate a new key on the server'), h('option', { value: 'csr' }, 'Use a new CSR'));
  const spec = h('select', { id: uid('renew-spec'), 'data-test': 'renew-key-type' }, specs.map((s) => h('option', { value: s }, keySpecChoice(s).title)));
  const csr = h('textarea', { id: uid('renew-csr'), rows: '5', 'data-test': 'renew-csr', spellcheck: 'false' });
  const pw = h('input', { type: 'password', id: uid('renew-pw'), autocomplete: 'new-password', 'data-test': 'renew-password' });
  const pwField = field('Download password for the new key', pw, { hint: 'At least 12 characters; needed to download the new key, cannot be recovered.' });
  const revoke = h('input', { type: 'checkbox', id: uid('renew-revoke'), 'data-test': 'renew-revoke-old' });
  const serverPart = h('div', {}, field('Key type', spec), pwField);
  const csrField = field('New CSR (PEM)', csr, { hint: 'Only its public key is used. A renewal needs a new key: never reuse the old one.' });
  const status = h('div', { 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary', 'data-test': 'renew-submit' }, 'Request the renewal');
  const sync = () => { serverPart.hidden = source.value !== 'server'; csrField.hidden = source.value !== 'csr'; };
  source.addEventListener('change', sync);
  const form = h('form', { 'data-test': 'renew-form', novalidate: true },
    h('p', { class: 'hint' }, 'The renewal uses the latest version of the same policy and the same end entities, with a new key.'),
    field('New key', source), serverPart, csrField,
    h('div', { class: 'check' }, revoke, h('label', { for: revoke.id }, 'Revoke the old certificate (as superseded) once the new one is issued')),
    go, status);
  sync();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { revokeOnIssue: revoke.checked };
    if (source.value === 'server') {
      if (pw.value.length < 12) { pwField.setError('At least 12 characters.'); return; }
      pwField.setError(null);
      body.keyGeneration = spec.value; body.keyPassword = pw.value;
    } else {
      if (!csr.value.trim()) { csrField.setError('Paste the new CSR.'); return; }
      csrField.setError(null);
      body.csr = csr.value.trim();
    }
    go.disabled = true;
    try {
      const created = await api('POST', `/v1/realms/${encodeURIComponent(realm)}/certificates/${encodeURIComponent(serial)}/renew`, { body, headers: { 'Idempotency-Key': runKey } });
      navigate(`#/realms/${encodeURIComponent(created.realm || realm)}/requests/${encodeURIComponent(created.id)}`);
    } catch (e) {
      replace(status, problemView(e, { testId: 'renew-problem' }));
      go.disabled = false;
    }
  });
  return form;
}

function disclosure(title, testId, makeContent) {
  const details = h('details', { class: 'card', 'data-test': testId }, h('summary', {}, h('strong', {}, title)));
  let built = false;
  details.addEventListener('toggle', () => {
    if (details.open && !built) { built = true; details.appendChild(makeContent()); }
  });
  return details;
}

/** The actions block for the request page. */
export function actionsSection(req, { refresh }) {
  if (req.state !== 'issued') return h('div');
  const box = h('div', {});
  const certStatus = h('div', {});
  box.appendChild(certStatus);
  const fill = (cert) => {
    const revoked = cert && cert.certificate && cert.certificate.state === 'revoked';
    replace(box, certStatus, downloads(req, cert), keyBundle(req, refresh));
    if (cert && cert.certificate) {
      const c = cert.certificate;
      replace(certStatus, h('p', { 'data-test': 'certificate-state' }, 'Certificate: ', stateBadge(c.state),
        ` valid from ${formatDate(c.notBefore)} until ${formatDate(c.notAfter)}`,
        c.revocation ? `; revoked ${formatDate(c.revocation.revokedAt)} by ${c.revocation.revokedBy} (${c.revocation.reason}${c.revocation.comment ? `: ${c.revocation.comment}` : ''})` : '',
        ' · ', h('a', { href: `#/realms/${encodeURIComponent(req.realm)}/certificates/${encodeURIComponent(c.serialNumber)}`, 'data-test': 'certificate-detail-link' }, 'certificate details')));
    }
    if (!revoked) {
      box.appendChild(disclosure('Revoke this certificate', 'revoke', () => revokeForm({ realm: req.realm, requestId: req.id }, () => setTimeout(load, 800))));
    }
    if (req.serialNumber) {
      box.appendChild(disclosure('Renew this certificate', 'renew', () => {
        const holder = h('div', {}, h('p', { class: 'loading' }, 'Loading the policy…'));
        api('GET', `/v1/realms/${encodeURIComponent(req.realm)}/policies/${encodeURIComponent(req.policy)}`)
          .then((snap) => replace(holder, renewForm(req.realm, req.serialNumber, snap.document)))
          .catch((e) => replace(holder, problemView(e)));
        return holder;
      }));
    }
  };
  const load = async () => {
    let cert = null;
    if (req.serialNumber) {
      try { cert = await api('GET', `/v1/realms/${encodeURIComponent(req.realm)}/certificates/${encodeURIComponent(req.serialNumber)}`); } catch (_) { cert = null; }
    }
    fill(cert);
  };
  fill(null);
  load();
  return box;
}
