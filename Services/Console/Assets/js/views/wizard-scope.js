// Wizard steps 1 (realm) and 2 (policy).
import { h, replace, problemView, facts, loading, notice, formatDate } from '../core/ui.js';
import { api } from '../core/api.js';
import { hasPlatformRole } from '../core/session.js';
import { realmsWithRoleOrGrant, loadRealms, ROLE_LABELS } from '../core/realms.js';
import { policyFacts, keyTemplateText, allowedKeySpecs, days } from './describe.js';

function radioOption({ name, value, checked, title, detail, testId, onChange }) {
  const input = h('input', { type: 'radio', name, value, checked, 'data-test': testId, on: { change: onChange } });
  const id = `${name}-${value}`.replace(/[^A-Za-z0-9_-]/g, '_');
  input.id = id;
  return h('label', { class: 'option', for: id, 'data-test': `${testId}-option`, 'data-value': value },
    input, h('span', { class: 'option-body' }, h('span', { class: 'option-title' }, title), detail ? h('span', { class: 'hint' }, ' ', detail) : null));
}

export async function renderRealmStep(body, ctx) {
  const { state } = ctx;
  replace(body, loading('Loading your realms…'));
  const realms = await realmsWithRoleOrGrant('requester');
  if (!realms.length) {
    const all = await loadRealms();
    const admin = hasPlatformRole('platform-admin');
    replace(body, notice(admin
      ? 'You are a platform administrator, but you hold no requester role in any realm. Platform administration does not include requesting certificates: ask the administrator of a realm to give you the requester role there.'
      : `You hold no requester role in any realm${all.length ? ` (you see ${all.map((r) => r.realm).join(', ')} with other roles)` : ''}. Ask a realm administrator to give you the requester role.`,
    'warn', 'no-requester-realm'));
    ctx.allowNext(false, 'You cannot request certificates without the requester role in a realm.');
    return;
  }
  if (state.realm && !realms.some((r) => r.realm === state.realm)) state.realm = null;
  if (!state.realm && realms.length === 1) state.realm = realms[0].realm;
  const update = () => ctx.allowNext(!!state.realm, 'Choose a realm first.');
  const choose = (realm) => {
    if (state.realm !== realm) {
      state.realm = realm;
      state.policy = null; state.policyDoc = null; state.policyVersion = null;
      state.entities = []; state.entityPreview = null; state.sourcePreview = null; state.keyGeneration = null;
    }
    update();
  };
  replace(body,
    h('p', {}, 'A realm is the part of your organisation the certificate belongs to. It decides which policies and end entities you can choose.'),
    h('fieldset', { 'data-test': 'realm-list' },
      h('legend', {}, 'Realm'),
      h('div', { class: 'options' }, realms.map((r) => radioOption({
        name: 'realm', value: r.realm, checked: state.realm === r.realm, testId: 'realm',
        title: r.displayName && r.displayName !== r.realm ? `${r.displayName} (${r.realm})` : r.realm,
        detail: r.roles ? `Your roles: ${r.roles.map((x) => ROLE_LABELS[x] || x).join(', ')}` : 'Your roles come from a realm membership.',
        onChange: () => choose(r.realm),
      })))));
  update();
}

function policyOptionDetail(p) {
  const d = p.document || {};
  return `${approvalShort(d.approval)} · keys: ${keyTemplateText(d)} · ${days(d.validity?.defaultDays)} (max ${days(d.validity?.maxDays)}) · version ${p.version}`;
}

function approvalShort(a) {
  if (!a) return '';
  if (a.mode === 'automatic') return 'issued automatically';
  if (a.mode === 'email') return 'e-mail verification';
  if (a.mode === 'manual') return `${a.approvers || 1} approver${(a.approvers || 1) === 1 ? '' : 's'}`;
  return a.mode;
}

export async function renderPolicyStep(body, ctx) {
  const { state } = ctx;
  replace(body, loading('Loading the policies…'));
  const realm = encodeURIComponent(state.realm);
  const list = await api('GET', `/v1/realms/${realm}/policies`);
  const policies = (Array.isArray(list) ? list : []).sort((a, b) => a.policy.localeCompare(b.policy));
  if (!policies.length) {
    replace(body, notice(`Realm ${state.realm} has no policies yet. Ask its administrator to create one.`, 'warn', 'no-policies'));
    ctx.allowNext(false, 'There is no policy to choose.');
    return;
  }
  const detail = h('div', { class: 'policy-detail', 'data-test': 'policy-detail', 'aria-live': 'polite' });
  const update = () => ctx.allowNext(!!(state.policy && state.policyDoc), 'Choose a policy first.');

  const showDetail = async (id) => {
    replace(detail, loading('Loading the policy…'));
    try {
      const snap = await api('GET', `/v1/realms/${realm}/policies/${encodeURIComponent(id)}`);
      if (state.policy !== id) return;
      if (state.policyVersion !== snap.version) {
        // Another version than before: what was chosen for the key may no longer be allowed.
        state.entityPreview = null; state.sourcePreview = null;
      }
      state.policyDoc = snap.document;
      state.policyVersion = snap.version;
      if (state.keyGeneration && !allowedKeySpecs(snap.document).includes(state.keyGeneration)) state.keyGeneration = null;
      const d = snap.document;
      replace(detail,
        h('h3', {}, d.displayName || snap.policy),
        h('p', { class: 'hint' }, `Policy ${snap.policy}, version ${snap.version}${snap.createdAt ? `, published ${formatDate(snap.createdAt)}` : ''}. Your request is judged against this version.`),
        facts(policyFacts(d, snap.version), 'policy-facts'));
    } catch (e) {
      if (state.policy !== id) return;
      state.policyDoc = null;
      replace(detail, problemView(e));
    }
    update();
  };

  const choose = (id) => {
    if (state.policy !== id) {
      state.policy = id; state.policyDoc = null; state.policyVersion = null;
      state.entityPreview = null; state.sourcePreview = null;
    }
    update();
    showDetail(id);
  };

  replace(body,
    h('p', {}, 'A policy fixes what the certificate can be used for, which keys are allowed, how long it is valid and who must approve it.'),
    h('fieldset', { 'data-test': 'policy-list' },
      h('legend', {}, 'Policy'),
      h('div', { class: 'options' }, policies.map((p) => radioOption({
        name: 'policy', value: p.policy, checked: state.policy === p.policy, testId: 'policy',
        title: p.document?.displayName ? `${p.document.displayName} (${p.policy})` : p.policy,
        detail: policyOptionDetail(p),
        onChange: () => choose(p.policy),
      })))),
    detail);
  if (state.policy && !policies.some((p) => p.policy === state.policy)) { state.policy = null; state.policyDoc = null; }
  if (!state.policy && policies.length === 1) state.policy = policies[0].policy;
  if (state.policy) {
    body.querySelector(`input[name=policy][value="${CSS.escape(state.policy)}"]`).checked = true;
    await showDetail(state.policy);
  }
  update();
}
