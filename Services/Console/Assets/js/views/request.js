// The request page: #/realms/:realm/requests/:id — state, timeline, next actions; polls
// every 2 s until the request reaches a final state.
import { h, replace, page, problemView, facts, stateBadge, formatDate, notice, loading, FINAL_STATES } from '../core/ui.js';
import { api, ApiError } from '../core/api.js';
import { route, routeGeneration } from '../core/router.js';
import { splitReason, reasonHint, days, SUBJECT_LABELS, SAN_LABELS } from './describe.js';
import { actionsSection } from './request-actions.js';

const POLL_MS = 2000;
const APPROVAL_WORDS = { automatic: 'automatic', email: 'e-mail verification', manual: 'approval by approvers' };

export function notFoundPage(what = 'request') {
  return page('Not found',
    h('p', { 'data-test': 'not-found' }, `This ${what} does not exist, or it is in a realm you have no access to.`),
    h('p', {}, h('a', { href: '#/requests' }, 'Go to my requests')));
}

function waitingText(req) {
  const w = req.waiting;
  if (!w) return '';
  const got = (w.received || []).length;
  const until = w.expiresAt ? `; it expires if not complete by ${formatDate(w.expiresAt)}` : '';
  if (req.state === 'awaiting_verification') {
    return `Waiting for e-mail verification: ${got} of ${w.required} address${w.required === 1 ? '' : 'es'} confirmed${got ? ` (${w.received.join(', ')})` : ''}. Open the link in the e-mail and confirm${until}.`;
  }
  return `Waiting for approval: ${got} of ${w.required} approval${w.required === 1 ? '' : 's'}${got ? ` (${w.received.join(', ')})` : ''}${until}.`;
}

