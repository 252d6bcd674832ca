// The audit trail's hash chain, recomputed in the browser exactly as `clm audit verify` does
// (Shared/Crypto/AuditChain.swift): a record's hash is lower-case hex SHA-256 over its previous
// hash and its fields [service, realm, sequence, at, actor, action, target, details], each
// written as `<UTF-8 byte count>:<bytes>\n`; sequences run from 1 without gaps and the first
// record's previous hash is 64 zeros.

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_SERVICES = ['registry', 'intake', 'approval', 'keygen', 'ca-gateway'];
export const PAGE_LIMIT = 1000;

/** Whether this page can hash (crypto.subtle exists only in secure contexts: HTTPS, localhost). */
export function canVerify() {
  return typeof crypto !== 'undefined' && !!crypto.subtle && typeof crypto.subtle.digest === 'function';
}

/** The fields the hash covers after the previous hash, in order (AuditRecord.chainFields). */
export function chainFields(record) {
  return [record.service, record.realm, String(record.sequence), record.at, record.actor, record.action,
    record.target, record.details];
}

const encoder = new TextEncoder();

/** The bytes that are hashed: previous hash and fields, each `<byte count>:<bytes>\n`. */
export function hashInput(previous, fields) {
  const parts = [];
  let total = 0;
  for (const field of [previous, ...fields]) {
    const bytes = encoder.encode(String(field));
    const prefix = encoder.encode(`${bytes.length}:`);
    parts.push(prefix, bytes, Uint8Array.of(0x0a));
    total += prefix.length + bytes.length + 1;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) { out.set(part, offset); offset += part.length; }
  return out;
}

/** Lower-case hex SHA-256 of the chained input. */
export async function chainHash(previous, fields) {
  const digest = await crypto.subtle.digest('SHA-256', hashInput(previous, fields));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The first record that does not fit, as {sequence, reason}, or null when the chain holds.
 * Same checks and order as AuditChain.firstBreak, then the CLI's "written by another service".
 */
export async function firstBreak(records, service) {
  let expectedPrevious = GENESIS_HASH;
  let expectedSequence = 1;
  for (const record of records) {
    if (record.sequence !== expectedSequence) {
      return { sequence: record.sequence,
        reason: `expected record ${expectedSequence} here: a record is missing or out of place` };
    }
    if (record.previousHash !== expectedPrevious) {
      return { sequence: record.sequence, reason: 'its previous hash does not match the record before it' };
    }
    const computed = await chainHash(record.previousHash, chainFields(record));
    if (computed !== record.hash) {
      return { sequence: record.sequence, reason: 'its content does not match its hash (changed after writing)' };
    }
    expectedPrevious = record.hash;
    expectedSequence += 1;
  }
  if (service) {
    const foreign = records.find((r) => r.service !== service);
    if (foreign) return { sequence: foreign.sequence, reason: `written by ${foreign.service}, served by ${service}` };
  }
  return null;
}

/**
 * Every record of one service's trail, page by page (`?after=<last sequence>&limit=1000`) like
 * the CLI. `fetchPage(after)` returns one page (an array).
 */
export async function allRecords(fetchPage) {
  const records = [];
  for (;;) {
    const after = records.length ? records[records.length - 1].sequence : 0;
    const page = await fetchPage(after);
    if (!Array.isArray(page)) throw new Error('the audit trail answered something other than a list');
    records.push(...page);
    if (page.length < PAGE_LIMIT) return records;
  }
}
