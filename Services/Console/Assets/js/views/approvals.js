// Approver inbox (#/approvals, #/realms/:realm/approvals) and one approval with its vote
// (#/realms/:realm/approvals/:id). JSON: Shared/Contracts/API/DecisionView.swift, VoteBodies.swift.
import { api } from '../core/api.js';
import { h, replace, problemView, field, stateBadge, formatDate, page, facts, loading, notice, keyText } from '../core/ui.js';
import { route, currentQuery } from '../core/router.js';
import { currentSession, hasRole } from '../core/session.js';
import { realmsWithRoleOrGrant } from '../core/realms.js';
import { ensureAdminStyles, subjectText, namesList, requestTitle, relativeTime, seg } from './admin-common.js';

export function register() {
  ensureAdminStyles();
  route('/approvals', (params, container) => renderInbox(container, null));
  route('/realms/:realm/approvals', (params, container) => renderInbox(container, params.realm));
  route('/realms/:realm/approvals/:id', (params, container) => renderDetail(container, params.realm, params.id));
}

const me = () => (currentSession() && currentSession().subject) || '';

// ---------------------------------------------------------------- inbox

async function renderInbox(container, onlyRealm) {
  const filter = currentQuery().get('state') === 'all' ? 'all' : 'pending';
  const body = h('div', { class: 'approvals', 'data-test': 'approvals-inbox' }, loading());
  const base = onlyRealm ? `#/realms/${seg(onlyRealm)}/approvals` : '#/approvals';
  const switcher = h('p', { class: 'filter-switch', 'data-test': 'approvals-filter' },
    filter === 'pending'
      ? ['Showing requests waiting for a decision. ', h('a', { href: `${base}?state=all`, 'data-test': 'show-all' }, 'Show decided ones too')]
      : ['Showing all requests. ', h('a', { href: base, 'data-test': 'show-pending' }, 'Show only waiting ones')]);
  container.appendChild(page(onlyRealm ? `Approvals in ${onlyRealm}` : 'Approvals', switcher, body));

  let realms;
  try {
    realms = onlyRealm ? [onlyRealm] : (await realmsWithRoleOrGrant('approver')).map((r) => r.realm);
  } catch (e) { replace(body, problemView(e)); return; }
  if (!realms.length) {
    replace(body, noApproverRealms());
    return;
  }
  const results = await Promise.all(realms.map(async (realm) => {
    try {
      return { realm, items: await api('GET', `/v1/realms/${seg(realm)}/approvals`, { query: { state: filter, limit: 1000 } }) };
    } catch (error) { return { realm, error }; }
  }));
  const sections = [];
  let total = 0;
  for (const r of results) {
    // Listed because a membership might make the user an approver; the realm says otherwise.
    if (r.error && !onlyRealm && (r.error.status === 403 || r.error.status === 404)) continue;
    if (r.error) { sections.push(realmSection(r.realm, [problemView(r.error)], realms.length > 1)); continue; }
    // Most urgent first: the earliest deadline, then the oldest submission.
    const items = (Array.isArray(r.items) ? r.items : []).slice().sort((a, b) =>
      (a.expiresAt || '9999').localeCompare(b.expiresAt || '9999') || String(a.createdAt).localeCompare(String(b.createdAt)));
    total += items.length;
    const keys = await keyDescriptions(r.realm, items);
    sections.push(realmSection(r.realm,
      items.length ? [h('ul', { class: 'approval-list', 'data-test': 'approval-list' }, items.map((d) => h('li', {}, approvalCard(d, keys[d.request]))))]
        : [h('p', { class: 'muted', 'data-test': 'approvals-empty' }, filter === 'pending' ? 'Nothing waits for a decision.' : 'No requests.')],
      realms.length > 1 || !onlyRealm));
  }
  replace(body,
    h('p', { class: 'approvals-count', role: 'status', 'data-test': 'approvals-count' },
      total === 1 ? '1 request' : `${total} requests`, filter === 'pending' ? ' waiting.' : '.'),
    sections.length ? sections : noApproverRealms());
}

