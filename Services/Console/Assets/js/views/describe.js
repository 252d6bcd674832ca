// Plain-language descriptions of policies, keys, durations and request reasons.
import { keyText } from '../core/ui.js';

const UNIT_WORDS = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };

/** "72h" → "72 hours", "7d" → "7 days", "1h30m" → "1 hour 30 minutes". */
export function durationText(text) {
  if (!text) return '';
  const parts = [...String(text).matchAll(/(\d+)\s*([smhdw])/g)];
  if (!parts.length) return String(text);
  return parts.map(([, n, u]) => `${n} ${UNIT_WORDS[u]}${n === '1' ? '' : 's'}`).join(' ');
}

export function days(n) { return `${n} day${Number(n) === 1 ? '' : 's'}`; }

/** The key specs a policy allows, as keyGeneration strings: ['ec:P-256', 'rsa:3072', 'ed25519']. */
export function allowedKeySpecs(doc) {
  const t = (doc && doc.keyTemplate) || {};
  return [
    ...(t.ecCurves || []).map((c) => `ec:${c}`),
    ...(t.rsaBits || []).map((b) => `rsa:${b}`),
    ...(t.eddsa || []).map((e) => e.toLowerCase()),
  ];
}

/** "RSA 2048 or 3072 bit; EC curves P-256, P-384; Ed25519". */
export function keyTemplateText(doc) {
  const t = (doc && doc.keyTemplate) || {};
  const parts = [];
  if ((t.ecCurves || []).length) parts.push(`EC (elliptic curve) ${orList(t.ecCurves)}`);
  if ((t.rsaBits || []).length) parts.push(`RSA ${orList(t.rsaBits.map(String))} bit`);
  if ((t.eddsa || []).length) parts.push(`EdDSA ${orList(t.eddsa)}`);
  return parts.length ? parts.join('; ') : 'no key type (the policy cannot issue)';
}

