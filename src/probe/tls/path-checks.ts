import type { CertProblem } from '../../model/step-data.js';
import { KU, type CertFacts } from './cert-facts.js';
import { dnsMayTouch, dnsWithin, emailWithin, formatIp, formatSubtree, ipWithin, type Subtree } from './name-constraints.js';
import type { CandidatePath, PathElement } from './path-builder.js';
import { signatureAlgorithmOf, WEAK_SIGNATURE_ALGORITHMS } from './signature-algorithm.js';

/** Extended key usage OIDs (RFC 5280 §4.2.1.12). */
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_ANY = '2.5.29.37.0';
/** The other common purposes, by name, for the problem's detail. */
const EKU_NAMES: Record<string, string> = {
  [EKU_SERVER_AUTH]: 'serverAuth', [EKU_CLIENT_AUTH]: 'clientAuth', '1.3.6.1.5.5.7.3.3': 'codeSigning', '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping', '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

/** Minimum RSA modulus (CA/Browser Forum BR §6.1.5; NIST SP 800-57); it must also be a multiple of 8 bits. */
const MIN_RSA_BITS = 2048;
/** The curves the Web PKI allows for ECDSA keys (BR §6.1.5; Mozilla root store policy §5.1). */
const ALLOWED_CURVES: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

const DAY_MS = 86_400_000;

/**
 * pathProblems: what is wrong with one candidate path apart from the clock — RFC 5280 §6.1
 * path processing (CA flag, path length, name constraints, critical extensions), plus the
 * Web PKI rules OpenSSL does not apply and that matter for a relay: a CA certificate or a v1
 * certificate as the leaf, a leaf whose key usage or extended key usage does not allow TLS
 * server authentication, RSA keys under 2048 bits, curves other than P-256/384/521, explicit
 * curve parameters, SHA-1/MD5 signatures. Each problem is found independently.
 */
export function pathProblems(path: CandidatePath): CertProblem[] {
  const problems: CertProblem[] = [];
  const els = path.elements;
  els.forEach((el, i) => {
    const f = el.facts;
    const isAnchor = 'anchor' in el.source || (path.anchored && i === els.length - 1);
    const who = describe(el);
    const add = (detail: string, code: CertProblem['code'] = 'CERT_VERIFY_FAILED'): void => {
      problems.push(withIndex({ code, severity: 'critical', detail: `${who} ${detail}` }, el));
    };
    if (f.parseError) add(`cannot be read: ${f.parseError}`);
    if (f.unhandledCritical.length > 0) add(`has a critical extension no validator can process (${f.unhandledCritical.join(', ')}); RFC 5280 §4.2 requires rejecting it`);
    if (f.wronglyCritical.length > 0) add(`marks ${f.wronglyCritical.map(extName).join(' and ')} critical, which RFC 5280 §4.2.1.1/§4.2.1.2 forbid`);
    if (f.duplicateExtensions.length > 0) add(`carries the extension ${f.duplicateExtensions.join(', ')} more than once (RFC 5280 §4.2)`);
    if (f.nameConstraints && f.nameConstraints.permitted.length === 0 && f.nameConstraints.excluded.length === 0) {
      add('has a name constraints extension that constrains nothing, which RFC 5280 §4.2.1.10 forbids');
    }
    if (i > 0) problems.push(...issuerProblems(els, i, isAnchor));
    // Every key of the path signs what is below it, the trust anchor's too: a weak root key lets
    // anyone who breaks it issue for any name.
    if (f.explicitCurve) add('has an EC key with explicit curve parameters instead of a named curve (RFC 5480 §2.1.1)');
    const weak = weakKey(f);
    if (weak) problems.push(withIndex({ code: 'CERT_WEAK_KEY', severity: 'critical', detail: `${who} ${weak}` }, el));
    // A trust anchor's own signature and version are not what a client relies on (RFC 5280 §6.1).
    if (isAnchor) return;
    if (f.version < 3) add(`is an X.509 v${f.version} certificate; only v3 certificates can say what they may be used for`);
    const sig = signatureAlgorithmOf(f.cert.raw);
    if (sig && WEAK_SIGNATURE_ALGORITHMS.has(sig)) {
      problems.push(withIndex({ code: 'CERT_WEAK_SIGNATURE', severity: 'critical', detail: `${who} is signed with ${sig}, which no longer proves anything (collisions can be forged)` }, el));
    }
    if (i === 0) problems.push(...leafProblems(el));
    else if (f.eku && f.eku.length > 0 && !f.eku.includes(EKU_SERVER_AUTH) && !f.eku.includes(EKU_ANY)) {
      add(`may not issue TLS server certificates: its extended key usage allows only ${f.eku.map(ekuName).join(', ')}`);
    }
  });
  return problems;
}

/** When a certificate counts as expiring soon. */
export interface ExpiryLimits {
  warnDays: number;
  critDays: number;
  /** Also warn once no more than this percentage of the certificate's lifetime is left. */
  warnLifetimePct?: number;
}

/** dateProblems: the path's certificates — the trust anchor included — checked against `now`. */
export function dateProblems(path: CandidatePath, now: number, limits: ExpiryLimits): CertProblem[] {
  const problems: CertProblem[] = [];
  for (const el of path.elements) {
    const { notBefore: from, notAfter: to } = el.facts;
    const who = describe(el);
    if (now > to) {
      const ago = Math.floor((now - to) / DAY_MS);
      problems.push(withIndex({ code: 'CERT_EXPIRED', severity: 'critical', detail: `${who} expired ${iso(to)} (${ago} days ago)` }, el));
    } else if (now < from) {
      const until = Math.ceil((from - now) / DAY_MS);
      problems.push(withIndex({ code: 'CERT_NOT_YET_VALID', severity: 'critical', detail: `${who} is valid only from ${iso(from)} (in ${until} days)` }, el));
    } else {
      const left = Math.floor((to - now) / DAY_MS);
      const leftPct = to > from ? (100 * (to - now)) / (to - from) : 0;
      const byLifetime = limits.warnLifetimePct !== undefined && leftPct <= limits.warnLifetimePct;
      if (left <= limits.warnDays || byLifetime) {
        const severity = left <= limits.critDays ? 'critical' : 'warning';
        const share = byLifetime ? `, ${Math.floor(leftPct)}% of its ${Math.round((to - from) / DAY_MS)}-day lifetime` : '';
        problems.push(withIndex({ code: 'CERT_EXPIRES_SOON', severity, detail: `${who} expires ${iso(to)} (${left} days left${share})` }, el));
      }
    }
  }
  return problems;
}

/** The checks of a certificate as the issuer of the one below it, and of what it constrains. */
function issuerProblems(els: readonly PathElement[], i: number, isAnchor: boolean): CertProblem[] {
  const el = els[i] as PathElement;
  const f = el.facts;
  const problems: CertProblem[] = [];
  const who = describe(el);
  const add = (detail: string): void => {
    problems.push(withIndex({ code: 'CERT_VERIFY_FAILED', severity: 'critical', detail: `${who} ${detail}` }, el));
  };
  // A v1 self-signed root may act as a CA (it predates basicConstraints); nothing else may.
  const v1Root = isAnchor && f.version === 1 && f.selfIssued;
  if (f.ca !== true && !v1Root) add(`issued ${describe(els[i - 1] as PathElement)} but is not a CA (basicConstraints)`);
  if (f.subjectEmpty) add('is a CA with an empty subject name (RFC 5280 §4.1.2.6)');
  if (f.pathLen !== undefined) {
    // Certificates between this one and the leaf, not counting self-issued ones (RFC 5280 §6.1.4 (l)).
    const below = els.slice(1, i).filter((e) => !e.facts.selfIssued).length;
    if (below > f.pathLen) add(`allows ${f.pathLen} CA certificate${f.pathLen === 1 ? '' : 's'} below it (pathLenConstraint), but the path has ${below}`);
  }
  if (f.nameConstraints) {
    for (let j = 0; j < i; j++) {
      const sub = els[j] as PathElement;
      if (j > 0 && sub.facts.selfIssued) continue; // RFC 5280 §6.1.3 (b): self-issued intermediates are not checked
      const violation = nameViolation(sub.facts, f.nameConstraints.permitted, f.nameConstraints.excluded);
      if (violation) add(`constrains the names below it, and ${describe(sub)} ${violation}`);
    }
  }
  return problems;
}

function leafProblems(el: PathElement): CertProblem[] {
  const f = el.facts;
  const problems: CertProblem[] = [];
  const add = (detail: string): void => {
    problems.push(withIndex({ code: 'CERT_VERIFY_FAILED', severity: 'critical', detail: `the leaf certificate ${detail}` }, el));
  };
  if (f.ca === true) add('is a CA certificate (basicConstraints cA=TRUE); a server must present an end-entity certificate');
  if (f.nameConstraints) add('carries name constraints, which only a CA certificate may (RFC 5280 §4.2.1.10)');
  if (f.eku !== undefined) {
    if (f.eku.length === 0) add('has an empty extended key usage extension, which allows no purpose at all (RFC 5280 §4.2.1.12)');
    else if (!f.eku.includes(EKU_SERVER_AUTH) && !f.eku.includes(EKU_ANY)) {
      add(`is not for TLS servers: its extended key usage allows only ${f.eku.map(ekuName).join(', ')}`);
    }
  }
  if (f.keyUsage !== undefined && (f.keyUsage & (KU.digitalSignature | KU.keyEncipherment | KU.keyAgreement)) === 0) {
    add('has a key usage that allows neither digitalSignature, keyEncipherment nor keyAgreement, so it cannot serve TLS');
  }
  if (f.subjectEmpty && f.san.length === 0) add('has neither a subject name nor a subjectAltName');
  return problems;
}

/**
 * nameViolation: how `f`'s names break the subtrees, or undefined. Within each name type, a
 * name must lie in one of the permitted subtrees of its type (if there are any) and in none of
 * the excluded ones (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c)).
 */
export function nameViolation(f: CertFacts, permitted: readonly Subtree[], excluded: readonly Subtree[]): string | undefined {
  for (const s of f.san) {
    if (s.type === 'DNS') {
      const perm = permitted.filter((p): p is Extract<Subtree, { kind: 'dns' }> => p.kind === 'dns');
      if (perm.length > 0 && !perm.some((p) => dnsWithin(s.value.replace(/^\*\./, 'x.'), p.name) || dnsWithin(s.value, p.name))) {
        return `names DNS:${s.value}, outside the permitted ${perm.map(formatSubtree).join(', ')}`;
      }
      const ex = excluded.find((p) => p.kind === 'dns' && dnsMayTouch(s.value, p.name));
      if (ex) return `names DNS:${s.value}, inside the excluded ${formatSubtree(ex)}`;
    } else if (s.type === 'email') {
      const perm = permitted.filter((p): p is Extract<Subtree, { kind: 'email' }> => p.kind === 'email');
      if (perm.length > 0 && !perm.some((p) => emailWithin(s.value, p.name))) return `names email:${s.value}, outside the permitted ${perm.map(formatSubtree).join(', ')}`;
      const ex = excluded.find((p) => p.kind === 'email' && emailWithin(s.value, p.name));
      if (ex) return `names email:${s.value}, inside the excluded ${formatSubtree(ex)}`;
    }
  }
  for (const ip of f.sanIps) {
    const perm = permitted.filter((p): p is Extract<Subtree, { kind: 'ip' }> => p.kind === 'ip' && p.address.length === ip.length);
    if (perm.length > 0 && !perm.some((p) => ipWithin(ip, p.address, p.mask))) return `names IP:${formatIp(ip)}, outside the permitted ${perm.map(formatSubtree).join(', ')}`;
    const ex = excluded.find((p) => p.kind === 'ip' && ipWithin(ip, p.address, p.mask));
    if (ex) return `names IP:${formatIp(ip)}, inside the excluded ${formatSubtree(ex)}`;
  }
  return undefined;
}

/** weakKey: why the key is too weak for the Web PKI, or undefined. */
export function weakKey(f: CertFacts): string | undefined {
  let k: CertFacts['cert']['publicKey'];
  try {
    k = f.cert.publicKey;
  } catch (err) {
    return `has a public key that cannot be used (${(err as Error).message})`;
  }
  const type = k.asymmetricKeyType;
  const d = k.asymmetricKeyDetails;
  if (type === 'rsa' || type === 'rsa-pss' || type === 'dsa') {
    const bits = d?.modulusLength ?? 0;
    if (type === 'dsa') return `has a ${bits}-bit DSA key (DSA is no longer allowed for TLS certificates)`;
    if (bits < MIN_RSA_BITS) return `has a ${bits}-bit ${type.toUpperCase()} key (minimum ${MIN_RSA_BITS})`;
    return bits % 8 === 0 ? undefined : `has a ${bits}-bit ${type.toUpperCase()} key, not a whole number of bytes (CA/Browser Forum BR §6.1.5); such a key comes from broken key generation`;
  }
  if (type === 'ec') {
    const curve = d?.namedCurve;
    if (curve && ALLOWED_CURVES[curve] === undefined) return `has an EC key on ${curve}, not one of P-256, P-384, P-521`;
  }
  return undefined;
}

/** describe: how a problem's detail names a path element. */
export function describe(el: PathElement): string {
  if ('anchor' in el.source) return `the trust anchor ${oneLineName(el.facts.subject) || '(empty name)'}`;
  const i = el.source.sent;
  return i === 0 ? 'the leaf certificate' : `certificate #${i} of the chain`;
}

/** oneLineName: Node prints a DN one RDN per line; reports show it on one line. */
export function oneLineName(dn: string): string {
  return dn.split('\n').join(', ');
}

function withIndex(p: CertProblem, el: PathElement): CertProblem {
  return 'sent' in el.source ? { ...p, certIndex: el.source.sent } : p;
}

export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

function extName(oid: string): string {
  return oid === '2.5.29.35' ? 'the authority key identifier' : oid === '2.5.29.14' ? 'the subject key identifier' : oid;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