/** Not an approver anywhere: say so, and offer the read-only lists realm admins and auditors may see. */
function noApproverRealms() {
  const s = currentSession();
  const readable = Object.keys((s && s.realms) || {}).filter((r) => hasRole(r, 'realm-admin') || hasRole(r, 'auditor')).sort();
  return h('div', { class: 'notice', role: 'status', 'data-test': 'no-approver-realms' },
    h('p', {}, 'You are not an approver in any realm, so no requests wait for your decision.'),
    readable.length ? h('p', {}, 'As a realm administrator or auditor you can look at the approvals of: ',
      readable.map((r, i) => [i ? ', ' : '', h('a', { href: `#/realms/${seg(r)}/approvals?state=all` }, r)]), '.') : null);
}

function realmSection(realm, children, heading) {
  return h('section', { class: 'realm-approvals', 'data-test': 'realm-approvals', 'data-realm': realm },
    heading ? h('h2', {}, `Realm ${realm}`) : null, ...children);
}

/** keySource per request ("CSR", "server-generated EC P-256"), from the request view. */
async function keyDescriptions(realm, items) {
  const out = {};
  await Promise.all(items.slice(0, 50).map(async (d) => {
    try {
      const req = await api('GET', `/v1/realms/${seg(realm)}/requests/${seg(d.request)}`);
      out[d.request] = keyDescription(req);
    } catch (_) { /* the card says nothing about the key then */ }
  }));
  return out;
}

function keyDescription(req) {
  if (!req) return '';
  if (req.keySource === 'csr') return req.keyAlgorithm ? `from a CSR (${req.keyAlgorithm})` : 'from the requester\u2019s CSR (only its public key is used)';
  if (req.keySource === 'server') {
    const spec = req.keySpec ? ` ${keyText(req.keySpec)}` : '';
    return `generated on the server${spec}${req.keyStatus ? `, key ${req.keyStatus}` : ''}`;
  }
  return req.keySource || '';
}

function profileText(request) {
  const doc = request && request.policyDocument;
  if (!doc) return null;
  const ku = (doc.profile && doc.profile.keyUsage) || [];
  const eku = (doc.profile && doc.profile.extendedKeyUsage) || [];
  return `CA ${doc.ca}; key usage ${ku.join(', ') || 'none'}; extended key usage ${eku.join(', ') || 'none'}${doc.publicTLS ? '; public TLS (CA/B Forum BR)' : ''}`;
}

function progressText(d) {
  const approvals = (d.votes || []).filter((v) => v.vote === 'approve');
  if (d.mode === 'email') return `${approvals.length} of ${d.required} e-mail address${d.required === 1 ? '' : 'es'} confirmed`;
  if (d.mode === 'manual') return `${approvals.length} of ${d.required} approval${d.required === 1 ? '' : 's'}`;
  return 'automatic approval';
}

function approvalCard(d, key) {
  const own = d.requester === me();
  const href = `#/realms/${seg(d.realm)}/approvals/${seg(d.request)}`;
  const approvers = (d.votes || []).filter((v) => v.vote === 'approve').map((v) => v.voter);
  return h('article', { class: ['approval-card', own ? 'own' : null], 'data-test': 'approval-item', 'data-request': d.request },
    h('header', { class: 'approval-card-head' },
      h('h3', {}, h('a', { href, 'data-test': 'approval-link' }, requestTitle(d.subject, d.alternativeNames, d.request))),
      stateBadge(d.state)),
    h('p', { class: 'approval-progress', 'data-test': 'approval-progress' },
      h('strong', {}, progressText(d)),
      approvers.length ? ` \u2014 approved by ${approvers.join(', ')}` : '',
      d.expiresAt && !['issued', 'declined', 'failed', 'expired', 'approved', 'key_generated'].includes(d.state)
        ? ` \u2014 expires ${formatDate(d.expiresAt)} (${relativeTime(d.expiresAt)})` : ''),
    facts([
      ['Requester', d.requester + (own ? ' (you)' : ''), 'approval-requester'],
      ['Policy', `${d.policy} v${d.policyVersion}`, 'approval-policy'],
      ['Subject', subjectText(d.subject), 'approval-subject'],
      ['Names', namesList(d.alternativeNames)],
      ['Key', key || null],
      ['Validity', d.validityDays ? `${d.validityDays} days` : null],
      ['Submitted', formatDate(d.createdAt)],
    ], 'approval-facts'),
    own ? h('p', { class: 'own-note', 'data-test': 'own-request-note' }, 'Your own request: other approvers decide it.') : null,
    h('p', { class: 'card-actions' },
      h('a', { href, class: 'button', 'data-test': 'review' }, own || d.state !== 'awaiting_approval' ? 'View' : 'Review and decide')));
}