function orList(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Words for a key spec with a hint of when to choose it. */
export function keySpecChoice(spec) {
  const [kind, param] = spec.split(':');
  const k = kind.toLowerCase();
  if (k === 'ec') {
    const hint = { 'P-256': 'Recommended: small, fast, supported everywhere.', 'P-384': 'Stronger elliptic curve, widely supported.', 'P-521': 'Strongest NIST curve; some clients do not support it.' }[param];
    return { title: `EC ${param}`, hint: hint || 'Elliptic curve key.' };
  }
  if (k === 'rsa') {
    const hint = Number(param) >= 3072 ? 'Strong RSA key; slower than EC, supported everywhere.' : 'Classic RSA key, supported by very old clients.';
    return { title: `RSA ${param} bit`, hint };
  }
  if (k === 'ed25519') return { title: 'Ed25519', hint: 'Modern and fast; not every TLS client accepts it yet.' };
  if (k === 'ed448') return { title: 'Ed448', hint: 'Modern EdDSA; support is limited.' };
  return { title: keyText(spec), hint: '' };
}

export function approvalText(approval) {
  const a = approval || {};
  if (a.mode === 'automatic') return 'Automatic: the certificate is issued as soon as the request passes the policy, without waiting for anyone.';
  if (a.mode === 'email') {
    return `E-mail verification: a link is sent to each e-mail address the certificate will carry; once every address is confirmed the certificate is issued. The link works for ${durationText(a.linkLifetime || '24h')}; after that the request expires.`;
  }
  if (a.mode === 'manual') {
    const n = a.approvers || 1;
    return `${n} approver${n === 1 ? '' : 's'} of the realm must approve (four-eyes principle${n === 1 ? ' not required' : ''}). If not approved within ${durationText(a.expiresAfter || '72h')}, the request expires.`;
  }
  return a.mode ? String(a.mode) : 'not stated';
}

const EKU_WORDS = {
  serverAuth: 'TLS server (web sites, APIs)',
  clientAuth: 'TLS client (log in to services)',
  codeSigning: 'code signing',
  emailProtection: 'e-mail protection (S/MIME)',
  timeStamping: 'time stamping',
  OCSPSigning: 'OCSP signing',
};
const KU_WORDS = {
  digitalSignature: 'digital signature', keyEncipherment: 'key encipherment', keyAgreement: 'key agreement',
  nonRepudiation: 'non-repudiation', contentCommitment: 'content commitment', dataEncipherment: 'data encipherment',
};

export function usageText(profile) {
  const p = profile || {};
  const eku = (p.extendedKeyUsage || []).map((x) => EKU_WORDS[x] || x);
  const ku = (p.keyUsage || []).map((x) => KU_WORDS[x] || x);
  return [eku.length ? `For ${eku.join(', ')}` : '', ku.length ? `key usage: ${ku.join(', ')}` : ''].filter(Boolean).join('; ');
}

export function constraintsText(c) {
  if (!c) return [];
  const out = [];
  if (c.allowedDNSSuffixes && c.allowedDNSSuffixes.length) out.push(`DNS names must be in ${orList(c.allowedDNSSuffixes)}`);
  if (c.allowedEmailDomains && c.allowedEmailDomains.length) out.push(`e-mail addresses must be at ${orList(c.allowedEmailDomains)}`);
  if (c.allowedIPRanges && c.allowedIPRanges.length) out.push(`IP addresses must be in ${orList(c.allowedIPRanges)}`);
  if (c.minSANs != null) out.push(`at least ${c.minSANs} alternative name${c.minSANs === 1 ? '' : 's'}`);
  if (c.maxSANs != null) out.push(`at most ${c.maxSANs} alternative name${c.maxSANs === 1 ? '' : 's'}`);
  for (const [name, rule] of Object.entries(c.attributes || {})) {
    const bits = [];
    if (rule.presence === 'required') bits.push('required');
    if (rule.presence === 'forbidden') bits.push('not allowed');
    if (rule.value) bits.push(`must be "${rule.value}"`);
    if (rule.pattern) bits.push(`must match ${rule.pattern}`);
    if (bits.length) out.push(`${ATTRIBUTE_LABELS[name] || name}: ${bits.join(', ')}`);
  }
  return out;
}

/** Rows for facts(): the policy in plain words. */
export function policyFacts(doc, version) {
  const v = doc.validity || {};
  const rows = [
    ['Issued by (CA)', doc.ca, 'policy-ca'],
    ['Allowed keys', keyTemplateText(doc), 'policy-keys'],
    ['Validity', `${days(v.defaultDays)} unless you ask for another duration; at most ${days(v.maxDays)}`, 'policy-validity'],
    ['Approval', approvalText(doc.approval), 'policy-approval'],
    ['Certificate use', usageText(doc.profile), 'policy-usage'],
  ];
  const constraints = constraintsText(doc.constraints);
  if (constraints.length) rows.push(['Rules for names', constraints.join('; '), 'policy-constraints']);
  if (doc.approval && doc.approval.automaticRenewal) rows.push(['Renewal', 'Renewals that change nothing are approved automatically.']);
  rows.push(['Server-generated keys', `kept encrypted for ${durationText(doc.keyRetention || '7d')} until you download them, then destroyed`]);
  if (doc.publicTLS) rows.push(['Public TLS', 'Publicly-trusted TLS profile: the CA/Browser Forum Baseline Requirements apply (RSA or EC keys, DNS names).']);
  if (doc.expiryWarnings && doc.expiryWarnings.length) rows.push(['Expiry warnings', `by e-mail ${doc.expiryWarnings.map(durationText).join(', ')} before it expires`]);
  if (version != null) rows.push(['Policy version', `version ${version}`, 'policy-version']);
  return rows;
}

export const ATTRIBUTE_LABELS = {
  commonName: 'Common name',
  email: 'E-mail',
  organization: 'Organisation',
  organizationalUnit: 'Organisational unit',
  country: 'Country',
  locality: 'Locality',
  state: 'State or province',
  dnsNames: 'DNS names',
  ipAddresses: 'IP addresses',
  uris: 'URIs',
  subjectAltNames: 'Alternative names',
};

export const SUBJECT_LABELS = { CN: 'Common name (CN)', O: 'Organisation (O)', OU: 'Organisational unit (OU)', C: 'Country (C)', L: 'Locality (L)', ST: 'State (ST)', E: 'E-mail (E)', emailAddress: 'E-mail' };
export const SAN_LABELS = { dns: 'DNS name', ip: 'IP address', email: 'E-mail address', uri: 'URI' };

export const REVOCATION_REASONS = [
  ['unspecified', 'No specific reason'],
  ['keyCompromise', 'The private key was (or may have been) exposed'],
  ['affiliationChanged', 'The name or organisation changed'],
  ['superseded', 'Replaced by another certificate'],
  ['cessationOfOperation', 'The service or device is no longer in use'],
  ['privilegeWithdrawn', 'The holder is no longer entitled to it'],
];

/** What the code prefix of a history reason or notice means, and what to do about it. */
const CODE_HINTS = {
  'ca-unavailable': { text: 'The certificate authority is not reachable at the moment.', fix: 'Nothing to do: CLM retries automatically. If it gives up, submit the request again later.', tone: 'wait' },
  'issuance-failed': { text: 'The certificate authority refused to issue the certificate.', fix: 'Check the reason; it usually means the request must be changed and submitted again.', tone: 'bad' },
  'unknown-ca': { text: 'The policy names a CA this installation does not run.', fix: 'Ask your realm administrator to fix the policy.', tone: 'bad' },
  'policy-mismatch': { text: 'The request does not satisfy the policy.', fix: 'Correct the named attribute of the end entity (or choose another policy) and submit again.', tone: 'bad' },
  'validation-failed': { text: 'The request failed validation.', fix: 'Correct what the reason names and submit again.', tone: 'bad' },
  'verification-mail-failed': { text: 'The verification e-mail could not be sent.', fix: 'Check that the end entity’s e-mail address is right, then submit again.', tone: 'bad' },
  'key-generation-failed': { text: 'The server could not generate the key.', fix: 'Submit again; if it keeps failing, contact support.', tone: 'bad' },
};

/** {code, text} of "code: text" reasons (code = lower-case-with-dashes). */
export function splitReason(reason) {
  const m = /^([a-z][a-z0-9-]+):\s*(.*)$/s.exec(reason || '');
  if (m && (m[1].includes('-') || CODE_HINTS[m[1]])) return { code: m[1], text: m[2] };
  return { code: '', text: reason || '' };
}

export function reasonHint(code) { return CODE_HINTS[code] || null; }
