// The guided request wizard: #/new/1 … #/new/5, one step per screen; all input lives in
// `state` (module level) so Back/Next and the hash routes keep it.
import { h, replace, page, problemView, notice } from '../core/ui.js';
import { api, ApiError, newIdempotencyKey } from '../core/api.js';
import { route, navigate } from '../core/router.js';
import { renderRealmStep, renderPolicyStep } from './wizard-scope.js';
import { renderEntitiesStep } from './wizard-entities.js';
import { renderSourceStep } from './wizard-source.js';
import { renderReviewStep } from './wizard-review.js';

export const STEPS = [
  { title: 'Realm', heading: 'Where do you need the certificate?', render: renderRealmStep },
  { title: 'Policy', heading: 'Which kind of certificate?', render: renderPolicyStep },
  { title: 'End entities', heading: 'Who or what is the certificate for?', render: renderEntitiesStep },
  { title: 'Certificate source', heading: 'Where does the key come from?', render: renderSourceStep },
  { title: 'Review', heading: 'Review and submit', render: renderReviewStep },
];

function freshState() {
  return {
    runKey: newIdempotencyKey(),
    realm: null,
    policy: null, policyVersion: null, policyDoc: null,
    entities: [],
    entityPreview: null, // {status: 'ok'|'unavailable'|'error', result|error}
    source: 'csr', csr: '', csrName: '', csrPreview: null,
    keyGeneration: null, validityDays: '', password: '', password2: '', sourcePreview: null,
  };
}

export const state = freshState();

/** Starts over (after a submission, or on "Start again"). */
export function resetWizard() { Object.assign(state, freshState()); }

/** Which earlier steps are complete; the number of the first incomplete one (1-based), or 6. */
export function firstIncomplete() {
  if (!state.realm) return 1;
  if (!state.policy || !state.policyDoc) return 2;
  if (!state.entities.length || !entitiesAcceptable()) return 3;
  if (!sourceComplete()) return 4;
  return 6;
}

export function entitiesAcceptable() {
  const p = state.entityPreview;
  if (!p) return false;
  if (p.status === 'unavailable') return true;
  return p.status === 'ok' && (p.result.acceptable || !nonKeyViolations(p.result).length);
}

/** Violations that concern the entities/policy, not the key (the key is chosen later). */
export function nonKeyViolations(result) {
  return (result.violations || []).filter((v) => !/^(key|csr|keyGeneration|validityDays)\b/.test(v.attribute || ''));
}

export function passwordProblem() {
  if (state.password.length < 12) return 'The password must be at least 12 characters long.';
  if (state.password.length > 1024) return 'The password must be at most 1024 characters long.';
  if (state.password !== state.password2) return 'The two passwords differ.';
  return null;
}

export function validityProblem() {
  if (state.validityDays === '' || state.validityDays === null) return null;
  const n = Number(state.validityDays);
  const max = state.policyDoc && state.policyDoc.validity ? state.policyDoc.validity.maxDays : null;
  if (!Number.isInteger(n) || n < 1) return 'Enter a whole number of days, 1 or more (or leave it empty for the policy default).';
  if (max && n > max) return `The policy allows at most ${max} days.`;
  return null;
}

export function sourceComplete() {
  if (state.source === 'csr') {
    const p = state.sourcePreview;
    if (!state.csr.trim()) return false;
    if (!p) return false;
    if (p.status === 'unavailable') return true;
    return p.status === 'ok' && p.result.acceptable;
  }
  if (state.source === 'server') {
    if (!state.keyGeneration || passwordProblem() || validityProblem()) return false;
    const p = state.sourcePreview;
    return !p || p.status === 'unavailable' || (p.status === 'ok' && p.result.acceptable);
  }
  return false;
}

/** The submit/preview body for what was chosen so far. */
export function requestBody({ withKey = true, withPassword = false } = {}) {
  const body = { policy: state.policy, entities: [...state.entities] };
  if (state.policyVersion != null) body.policyVersion = state.policyVersion;
  if (withKey) {
    if (state.source === 'csr' && state.csr.trim()) body.csr = state.csr.trim();
    if (state.source === 'server' && state.keyGeneration) {
      body.keyGeneration = state.keyGeneration;
      if (withPassword) body.keyPassword = state.password;
    }
  }
  if (state.validityDays !== '' && state.validityDays !== null && !validityProblem()) body.validityDays = Number(state.validityDays);
  return body;
}

