// Wizard step 5: everything in words, then submit once (Idempotency-Key per wizard run).
import { h, replace, problemView, facts, notice, keyText } from '../core/ui.js';
import { api } from '../core/api.js';
import { navigate } from '../core/router.js';
import { requestBody, resetWizard } from './wizard.js';
import { approvalText, days, usageText } from './describe.js';
import { namesSummary } from './wizard-entities.js';

export async function renderReviewStep(body, ctx) {
  const { state } = ctx;
  const doc = state.policyDoc;
  const p = state.sourcePreview && state.sourcePreview.status === 'ok' ? state.sourcePreview.result
    : (state.entityPreview && state.entityPreview.status === 'ok' ? state.entityPreview.result : null);
  const keyWords = state.source === 'csr'
    ? `From your CSR${state.csrName ? ` (${state.csrName})` : ''}: ${p && p.csr ? p.csr.publicKey : 'its public key'}; only the public key is used`
    : `Generated on the server: ${keyText(state.keyGeneration)}; you download it once with the password you chose`;
  const validity = p && p.validityDays
    ? `${days(p.validityDays)}${p.validityNote ? ` — ${p.validityNote}` : ''}`
    : (state.validityDays ? days(state.validityDays) : `the policy default, ${days(doc.validity.defaultDays)}`);
  const edit = (n, label) => h('a', { href: `#/new/${n}`, class: 'small', 'data-test': `edit-step-${n}` }, label);
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'submit-status' });
  const submit = h('button', { type: 'button', class: 'primary large', 'data-test': 'wizard-submit' }, 'Submit request');

  submit.addEventListener('click', async () => {
    if (submit.disabled) return;
    submit.disabled = true;
    replace(status, h('p', { class: 'loading', role: 'status' }, 'Submitting…'));
    try {
      const created = await api('POST', `/v1/realms/${encodeURIComponent(state.realm)}/requests`, {
        body: requestBody({ withKey: true, withPassword: true }),
        headers: { 'Idempotency-Key': state.runKey },
      });
      const realm = created.realm || state.realm;
      resetWizard();
      navigate(`#/realms/${encodeURIComponent(realm)}/requests/${encodeURIComponent(created.id)}`);
    } catch (e) {
      replace(status, h('div', {},
        problemView(e, { testId: 'submit-problem' }),
        e.violations && e.violations.length ? h('p', {}, 'Go back to ', edit(3, 'the end entities'), ' or ', edit(4, 'the key'), ' to change what the policy objects to.') : null));
      submit.disabled = false;
    }
  });

  replace(body,
    h('p', {}, 'Check what you are about to request. Nothing has been sent yet.'),
    h('div', { class: 'card' },
      facts([
        ['Realm', h('span', {}, state.realm, ' ', edit(1, 'change'))],
        ['Policy', h('span', {}, `${doc.displayName || state.policy} (${state.policy}, version ${state.policyVersion})`, ' ', edit(2, 'change')), 'review-policy'],
        ['Issued by (CA)', doc.ca],
        ['End entities', h('span', {}, state.entities.join(', '), ' ', edit(3, 'change')), 'review-entities'],
        ['Key', h('span', {}, keyWords, ' ', edit(4, 'change')), 'review-key'],
        ['Certificate use', usageText(doc.profile)],
        ['Validity', validity, 'review-validity'],
        ['What happens next', approvalText(doc.approval), 'review-approval'],
      ], 'review-facts')),
    p ? namesSummary(p, 'review-names') : notice('The console could not preview the names; the server decides them from the end entities when you submit.', 'warn', 'review-names-unknown'),
    state.source === 'server' ? notice('Remember your download password: without it the key cannot be downloaded, and nobody can recover it.', 'warn', 'review-password-warning') : null,
    h('div', { class: 'row' }, submit),
    status);
  ctx.hideNext();
}
