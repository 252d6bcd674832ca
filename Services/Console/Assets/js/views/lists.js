// Shared pieces of the list pages: gathering requests across realms, a table builder.
import { h } from '../core/ui.js';
import { api } from '../core/api.js';
import { readableRealms } from '../core/realms.js';

/** Requests of every readable realm: {requests: [...], errors: [{realm, error}]}. */
export async function requestsAcrossRealms({ state, limit = 200 } = {}) {
  const realms = await readableRealms();
  const results = await Promise.all(realms.map(async (r) => {
    try {
      const list = await api('GET', `/v1/realms/${encodeURIComponent(r.realm)}/requests`, { query: { state, limit } });
      return { realm: r.realm, list: Array.isArray(list) ? list : [] };
    } catch (error) { return { realm: r.realm, error }; }
  }));
  const requests = results.flatMap((x) => x.list || []);
  requests.sort((a, b) => String(b.updatedAt || b.createdAt).localeCompare(String(a.updatedAt || a.createdAt)));
  return { requests, errors: results.filter((x) => x.error), realms };
}

export function commonName(req) {
  const cn = (req.subject || []).find((a) => a.type === 'CN');
  if (cn) return cn.value;
  const san = (req.alternativeNames || [])[0];
  return san ? san.value : '';
}

/**
 * A responsive table: columns [{label, cell: (row) => node|string}]; at narrow widths each row
 * becomes a card (data-label shows the column name).
 */
export function table(columns, rows, { testId, rowTest } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table-cards', 'data-test': testId || null },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, rows.map((row) => h('tr', { 'data-test': rowTest || null },
        columns.map((c) => h('td', { 'data-label': c.label }, c.cell(row))))))));
}

export function requestLink(req, text) {
  return h('a', { href: `#/realms/${encodeURIComponent(req.realm)}/requests/${encodeURIComponent(req.id)}`, 'data-test': 'request-link', 'data-request': req.id }, text || req.id.slice(0, 8));
}