let previewSequence = 0;
/**
 * POST …/requests/preview. Resolves {status: 'ok', result} | {status: 'unavailable'} (404/405:
 * the endpoint is not deployed) | {status: 'error', error}; {status: 'stale'} when a later
 * preview started meanwhile.
 */
export async function preview(body) {
  previewSequence += 1;
  const mine = previewSequence;
  let outcome;
  try {
    const result = await api('POST', `/v1/realms/${encodeURIComponent(state.realm)}/requests/preview`, { body });
    outcome = { status: 'ok', result: { violations: [], ...result } };
  } catch (e) {
    const notDeployed = e instanceof ApiError && (e.status === 405 || e.status === 501
      || (e.status === 404 && !/polic|entit|realm/i.test(`${e.detail} ${e.title}`)));
    outcome = notDeployed ? { status: 'unavailable' } : { status: 'error', error: e };
  }
  return mine === previewSequence ? outcome : { status: 'stale' };
}

function progress(current) {
  const reachable = firstIncomplete();
  return h('ol', { class: 'steps', 'data-test': 'wizard-progress', 'aria-label': 'Progress' },
    STEPS.map((s, i) => {
      const n = i + 1;
      const cls = n === current ? 'current' : (n < current || n < reachable ? 'done' : '');
      const label = n < current || (n <= reachable && n !== current)
        ? h('a', { href: `#/new/${n}`, 'data-test': `wizard-step-link-${n}` }, s.title) : s.title;
      return h('li', { class: cls, 'aria-current': n === current ? 'step' : null, 'data-test': `wizard-step-${n}` },
        label, n === current ? h('span', { class: 'visually-hidden' }, ' (current step)') : null);
    }));
}

async function renderStep(n, container) {
  const step = STEPS[n - 1];
  const blocked = h('p', { class: 'blocked', 'data-test': 'next-blocked', 'aria-live': 'polite', hidden: true });
  const back = h('button', { type: 'button', class: 'secondary', 'data-test': 'wizard-back', on: { click: () => navigate(n > 1 ? `#/new/${n - 1}` : '#/') } }, n > 1 ? '← Back' : 'Cancel');
  const next = h('button', { type: 'button', class: 'primary', 'data-test': 'wizard-next', 'aria-describedby': 'next-blocked' }, 'Next →');
  blocked.id = 'next-blocked';
  let canGoOn = false;
  next.addEventListener('click', () => {
    if (!canGoOn) { blocked.hidden = false; blocked.focus?.(); return; }
    navigate(`#/new/${n + 1}`);
  });
  const ctx = {
    state,
    /** Enables Next, or blocks it with a message saying why. */
    allowNext(ok, why = '') {
      canGoOn = !!ok;
      next.setAttribute('aria-disabled', ok ? 'false' : 'true');
      replace(blocked, ok ? '' : why);
      blocked.hidden = ok || !why;
    },
    hideNext() { next.hidden = true; },
    setNextLabel(text) { next.textContent = text; },
    goTo: (k) => navigate(`#/new/${k}`),
    refreshProgress: () => { const p = container.querySelector('.steps'); if (p) p.replaceWith(progress(n)); },
  };
  const body = h('div', { class: 'wizard-body', 'data-test': `wizard-body-${n}` });
  container.appendChild(page(`New certificate request — ${step.title}`,
    h('p', { class: 'hint' }, `Step ${n} of ${STEPS.length}: ${step.heading}`),
    progress(n),
    h('div', { class: 'card wizard', 'data-test': 'wizard' },
      h('h2', {}, step.heading), body,
      h('div', { class: 'wizard-actions' }, blocked, back,
        n === 1 && (state.realm || state.policy) ? h('button', { type: 'button', class: 'link', 'data-test': 'wizard-restart', on: { click: () => { resetWizard(); navigate('#/new/1'); } } }, 'Start again') : null,
        n < STEPS.length ? next : null))));
  ctx.allowNext(false);
  try {
    await step.render(body, ctx);
  } catch (e) {
    replace(body, problemView(e));
  }
}

export function register() {
  route('/new', () => navigate('#/new/1'));
  route('/new/:step', async ({ step }, container) => {
    const n = Number(step);
    if (!Number.isInteger(n) || n < 1 || n > STEPS.length) { navigate('#/new/1'); return; }
    const reachable = firstIncomplete();
    if (n > reachable) {
      container.appendChild(notice('Complete the earlier steps first.', 'warn'));
      navigate(`#/new/${reachable}`);
      return;
    }
    await renderStep(n, container);
  });
}