/** What the current state means for the user, in a sentence or two. */
function currentStatus(req) {
  const found = (req.history || []).filter((c) => c.state === req.state && (req.state === 'failed' || !/^[a-z]+(-[a-z]+)+:/.test(c.reason))).slice(-1)[0];
  const last = found ? { ...found, reason: humanTimes(found.reason) } : null;
  const reason = last ? splitReason(last.reason) : { code: '', text: '' };
  const out = [];
  switch (req.state) {
    case 'submitted': out.push(['The request was received; the workflow is starting.', 'wait']); break;
    case 'awaiting_verification':
    case 'awaiting_approval': out.push([waitingText(req) || (last && last.reason) || 'Waiting.', 'wait']); break;
    case 'approved': out.push([req.keySource === 'server' ? 'Approved. The server is generating the key pair, then the CA issues the certificate.' : 'Approved. The CA is issuing the certificate.', 'wait']); break;
    case 'key_generated': out.push(['The key pair was generated; the CA is issuing the certificate.', 'wait']); break;
    case 'issued': out.push([`Issued${req.serialNumber ? ` with serial number ${req.serialNumber}` : ''}. Download it below.`, 'ok']); break;
    case 'declined': {
      const why = (last && last.reason.replace(/^declined:\s*/, '')) || 'no reason given';
      out.push([`Declined by ${last ? last.actor : 'an approver'}: ${why}. Submit a new request if the reason can be addressed.`, 'error']);
      break;
    }
    case 'failed': {
      const hint = reasonHint(reason.code);
      out.push([`Failed: ${hint ? `${hint.text} ` : ''}${reason.text || ''}${hint ? ` ${hint.fix}` : ''}`.trim(), 'error']);
      break;
    }
    case 'expired': out.push([`Expired: ${(last && last.reason) || 'the approval or verification did not complete in time'}. Submit a new request if you still need the certificate.`, 'warn']); break;
    default: out.push([`State: ${req.state}`, 'info']);
  }
  if (req.notice && !FINAL_STATES.has(req.state)) {
    const n = splitReason(humanTimes(req.notice));
    const hint = reasonHint(n.code);
    out.push([`${hint ? hint.text : 'Held up:'} ${n.text}${hint ? ` ${hint.fix}` : ''}`, 'warn']);
  }
  return h('div', { 'data-test': 'request-status' }, out.map(([text, tone], i) => notice(text, tone, i ? 'request-notice' : 'request-status-text')));
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z/g;
/** Reasons carry ISO timestamps; show them in the user's time. */
export function humanTimes(text) { return String(text || '').replace(ISO, (t) => formatDate(t)); }

function changeWords(raw) {
  const c = { ...raw, reason: humanTimes(raw.reason) };
  const { code, text } = splitReason(c.reason);
  const hint = reasonHint(code);
  if (c.state === 'declined') return { what: `Declined by ${c.actor}: ${c.reason.replace(/^declined:\s*/, '')}`, fix: 'Submit a new request if the reason can be addressed.', tone: 'bad' };
  if (hint) return { what: `${hint.text} ${text}`, fix: hint.fix, tone: hint.tone };
  if (c.state === 'failed') return { what: c.reason, fix: 'Correct what the reason names and submit a new request.', tone: 'bad' };
  const tone = c.state === 'issued' ? 'ok' : (c.state === 'expired' ? 'bad' : (c.state.startsWith('awaiting') ? 'wait' : ''));
  return { what: c.reason && !/^[a-z0-9]+:/i.test(c.reason) ? c.reason.charAt(0).toUpperCase() + c.reason.slice(1) : c.reason, fix: '', tone };
}

function timeline(req) {
  const changes = req.history || [];
  if (!changes.length) return h('p', { class: 'hint' }, 'No history yet.');
  return h('ol', { class: 'timeline', 'data-test': 'timeline' }, changes.map((c) => {
    const words = changeWords(c);
    return h('li', { class: words.tone, 'data-test': 'timeline-entry', 'data-state': c.state },
      h('div', {}, stateBadge(c.state), ' ', h('span', { class: 'when' }, formatDate(c.at))),
      h('p', { class: 'what', 'data-test': 'timeline-reason' }, words.what),
      c.actor && c.state !== 'declined' ? h('p', { class: 'who' }, `by ${c.actor}`) : null,
      words.fix ? h('p', { class: 'fix hint' }, words.fix) : null);
  }));
}

function summary(req) {
  return facts([
    ['State', stateBadge(req.state), 'request-state'],
    ['Request', h('code', {}, req.id)],
    ['Realm', req.realm],
    ['Policy', `${req.policy}, version ${req.policyVersion}`, 'request-policy'],
    ['Approval', APPROVAL_WORDS[req.approvalMode] || req.approvalMode],
    ['Requested by', req.requester],
    ['Key', req.keySource === 'server' ? `generated on the server${req.keyStatus ? ` (${keyStatusText(req.keyStatus)})` : ''}` : 'from your CSR', 'request-key'],
    ['Validity', `${days(req.validityDays)}${req.validityNote ? ` — ${req.validityNote}` : ''}`],
    ...(req.subject || []).map((a) => [SUBJECT_LABELS[a.type] || a.type, a.value, `subject-${a.type}`]),
    ...(req.alternativeNames || []).map((n) => [SAN_LABELS[n.kind] || n.kind, n.value, `san-${n.kind}`]),
    ['Serial number', req.serialNumber ? h('code', { 'data-test': 'serial' }, req.serialNumber) : null],
    req.renewalOf ? ['Renews', h('span', {},
      h('a', { href: `#/realms/${encodeURIComponent(req.realm)}/requests/${encodeURIComponent(req.renewalOf.request)}`, 'data-test': 'renewal-of' }, `certificate ${req.renewalOf.serialNumber}`),
      req.renewalOf.revokeOnIssue ? ' (revoked as superseded once this one is issued)' : ''), 'request-renews'] : null,
    ['Submitted', formatDate(req.createdAt)],
    ['Last change', formatDate(req.updatedAt)],
  ].filter(Boolean), 'request-facts');
}

export function keyStatusText(s) {
  if (!s) return '';
  if (s === 'pending') return 'not generated yet';
  if (s === 'sealed') return 'waiting for your download';
  if (s.startsWith('destroyed')) return `destroyed ${s.slice('destroyed'.length).trim()}`.trim();
  return s;
}

async function renderRequest({ realm, id }, container) {
  container.appendChild(loading('Loading the request…'));
  const path = `/v1/realms/${encodeURIComponent(realm)}/requests/${encodeURIComponent(id)}`;
  let req;
  try {
    req = await api('GET', path);
  } catch (e) {
    replace(container, e instanceof ApiError && e.status === 404 ? notFoundPage() : page('Request', problemView(e)));
    return;
  }
  const mine = routeGeneration();
  const statusBox = h('div', {});
  const summaryBox = h('div', { class: 'card' });
  const timelineBox = h('div', { class: 'card' });
  const actionsBox = h('div', { 'data-test': 'request-actions' });
  const pollNote = h('p', { class: 'hint', 'aria-live': 'off', 'data-test': 'poll-note' });
  let actionsKey = '';

  const draw = (r) => {
    replace(statusBox, currentStatus(r));
    replace(summaryBox, h('h2', {}, 'Details'), summary(r));
    replace(timelineBox, h('h2', {}, 'What happened'), timeline(r));
    const key = `${r.state}|${r.keyStatus}|${r.serialNumber}`;
    if (key !== actionsKey) {
      actionsKey = key;
      replace(actionsBox, actionsSection(r, { refresh }));
    }
    pollNote.textContent = FINAL_STATES.has(r.state) ? '' : 'This page updates itself every 2 seconds.';
  };
  const refresh = async () => {
    try { req = await api('GET', path); draw(req); } catch (e) { /* keep the last view */ }
  };

  replace(container, page(`Request ${id.slice(0, 8)}`,
    h('p', { class: 'hint' }, `Request ${id} in realm ${realm}`),
    statusBox, pollNote, actionsBox,
    h('div', { class: 'grid' }, summaryBox, timelineBox)));
  draw(req);

  // Poll in the background: the router's render (and its focus handling) must not wait for it.
  poll();
  async function poll() {
    let failures = 0;
    while (!FINAL_STATES.has(req.state)) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (routeGeneration() !== mine || !container.isConnected) return;
      try {
        req = await api('GET', path);
        failures = 0;
        if (routeGeneration() !== mine) return;
        draw(req);
      } catch (e) {
        failures += 1;
        if (e instanceof ApiError && e.status === 401) return;
        pollNote.textContent = `Could not refresh (${e.title || e.message}); trying again…`;
        if (failures > 30) return;
      }
    }
  }
}

export function register() {
  route('/realms/:realm/requests/:id', renderRequest);
}
