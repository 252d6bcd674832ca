// Wizard step 3: the end entities, judged against the policy by the preview endpoint.
import { h, replace, problemView, loading, notice } from '../core/ui.js';
import { api } from '../core/api.js';
import { preview, requestBody, nonKeyViolations } from './wizard.js';
import { ATTRIBUTE_LABELS, SUBJECT_LABELS, SAN_LABELS } from './describe.js';

const ATTR_ORDER = ['commonName', 'email', 'organization', 'organizationalUnit', 'country', 'locality', 'state', 'dnsNames', 'ipAddresses', 'uris'];
const KIND_WORDS = { person: 'Person', device: 'Device', service: 'Service' };

/** "www.commonName" → {entity: 'www', attr: 'commonName'} given the chosen entity ids. */
export function locateViolation(attribute, chosen) {
  const a = String(attribute || '');
  if (chosen.length > 1) {
    const owner = chosen.filter((id) => a.startsWith(`${id}.`)).sort((x, y) => y.length - x.length)[0];
    if (owner) return { entity: owner, attr: a.slice(owner.length + 1) };
    return { entity: null, attr: a };
  }
  if (chosen.length === 1 && a.startsWith(`${chosen[0]}.`)) return { entity: chosen[0], attr: a.slice(chosen[0].length + 1) };
  return { entity: chosen.length === 1 && ATTR_ORDER.includes(a.replace(/\[\d+\]$/, '')) ? chosen[0] : null, attr: a };
}

