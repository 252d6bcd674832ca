// The start page: recent requests, pending approvals, quick links.
import { h, replace, page, stateBadge, formatDate, loading, problemView, notice } from '../core/ui.js';
import { api } from '../core/api.js';
import { route } from '../core/router.js';
import { currentSession, hasPlatformRole } from '../core/session.js';
import { loadRealms } from '../core/realms.js';
import { requestsAcrossRealms, commonName, table, requestLink } from './lists.js';

async function pendingApprovals(realms) {
  const approverRealms = realms.filter((r) => (r.roles || []).includes('approver'));
  let total = 0;
  let known = false;
  await Promise.all(approverRealms.map(async (r) => {
    try {
      const list = await api('GET', `/v1/realms/${encodeURIComponent(r.realm)}/approvals`, { query: { state: 'pending' } });
      const items = Array.isArray(list) ? list : (list && Array.isArray(list.approvals) ? list.approvals : []);
      total += items.length; known = true;
    } catch (_) { /* not an approver there after all */ }
  }));
  return known ? total : null;
}

async function renderHome(_params, container) {
  const s = currentSession();
  const recent = h('div', { class: 'card', 'data-test': 'recent-requests' }, h('h2', {}, 'My recent requests'), loading());
  const approvals = h('div', {});
  const isApprover = Object.values(s.realms).some((roles) => roles.includes('approver'));
  container.appendChild(page(`Welcome, ${s.subject}`,
    h('div', { class: 'grid' },
      h('a', { class: 'card quick', href: '#/new', 'data-test': 'quick-new' }, h('h2', {}, 'Request a certificate'), h('p', {}, 'A guided form, step by step. No X.509 knowledge needed.')),
      h('a', { class: 'card quick', href: '#/requests', 'data-test': 'quick-requests' }, h('h2', {}, 'My requests'), h('p', {}, 'Follow approvals and download issued certificates.')),
      h('a', { class: 'card quick', href: '#/certificates', 'data-test': 'quick-certificates' }, h('h2', {}, 'Certificates'), h('p', {}, 'Everything issued in your realms: renew or revoke.'))),
    approvals, recent));

  let realms = [];
  try { realms = await loadRealms(); } catch (e) { replace(recent, h('h2', {}, 'My recent requests'), problemView(e)); return; }
  if (!realms.length) {
    replace(recent, h('h2', {}, 'My recent requests'), notice(hasPlatformRole('platform-admin')
      ? 'You hold no role in any realm. As platform administrator you can create realms under Administration.'
      : 'You hold no role in any realm yet. Ask a realm administrator to add you.', 'warn', 'no-realms'));
    return;
  }
  if (isApprover) {
    pendingApprovals(realms).then((n) => {
      if (n === null) return;
      replace(approvals, h('a', { class: 'card quick', href: '#/approvals', 'data-test': 'pending-approvals' },
        h('h2', {}, 'Waiting for your approval'), h('p', { class: 'stat', 'data-test': 'pending-approvals-count' }, String(n)),
        h('p', {}, n === 1 ? 'request waits for a decision.' : 'requests wait for a decision.')));
    });
  }
  try {
    const { requests, errors } = await requestsAcrossRealms({ limit: 20 });
    const mine = requests.filter((r) => r.requester === s.subject).slice(0, 8);
    replace(recent, h('h2', {}, 'My recent requests'),
      mine.length ? table([
        { label: 'Request', cell: (r) => requestLink(r) },
        { label: 'For', cell: (r) => commonName(r) },
        { label: 'Policy', cell: (r) => `${r.policy} (${r.realm})` },
        { label: 'State', cell: (r) => stateBadge(r.state) },
        { label: 'Last change', cell: (r) => formatDate(r.updatedAt) },
      ], mine, { testId: 'recent-table', rowTest: 'recent-row' }) : h('p', { 'data-test': 'no-recent' }, 'You have not requested any certificate yet. ', h('a', { href: '#/new' }, 'Request one now'), '.'),
      errors.length ? h('p', { class: 'hint' }, `Could not read the requests of ${errors.map((e) => e.realm).join(', ')}.`) : null,
      mine.length ? h('p', {}, h('a', { href: '#/requests' }, 'All my requests →')) : null);
  } catch (e) {
    replace(recent, h('h2', {}, 'My recent requests'), problemView(e));
  }
}

export function register() {
  route('/', renderHome);
}