// ---------------------------------------------------------------- one approval

async function renderDetail(container, realm, id) {
  const holder = h('div', { 'data-test': 'approval-detail' }, loading());
  container.appendChild(page('Approval', holder));
  let decision;
  let request = null;
  try {
    const [d, r] = await Promise.all([
      api('GET', `/v1/realms/${seg(realm)}/approvals/${seg(id)}`),
      api('GET', `/v1/realms/${seg(realm)}/requests/${seg(id)}`).catch(() => null),
    ]);
    decision = d;
    request = r;
  } catch (e) { replace(holder, problemView(e), backLink(realm)); return; }
  // What the certificate will be: the profile of the policy version the request was judged by.
  const policy = await api('GET', `/v1/realms/${seg(realm)}/policies/${seg(decision.policy)}/versions/${decision.policyVersion}`).catch(() => null);
  if (request && policy) request = { ...request, policyDocument: policy.document };
  showDecision(container, holder, decision, request, null);
}

function backLink(realm) {
  return h('p', { class: 'back' },
    h('a', { href: '#/approvals', 'data-test': 'back-to-inbox' }, '\u2190 All approvals'), ' \u00b7 ',
    h('a', { href: `#/realms/${seg(realm)}/approvals`, 'data-test': 'back-to-realm-inbox' }, `approvals in ${realm}`));
}

function showDecision(container, holder, d, request, message) {
  const title = container.querySelector('h1');
  const name = requestTitle(d.subject, d.alternativeNames, d.request);
  if (title) title.textContent = `Approval: ${name}`;
  document.title = `Approval: ${name} \u00b7 CLM console`;
  const own = d.requester === me();
  const approvers = (d.votes || []).filter((v) => v.vote === 'approve').map((v) => v.voter);
  const waiting = d.state === 'awaiting_approval' || d.state === 'awaiting_verification';
  replace(holder,
    backLink(d.realm),
    message,
    h('div', { class: 'approval-status' }, stateBadge(d.state),
      h('span', { class: 'approval-progress', 'data-test': 'approval-progress' }, ' ', progressText(d),
        approvers.length ? ` \u2014 approved by ${approvers.join(', ')}` : '')),
    facts([
      ['Request', h('a', { href: `#/realms/${seg(d.realm)}/requests/${seg(d.request)}`, 'data-test': 'request-link' }, d.request)],
      ['Realm', d.realm],
      ['Requester', d.requester + (own ? ' (you)' : ''), 'approval-requester'],
      ['Policy', `${d.policy} version ${d.policyVersion}`, 'approval-policy'],
      ['Approval', d.mode === 'manual' ? `${d.required} distinct approver${d.required === 1 ? '' : 's'}, never the requester`
        : d.mode === 'email' ? `confirmation by e-mail (${d.required} address${d.required === 1 ? '' : 'es'})` : 'automatic'],
      ['Subject', subjectText(d.subject), 'approval-subject'],
      ['Alternative names', namesList(d.alternativeNames)],
      ['Key', keyDescription(request) || null, 'approval-key'],
      ['Certificate profile', profileText(request), 'approval-profile'],
      ['Validity', d.validityDays ? `${d.validityDays} days${request && request.validityNote ? ` (${request.validityNote})` : ''}` : null],
      ['Submitted', formatDate(d.createdAt)],
      ['Expires', d.expiresAt && waiting ? `${formatDate(d.expiresAt)} (${relativeTime(d.expiresAt)})` : null, 'approval-expires'],
      ['Decided by', d.decidedBy || null, 'approval-decided-by'],
      ['Reason', d.reason || null, 'approval-reason'],
    ], 'approval-facts'),
    votesView(d),
    actions(container, holder, d, request, own));
}

function votesView(d) {
  const votes = d.votes || [];
  return h('section', { class: 'votes', 'data-test': 'votes' },
    h('h2', {}, d.mode === 'email' ? 'Confirmations' : 'Votes'),
    votes.length
      ? h('ol', { class: 'vote-list' }, votes.map((v) => h('li', { 'data-test': 'vote', 'data-vote': v.vote },
        h('span', { class: ['tag', v.vote === 'approve' ? 'tag-ok' : 'tag-bad'] }, v.vote === 'approve' ? (d.mode === 'email' ? 'confirmed' : 'approved') : 'declined'),
        ' ', h('strong', {}, v.voter), ' \u00b7 ', formatDate(v.at),
        v.comment ? h('p', { class: 'vote-comment' }, `\u201c${v.comment}\u201d`) : null)))
      : h('p', { class: 'muted' }, 'None yet.'));
}

