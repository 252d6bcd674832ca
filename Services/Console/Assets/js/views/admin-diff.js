// Side-by-side line diff of two JSON documents (policy versions): both are pretty-printed with
// their object keys sorted, so only real changes show, then compared line by line (longest
// common subsequence). Pure functions plus one DOM builder.
import { h } from '../core/ui.js';

/** JSON with object keys sorted at every level and two-space indentation. */
export function stableStringify(value) {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/**
 * Line diff: a list of operations {op: 'same'|'del'|'add', left?, right?, leftNo?, rightNo?}
 * in order. Lines present in both are 'same'; a removed line only has left, an added one right.
 */
export function diffLines(leftText, rightText) {
  const a = leftText.split('\n');
  const b = rightText.split('\n');
  // Trim the common head and tail first: policy versions usually differ in a few lines.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  // lcs[i][j] = length of the LCS of midA[i:] and midB[j:].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops = [];
  for (let k = 0; k < start; k++) ops.push({ op: 'same', left: a[k], right: b[k], leftNo: k + 1, rightNo: k + 1 });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      ops.push({ op: 'same', left: midA[i], right: midB[j], leftNo: start + i + 1, rightNo: start + j + 1 });
      i++; j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push({ op: 'del', left: midA[i], leftNo: start + i + 1 });
      i++;
    } else {
      ops.push({ op: 'add', right: midB[j], rightNo: start + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) {
    ops.push({ op: 'same', left: a[endA + k], right: b[endB + k], leftNo: endA + k + 1, rightNo: endB + k + 1 });
  }
  return ops;
}

/**
 * Rows for a side-by-side view: a run of removals next to the run of additions that follows it
 * share rows (a changed line shows old left, new right); everything else has one side empty.
 */
export function sideBySide(ops) {
  const rows = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k].op === 'same') { rows.push({ kind: 'same', left: ops[k], right: ops[k] }); k++; continue; }
    const dels = [];
    const adds = [];
    while (k < ops.length && ops[k].op !== 'same') {
      (ops[k].op === 'del' ? dels : adds).push(ops[k]);
      k++;
    }
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      const left = dels[r] || null;
      const right = adds[r] || null;
      rows.push({ kind: left && right ? 'change' : left ? 'del' : 'add', left, right });
    }
  }
  return rows;
}

/** Counts of removed and added lines. */
export function diffStats(ops) {
  let removed = 0;
  let added = 0;
  for (const o of ops) { if (o.op === 'del') removed++; else if (o.op === 'add') added++; }
  return { removed, added };
}

/**
 * A table: line number, old text, line number, new text; removed lines marked "−" on a red
 * ground, added lines "+" on green (the marks keep it readable without colour).
 */
export function diffTable(leftDoc, rightDoc, { leftLabel, rightLabel, context = Infinity } = {}) {
  const ops = diffLines(stableStringify(leftDoc), stableStringify(rightDoc));
  const rows = sideBySide(ops);
  const stats = diffStats(ops);
  const keep = visibleRows(rows, context);
  const body = [];
  let skipped = 0;
  keep.forEach((show, index) => {
    if (!show) { skipped++; return; }
    if (skipped) { body.push(gapRow(skipped)); skipped = 0; }
    body.push(diffRow(rows[index]));
  });
  if (skipped) body.push(gapRow(skipped));
  const summary = stats.removed === 0 && stats.added === 0
    ? 'The two versions are identical.'
    : `${stats.removed} line${stats.removed === 1 ? '' : 's'} removed, ${stats.added} line${stats.added === 1 ? '' : 's'} added.`;
  return h('div', { class: 'diff', 'data-test': 'policy-diff' },
    h('p', { class: 'diff-summary', 'data-test': 'diff-summary', role: 'status' }, summary),
    h('div', { class: 'diff-scroll' },
      h('table', { class: 'diff-table' },
        h('caption', { class: 'visually-hidden' }, `Differences between ${leftLabel} and ${rightLabel}`),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', class: 'diff-no' }, '#'),
          h('th', { scope: 'col' }, leftLabel || 'old'),
          h('th', { scope: 'col', class: 'diff-no' }, '#'),
          h('th', { scope: 'col' }, rightLabel || 'new'))),
        h('tbody', {}, ...body))));
}

function visibleRows(rows, context) {
  if (!Number.isFinite(context)) return rows.map(() => true);
  const keep = rows.map(() => false);
  rows.forEach((row, index) => {
    if (row.kind === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(rows.length - 1, index + context); k++) keep[k] = true;
  });
  return keep;
}

function gapRow(count) {
  return h('tr', { class: 'diff-gap' },
    h('td', { colspan: '4' }, `… ${count} unchanged line${count === 1 ? '' : 's'} …`));
}

function diffRow(row) {
  if (row.kind === 'same') {
    return h('tr', { class: 'diff-same' },
      h('td', { class: 'diff-no' }, String(row.left.leftNo)), h('td', { class: 'diff-text' }, ' ' + row.left.left),
      h('td', { class: 'diff-no' }, String(row.right.rightNo)), h('td', { class: 'diff-text' }, ' ' + row.right.right));
  }
  const left = row.left
    ? [h('td', { class: 'diff-no diff-del' }, String(row.left.leftNo)),
      h('td', { class: 'diff-text diff-del', 'data-test': 'diff-removed' }, '−' + row.left.left)]
    : [h('td', { class: 'diff-no diff-empty' }, ''), h('td', { class: 'diff-text diff-empty' }, '')];
  const right = row.right
    ? [h('td', { class: 'diff-no diff-add' }, String(row.right.rightNo)),
      h('td', { class: 'diff-text diff-add', 'data-test': 'diff-added' }, '+' + row.right.right)]
    : [h('td', { class: 'diff-no diff-empty' }, ''), h('td', { class: 'diff-text diff-empty' }, '')];
  return h('tr', { class: `diff-${row.kind}` }, ...left, ...right);
}
