// DOM helpers shared by all views. Never innerHTML: text always goes in as text nodes.

const BOOLEAN_ATTRS = new Set(['disabled', 'checked', 'required', 'readonly', 'multiple', 'selected', 'hidden', 'open', 'autofocus']);

/**
 * h('button', {class: 'primary', 'data-test': 'next', on: {click: fn}}, 'Next')
 * attrs: class (string or array), on ({event: handler}), value, checked, disabled…, any other
 * attribute (aria-*, data-*, for, id, type, href…). null/undefined/false attributes are skipped.
 * children: strings/numbers (text nodes), Nodes, arrays (flattened), null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === 'class') {
      const names = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      if (names) el.className = names;
    } else if (key === 'value') {
      el.value = value;
    } else if (key === 'text') {
      el.textContent = value;
    } else if (BOOLEAN_ATTRS.has(key)) {
      el[key] = true;
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Removes all children of el and appends the given ones. */
export function replace(el, ...children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
  return el;
}

let uniqueCounter = 0;
export function uid(prefix = 'f') { uniqueCounter += 1; return `${prefix}-${uniqueCounter}`; }

/** A problem (ApiError or any Error) in human words: title, detail, violations as a list. */
export function problemView(error, { testId = 'problem' } = {}) {
  const title = (error && error.title) || 'Something went wrong';
  const detail = (error && (error.detail || (!error.title && error.message))) || '';
  const violations = (error && Array.isArray(error.violations)) ? error.violations : [];
  return h('div', { class: 'problem', role: 'alert', 'data-test': testId },
    h('p', { class: 'problem-title', 'data-test': 'problem-title' }, title),
    detail && detail !== title ? h('p', { class: 'problem-detail', 'data-test': 'problem-detail' }, detail) : null,
    violations.length ? h('ul', { class: 'problem-violations', 'data-test': 'problem-violations' },
      violations.map((v) => h('li', {}, typeof v === 'string' ? v : `${v.attribute}: ${v.rule}`))) : null);
}

/**
 * A labelled form field: label (for=input id), the input, an optional hint and an error area,
 * both referenced by aria-describedby. Returns the wrapper; wrapper.setError(text|null) updates
 * the error area (and aria-invalid).
 */
export function field(labelText, input, { hint, error, testId } = {}) {
  if (!input.id) input.id = uid('field');
  const hintId = `${input.id}-hint`;
  const errorId = `${input.id}-error`;
  const described = [];
  const hintEl = hint ? h('p', { class: 'hint', id: hintId }, hint) : null;
  if (hintEl) described.push(hintId);
  const errorEl = h('p', { class: 'field-error', id: errorId, 'aria-live': 'polite', 'data-test': testId ? `${testId}-error` : 'field-error' });
  described.push(errorId);
  input.setAttribute('aria-describedby', described.join(' '));
  const wrapper = h('div', { class: 'field', 'data-test': testId || null },
    h('label', { for: input.id }, labelText), hintEl, input, errorEl);
  wrapper.setError = (text) => {
    replace(errorEl, text || '');
    errorEl.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };
  wrapper.setError(error || null);
  return wrapper;
}

export const STATE_LABELS = {
  submitted: 'Submitted',
  awaiting_verification: 'Waiting for e-mail verification',
  awaiting_approval: 'Waiting for approval',
  approved: 'Approved',
  key_generated: 'Key generated',
  issued: 'Issued',
  declined: 'Declined',
  failed: 'Failed',
  expired: 'Expired',
  // certificate states
  valid: 'Valid',
  active: 'Valid',
  revoked: 'Revoked',
  superseded: 'Superseded',
};

export const FINAL_STATES = new Set(['issued', 'declined', 'failed', 'expired']);

export function stateLabel(state) {
  return STATE_LABELS[state] || String(state || 'unknown').replace(/_/g, ' ');
}

function stateTone(state) {
  if (['issued', 'valid', 'active', 'approved'].includes(state)) return 'ok';
  if (['declined', 'failed', 'revoked'].includes(state)) return 'bad';
  if (['expired', 'superseded'].includes(state)) return 'muted';
  return 'wait';
}

export function stateBadge(state) {
  return h('span', { class: ['badge', `badge-${stateTone(state)}`], 'data-test': 'state-badge', 'data-state': state || '' }, stateLabel(state));
}

/** "1 Dec 2026, 19:04" in the browser's locale; '' for nothing; the input for garbage. */
export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}

/** "1 Dec 2026" (no time). */
export function formatDay(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A long hex serial shortened for tables ("6BF2213E82CA…"), the full one in the title. */
export function shortSerial(serial) {
  const s = String(serial || '');
  return s.length > 16 ? `${s.slice(0, 12)}…` : s;
}

/** A page section: <section> with an h1 (focused for screen readers on route change). */
export function page(title, ...children) {
  document.title = title ? `${title} · CLM console` : 'CLM console';
  return h('section', { class: 'page', 'data-test': 'page' },
    h('h1', { tabindex: '-1', 'data-test': 'page-title' }, title), ...children);
}

/** A definition list from [[term, value], …] (falsy values skipped). */
export function facts(rows, testId) {
  return h('dl', { class: 'facts', 'data-test': testId || null },
    rows.filter((r) => r && r[1] !== undefined && r[1] !== null && r[1] !== '')
      .map(([term, value, test]) => [h('dt', {}, term), h('dd', { 'data-test': test || null }, value)]));
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status', 'data-test': 'loading' }, text);
}

export function notice(text, tone = 'info', testId = 'notice') {
  return h('div', { class: ['notice', `notice-${tone}`], role: tone === 'error' ? 'alert' : 'status', 'data-test': testId }, text);
}

/** Saves a Blob as a file through a temporary <a download> (blob: URL navigation). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' }, filename);
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { a.remove(); URL.revokeObjectURL(url); }, 60000);
}

/** The file name from a Content-Disposition header, or the fallback. */
export function filenameFrom(response, fallback) {
  const cd = response.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) { try { return decodeURIComponent(star[1]); } catch (_) { /* fall through */ } }
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : fallback;
}

/** Plain words for a key generation spec: "ec:P-256" → "EC P-256". */
export function keyText(spec) {
  if (!spec) return '';
  const [kind, param] = String(spec).split(':');
  const k = kind.toLowerCase();
  if (k === 'rsa') return `RSA ${param} bit`;
  if (k === 'ec') return `EC ${param}`;
  if (k === 'ed25519' || k === 'eddsa') return 'Ed25519';
  return spec;
}