function actions(container, holder, d, request, own) {
  if (d.state === 'awaiting_verification') {
    return notice('This request waits for its e-mail addresses to be confirmed through the links mailed to them; approvers do not vote on it.', 'info', 'awaiting-verification');
  }
  if (d.state !== 'awaiting_approval') {
    return notice(`This request is no longer waiting for approvers (${d.state.replace(/_/g, ' ')}).`, 'info', 'decided');
  }
  if (own) {
    return notice(`This is your own request. A requester never approves or declines their own request: ${d.required} other approver${d.required === 1 ? '' : 's'} must.`, 'info', 'own-request');
  }
  const already = (d.votes || []).some((v) => v.voter === me() && v.vote === 'approve');
  const realm = d.realm;
  const status = h('div', { 'data-test': 'vote-status', 'aria-live': 'polite' });
  const comment = h('textarea', { name: 'comment', rows: '2', maxlength: '1000', 'data-test': 'approve-comment' });
  const reason = h('textarea', { name: 'reason', rows: '3', maxlength: '1000', 'data-test': 'decline-reason' });
  const reasonField = field('Reason for declining (required, shown to the requester)', reason);
  const buttons = [];
  const busy = (on) => buttons.forEach((b) => { b.disabled = on; });

  const vote = async (kind, bodyObj) => {
    replace(status);
    busy(true);
    try {
      const updated = await api('POST', `/v1/realms/${seg(realm)}/approvals/${seg(d.request)}/${kind}`, { body: bodyObj });
      const msg = kind === 'approve'
        ? notice(updated.state === 'approved' || updated.state === 'issued' || updated.state === 'key_generated'
          ? 'Your approval was recorded; the request has all its approvals and goes on to issuance.'
          : `Your approval was recorded: ${progressText(updated)}.`, 'ok', 'vote-result')
        : notice('You declined the request; the requester sees your reason.', 'ok', 'vote-result');
      showDecision(container, holder, updated, request, msg);
    } catch (e) {
      busy(false);
      replace(status, problemView(e, { testId: 'vote-problem' }));
      if (e.status === 400 || e.status === 422) reasonField.setError(kind === 'decline' ? (e.detail || e.title) : null);
    }
  };

  const approve = h('button', { type: 'submit', class: 'primary', 'data-test': 'approve', disabled: already },
    already ? 'You approved this request' : 'Approve');
  const decline = h('button', { type: 'submit', class: 'danger', 'data-test': 'decline' }, 'Decline');
  buttons.push(approve, decline);
  const approveForm = h('form', {
    class: 'vote-form', 'data-test': 'approve-form', novalidate: true,
    on: { submit: (ev) => { ev.preventDefault(); const c = comment.value.trim(); vote('approve', c ? { comment: c } : {}); } },
  },
  h('h3', {}, 'Approve'),
  field('Comment (optional)', comment),
  approve);
  const declineForm = h('form', {
    class: 'vote-form', 'data-test': 'decline-form', novalidate: true,
    on: {
      submit: (ev) => {
        ev.preventDefault();
        const text = reason.value.trim();
        if (!text) { reasonField.setError('Say why you decline: the requester sees this reason.'); reason.focus(); return; }
        reasonField.setError(null);
        vote('decline', { reason: text });
      },
    },
  },
  h('h3', {}, 'Decline'),
  reasonField,
  decline);
  const roleHint = hasRole(realm, 'approver') ? null
    : h('p', { class: 'hint', 'data-test': 'role-hint' }, 'Your sign-in does not name the approver role in this realm; the server decides whether a membership grants it.');
  return h('section', { class: 'vote-actions', 'data-test': 'vote-actions' },
    h('h2', {}, 'Your decision'),
    roleHint,
    already ? h('p', { class: 'muted', 'data-test': 'already-voted' }, 'You approved already; the request waits for another approver.') : null,
    h('div', { class: 'vote-forms' }, approveForm, declineForm),
    status);
}
