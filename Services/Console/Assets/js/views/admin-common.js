// Helpers shared by the approver and administration pages (F2).
import { h } from '../core/ui.js';

let linked = false;

/** Links Assets/css/admin.css once (index.html links only console.css). */
export function ensureAdminStyles() {
  if (linked || typeof document === 'undefined') return;
  linked = true;
  if (document.querySelector('link[data-clm-admin-css]')) return;
  document.head.appendChild(h('link', { rel: 'stylesheet', href: '/console/static/css/admin.css', 'data-clm-admin-css': '1' }));
}

/** "CN=www.example.com, O=Example" */
export function subjectText(subject) {
  if (!Array.isArray(subject) || !subject.length) return '(empty subject)';
  return subject.map((a) => `${a.type}=${a.value}`).join(', ');
}

const KIND_LABELS = { dns: 'DNS', ip: 'IP', email: 'E-mail', uri: 'URI' };

/** A list of subject alternative names, or a dash. */
export function namesList(names, testId = 'names') {
  if (!Array.isArray(names) || !names.length) return h('span', { class: 'muted', 'data-test': testId }, 'none');
  return h('ul', { class: 'plain-list', 'data-test': testId },
    names.map((n) => h('li', {}, h('span', { class: 'tag' }, KIND_LABELS[n.kind] || n.kind), ' ', n.value)));
}

/** The most telling short name of a request: its CN, else its first SAN, else the id. */
export function requestTitle(subject, names, id) {
  const cn = (subject || []).find((a) => a.type === 'CN');
  if (cn) return cn.value;
  if (names && names.length) return names[0].value;
  return id ? `request ${String(id).slice(0, 8)}` : 'request';
}

/** "in 3 h 20 min" / "5 min ago" relative to now. */
export function relativeTime(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const diff = t - now;
  const abs = Math.abs(diff);
  const minutes = Math.round(abs / 60000);
  let text;
  if (minutes < 1) text = 'less than a minute';
  else if (minutes < 60) text = `${minutes} min`;
  else if (minutes < 48 * 60) {
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    text = rest ? `${hours} h ${rest} min` : `${hours} h`;
  } else text = `${Math.round(minutes / 1440)} days`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** Path segment encoding for subjects such as `alice@demo.example` or `service-account:x`. */
export function seg(text) { return encodeURIComponent(String(text)); }

/** A row of tab links (real links: keyboard and middle-click work); `current` is highlighted. */
export function tabs(items, current, label = 'Sections') {
  return h('nav', { class: 'admin-tabs', 'aria-label': label, 'data-test': 'admin-tabs' },
    h('ul', {}, items.map((item) => h('li', {},
      h('a', {
        href: item.href, class: item.key === current ? 'current' : null,
        'aria-current': item.key === current ? 'page' : null, 'data-test': `tab-${item.key}`,
      }, item.label)))));
}

/** Splits a textarea's text into trimmed non-empty entries (lines or commas). */
export function listFromText(text) {
  return String(text || '').split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The field path of a problem entry: "validity.maxDays: must be…" and the JSON Schema form
 * "/validity/maxDays: 5000 is greater…" both give {path: "validity.maxDays", rule: "…"};
 * array indices become ".0". Entries without a path give {path: "", rule: text}.
 */
export function splitViolation(entry) {
  const text = typeof entry === 'string' ? entry : `${entry.attribute || ''}: ${entry.rule || ''}`;
  const m = /^\s*([/A-Za-z0-9_.[\]-]+):\s+([\s\S]*)$/.exec(text);
  if (!m) return { path: '', rule: text, text };
  let path = m[1];
  if (path === '/') path = '';
  path = path.replace(/^\//, '').replace(/\//g, '.').replace(/\[(\d+)\]/g, '.$1').replace(/^\.+/, '');
  return { path, rule: m[2], text };
}

/**
 * Puts each violation at the form field whose key is the longest prefix of its path
 * (`fields` maps keys such as "validity.maxDays" to field wrappers with setError); returns the
 * entries no field took, for a list above the form.
 */
export function placeViolations(entries, fields) {
  const messages = new Map();
  const unplaced = [];
  for (const entry of entries) {
    const { path, rule, text } = splitViolation(entry);
    let key = path;
    while (key && !fields[key]) key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
    if (!key) { unplaced.push(text); continue; }
    // "dnsNames.0" at the DNS names field: the rule names the value, the index adds nothing.
    const rest = path !== key ? path.slice(key.length + 1) : '';
    const suffix = rest && !/^\d+$/.test(rest) ? `${rest.replace(/\.(\d+)$/, '')}: ` : '';
    if (!messages.has(key)) messages.set(key, []);
    messages.get(key).push(suffix + rule);
  }
  for (const [key, list] of messages) fields[key].setError(list.join('; '));
  return unplaced;
}

/** The violations of a problem, or its detail when that names a field ("id: …") itself. */
export function violationsOf(error) {
  if (error && Array.isArray(error.violations) && error.violations.length) return error.violations;
  if (error && error.detail && splitViolation(error.detail).path) return [error.detail];
  return [];
}