function attrValue(value) {
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

function entityCard(snap, checked, onToggle) {
  const e = snap.entity || snap;
  const attrs = e.attributes || {};
  const input = h('input', { type: 'checkbox', id: `entity-${e.id}`, value: e.id, checked, 'data-test': 'entity-checkbox', on: { change: onToggle } });
  const list = h('ul', { class: 'entity-attrs', 'data-test': 'entity-attributes' },
    ATTR_ORDER.filter((k) => attrs[k] !== undefined && attrs[k] !== null && !(Array.isArray(attrs[k]) && !attrs[k].length))
      .map((k) => h('li', { 'data-attr': k, 'data-test': `attr-${k}` },
        h('span', { class: 'attr-name' }, `${ATTRIBUTE_LABELS[k] || k}: `), h('span', { class: 'attr-value' }, attrValue(attrs[k])))));
  return h('div', { class: 'option entity', 'data-test': 'entity', 'data-entity': e.id },
    input,
    h('div', { class: 'option-body' },
      h('label', { for: input.id, class: 'option-title' }, e.id, ' ', h('span', { class: 'badge badge-muted' }, KIND_WORDS[e.kind] || e.kind || 'entity')),
      list,
      h('div', { class: 'entity-violations', 'data-test': 'entity-violations' })));
}

/** Puts each violation next to the attribute it names (or in the general list). */
function showViolations(cards, general, violations, chosen) {
  cards.forEach((card) => {
    card.querySelectorAll('.violation').forEach((v) => v.remove());
    card.querySelectorAll('li.attr-bad').forEach((li) => li.classList.remove('attr-bad'));
    card.querySelectorAll('li[data-missing]').forEach((li) => li.remove());
  });
  replace(general);
  const leftover = [];
  for (const v of violations) {
    const where = locateViolation(v.attribute, chosen);
    const card = where.entity && cards.find((c) => c.dataset.entity === where.entity);
    if (!card) { leftover.push(v); continue; }
    const base = where.attr.replace(/\[\d+\]$/, '');
    let li = card.querySelector(`li[data-attr="${CSS.escape(base)}"]`);
    if (!li) {
      li = h('li', { 'data-attr': base, 'data-missing': '', 'data-test': `attr-${base}` },
        h('span', { class: 'attr-name' }, `${ATTRIBUTE_LABELS[base] || base}: `), h('span', { class: 'attr-value hint' }, '(not set)'));
      card.querySelector('.entity-attrs').appendChild(li);
    }
    li.classList.add('attr-bad');
    li.appendChild(h('span', { class: 'violation', 'data-test': 'violation', 'data-attribute': v.attribute }, v.rule));
  }
  const placed = violations.length - leftover.length;
  if (leftover.length) {
    general.appendChild(h('div', { class: 'problem', 'data-test': 'general-violations' },
      h('p', { class: 'problem-title' }, 'The policy also objects to:'),
      h('ul', { class: 'problem-violations' }, leftover.map((v) => h('li', { 'data-test': 'violation', 'data-attribute': v.attribute },
        `${ATTRIBUTE_LABELS[v.attribute] || v.attribute}: ${v.rule}`)))));
  }
  return { placed, listed: leftover.length };
}

/** "The certificate will say" from a preview result. */
export function namesSummary(result, testId = 'names-preview') {
  const subject = result.subject || [];
  const sans = result.alternativeNames || [];
  if (!subject.length && !sans.length) return null;
  return h('div', { class: 'card', 'data-test': testId },
    h('h3', {}, 'The certificate will carry'),
    h('dl', { class: 'facts' },
      subject.map((a) => [h('dt', {}, SUBJECT_LABELS[a.type] || a.type), h('dd', { 'data-test': `subject-${a.type}` }, a.value)]),
      sans.map((n) => [h('dt', {}, SAN_LABELS[n.kind] || n.kind), h('dd', { 'data-test': `san-${n.kind}` }, n.value)])));
}

export async function renderEntitiesStep(body, ctx) {
  const { state } = ctx;
  replace(body, loading('Loading the end entities…'));
  const list = await api('GET', `/v1/realms/${encodeURIComponent(state.realm)}/end-entities`);
  const snaps = (Array.isArray(list) ? list : []).sort((a, b) => (a.entity || a).id.localeCompare((b.entity || b).id));
  if (!snaps.length) {
    replace(body, notice(`Realm ${state.realm} has no end entities. A realm administrator must add the person, device or service first.`, 'warn', 'no-entities'));
    ctx.allowNext(false, 'There is no end entity to choose.');
    return;
  }
  const known = new Set(snaps.map((s) => (s.entity || s).id));
  state.entities = state.entities.filter((id) => known.has(id));
  const status = h('div', { 'aria-live': 'polite', 'data-test': 'entities-status' });
  const general = h('div', {});
  const names = h('div', {});
  let timer = null;
  const cards = snaps.map((s) => entityCard(s, state.entities.includes((s.entity || s).id), () => {
    state.entities = cards.filter((c) => c.querySelector('input').checked).map((c) => c.dataset.entity);
    state.entityPreview = null; state.sourcePreview = null;
    clearTimeout(timer);
    timer = setTimeout(check, 200);
    judge();
  }));

  const judge = () => {
    const p = state.entityPreview;
    if (!state.entities.length) { replace(status); showViolations(cards, general, [], []); replace(names); ctx.allowNext(false, 'Choose at least one end entity.'); return; }
    if (!p) { replace(status, loading('Checking against the policy…')); ctx.allowNext(false, 'Wait for the check against the policy to finish.'); return; }
    if (p.status === 'unavailable') {
      replace(status, notice('The console could not check this before submission; the server will judge the request when you submit it.', 'warn', 'preview-unavailable'));
      ctx.allowNext(true); return;
    }
    if (p.status === 'error') {
      replace(status, problemView(p.error, { testId: 'preview-problem' }));
      ctx.allowNext(false, 'The check against the policy failed; see the message above.'); return;
    }
    const violations = nonKeyViolations(p.result);
    const { placed, listed } = showViolations(cards, general, violations, state.entities);
    replace(names, violations.length ? null : namesSummary(p.result));
    if (violations.length) {
      const where = placed && listed ? 'marked in red next to the attributes concerned, and listed below'
        : (placed ? `marked in red next to the attribute${placed === 1 ? '' : 's'} concerned` : 'listed below');
      replace(status, notice(`These end entities do not satisfy policy ${state.policy}: ${violations.length} problem${violations.length === 1 ? '' : 's'}, ${where}. A realm administrator must correct the end entity, or choose another end entity or policy.`, 'error', 'mismatch'));
      ctx.allowNext(false, 'You cannot continue: the chosen end entities do not satisfy the policy (see the marked attributes).');
    } else {
      replace(status, notice(`These end entities satisfy policy ${state.policy}.`, 'ok', 'entities-ok'));
      ctx.allowNext(true);
    }
  };

  const check = async () => {
    if (!state.entities.length) { judge(); return; }
    const outcome = await preview(requestBody({ withKey: false }));
    if (outcome.status === 'stale') return;
    state.entityPreview = outcome;
    judge();
  };

  const filter = snaps.length > 6 ? h('input', { type: 'search', id: 'entity-filter', 'data-test': 'entity-filter', placeholder: 'name, DNS name, e-mail…',
    on: { input: () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      cards.forEach((c) => { c.hidden = !c.querySelector('input').checked && !words.every((w) => c.textContent.toLowerCase().includes(w)); });
    } } }) : null;
  replace(body,
    h('p', {}, 'End entities are the people, devices and services your organisation has registered. The certificate’s names come only from the end entities you choose here; you cannot type them in.'),
    filter ? h('div', { class: 'field' }, h('label', { for: 'entity-filter' }, 'Find an end entity'), filter) : null,
    h('fieldset', { 'data-test': 'entity-list' }, h('legend', {}, 'End entities'), h('div', { class: 'options' }, cards)),
    status, general, names);
  if (state.entities.length && !state.entityPreview) await check(); else judge();
}
