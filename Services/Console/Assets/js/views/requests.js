// #/requests: the user's requests across their realms, with a state filter and text search.
import { h, replace, page, stateBadge, formatDate, loading, problemView, notice, field, uid, STATE_LABELS } from '../core/ui.js';
import { route } from '../core/router.js';
import { currentSession } from '../core/session.js';
import { requestsAcrossRealms, commonName, table, requestLink } from './lists.js';

const REQUEST_STATES = ['submitted', 'awaiting_verification', 'awaiting_approval', 'approved', 'key_generated', 'issued', 'declined', 'failed', 'expired'];
const filters = { state: '', q: '', onlyMine: true };

function matches(req, q) {
  if (!q) return true;
  const hay = [req.id, req.policy, req.realm, req.requester, req.serialNumber,
    ...(req.subject || []).map((a) => `${a.type}=${a.value}`), ...(req.alternativeNames || []).map((n) => n.value)]
    .filter(Boolean).join(' ').toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((word) => hay.includes(word));
}

async function renderRequests(_params, container) {
  const s = currentSession();
  const results = h('div', { 'data-test': 'requests-results', 'aria-live': 'polite' }, loading());
  const stateSelect = h('select', { id: uid('state'), 'data-test': 'filter-state' },
    h('option', { value: '' }, 'All states'), REQUEST_STATES.map((st) => h('option', { value: st, selected: filters.state === st }, STATE_LABELS[st])));
  const search = h('input', { type: 'search', id: uid('q'), value: filters.q, 'data-test': 'filter-q', placeholder: 'policy, name, id…' });
  const mineBox = h('input', { type: 'checkbox', id: uid('mine'), checked: filters.onlyMine, 'data-test': 'filter-mine' });
  let all = [];
  let errors = [];
  let seesOthers = false;

  const draw = () => {
    const shown = all.filter((r) => (!filters.onlyMine || r.requester === s.subject) && matches(r, filters.q));
    replace(results,
      errors.length ? notice(`Could not read the requests of ${errors.map((e) => `${e.realm} (${e.error.title})`).join(', ')}.`, 'warn') : null,
      shown.length ? table([
        { label: 'Request', cell: (r) => requestLink(r) },
        { label: 'For', cell: (r) => commonName(r) },
        { label: 'Realm', cell: (r) => r.realm },
        { label: 'Policy', cell: (r) => `${r.policy} v${r.policyVersion}` },
        seesOthers ? { label: 'Requester', cell: (r) => r.requester } : null,
        { label: 'State', cell: (r) => stateBadge(r.state) },
        { label: 'Submitted', cell: (r) => formatDate(r.createdAt) },
        { label: 'Last change', cell: (r) => formatDate(r.updatedAt) },
      ].filter(Boolean), shown, { testId: 'requests-table', rowTest: 'request-row' })
        : h('p', { 'data-test': 'no-requests' }, all.length ? 'No request matches the filter.' : 'No requests yet. ', all.length ? null : h('a', { href: '#/new' }, 'Request a certificate')),
      h('p', { class: 'hint' }, `${shown.length} of ${all.length} request${all.length === 1 ? '' : 's'} shown.`));
  };
  const load = async () => {
    replace(results, loading());
    try {
      ({ requests: all, errors } = await requestsAcrossRealms({ state: filters.state || undefined }));
      seesOthers = all.some((r) => r.requester !== s.subject);
      mineRow.hidden = !seesOthers;
      draw();
    } catch (e) { replace(results, problemView(e)); }
  };
  stateSelect.addEventListener('change', () => { filters.state = stateSelect.value; load(); });
  search.addEventListener('input', () => { filters.q = search.value; draw(); });
  mineBox.addEventListener('change', () => { filters.onlyMine = mineBox.checked; draw(); });
  const mineRow = h('div', { class: 'check', hidden: true }, mineBox, h('label', { for: mineBox.id }, 'Only requests I submitted'));

  container.appendChild(page('My requests',
    h('form', { class: 'filters', role: 'search', 'data-test': 'requests-filters', on: { submit: (e) => e.preventDefault() } },
      field('State', stateSelect), field('Search', search, { hint: 'Words in the policy, names, id or requester.' }), mineRow),
    results));
  await load();
}

export function register() {
  route('/requests', renderRequests);
}
