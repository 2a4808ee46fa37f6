import { createHash, type X509Certificate } from 'node:crypto';
import type { CertProblem, CertSummary } from '../../model/step-data.js';
import type { TlsVerify } from '../../model/target.js';
import { ipFamily } from '../ip-family.js';
import { certFacts, type CertFacts } from './cert-facts.js';
import { hostnameMatches } from './hostname-match.js';
import { buildPaths, isSelfSigned, type CandidatePath, type PathElement } from './path-builder.js';
import { dateProblems, oneLineName, pathProblems, type ExpiryLimits } from './path-checks.js';
import { signatureAlgorithmOf } from './signature-algorithm.js';
import { TrustStore } from './trust-store.js';

export { splitPem } from './trust-store.js';

const DAY_MS = 86_400_000;

type ProblemCode = CertProblem['code'];

/** Codes that fail the `chain` verify level (and so `domain` too), whatever their severity. */
const CHAIN_FAILURES: ReadonlySet<ProblemCode> = new Set([
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SELF_SIGNED', 'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE', 'CERT_VERIFY_FAILED',
]);
/** Codes that fail the `chain` level when critical (weak keys and signatures; warnings never fail). */
const CRITICAL_CHAIN_FAILURES: ReadonlySet<ProblemCode> = new Set(['CERT_WEAK_KEY', 'CERT_WEAK_SIGNATURE']);

/**
 * Which problem names a failed verification best, most important first: dates are what an
 * operator fixes most often, then trust, then the name.
 */
const IMPORTANCE: readonly ProblemCode[] = [
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SELF_SIGNED', 'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE',
  'CERT_HOSTNAME_MISMATCH', 'CERT_VERIFY_FAILED', 'CERT_WEAK_KEY', 'CERT_WEAK_SIGNATURE', 'CERT_EXPIRES_SOON',
];

/** Security strength of named curves in bits of key size, as OpenSSL names them. */
const CURVE_BITS: Record<string, number> = {
  prime192v1: 192, secp192k1: 192, secp224r1: 224, secp224k1: 224, prime256v1: 256, secp256k1: 256,
  secp384r1: 384, secp521r1: 521, brainpoolP256r1: 256, brainpoolP384r1: 384, brainpoolP512r1: 512,
};

export interface ChainAnalysisOptions {
  /** The name the certificate must be for (`--tls-domain`, else the target host); may be an IP literal. */
  servername: string;
  verify: TlsVerify;
  /** Extra trusted roots (PEM, each may hold several certificates), added to the system roots. */
  extraCa: string[];
  /** epoch ms */
  now: number;
  warnDays: number;
  critDays: number;
  /** Also warn once no more than this percentage of a certificate's lifetime is left. */
  warnLifetimePct?: number;
  /** A store already built from the same `extraCa` (saves parsing the system roots again). */
  trustStore?: TrustStore;
}

export interface ChainAnalysis {
  chain: CertSummary[];
  problems: CertProblem[];
  verifyPassed: boolean;
  /** Indices in `chain` of the certificates the server sent that the judged path does not use. */
  unused: number[];
  /** Where the judged path ends, when it reaches a trust anchor: a `--ca` certificate or a system root. */
  anchor?: 'ca' | 'system';
}

/**
 * summarizeCert: one certificate as the report shows it. `now` gives `daysLeft`.
 */
export function summarizeCert(cert: X509Certificate, now: number): CertSummary {
  return summarize(certFacts(cert), now);
}

function summarize(f: CertFacts, now: number): CertSummary {
  const cert = f.cert;
  const key = safe(() => keyOf(cert), {});
  const s: CertSummary = {
    subject: oneLineName(f.subject),
    issuer: oneLineName(f.issuer),
    serial: safe(() => cert.serialNumber, ''),
    fingerprint256: cert.fingerprint256,
    validFrom: new Date(f.notBefore).toISOString(),
    validTo: new Date(f.notAfter).toISOString(),
    san: f.san.filter((e) => e.type !== 'other').map(({ type, value }) => `${type}:${value}`),
    selfSigned: isSelfSigned(cert),
    isCA: f.ca === true,
    daysLeft: Math.floor((f.notAfter - now) / DAY_MS),
  };
  if (key.type) s.keyType = key.type;
  if (key.bits) s.keyBits = key.bits;
  const sig = signatureAlgorithmOf(cert.raw);
  if (sig) s.signatureAlgorithm = sig;
  return s;
}

/**
 * analyzeChain: every problem of the certificates the server presented, each found
 * independently — unlike OpenSSL, which stops at its first verify error. The path is built,
 * not walked (buildPaths): of every candidate path to a trust anchor, the one with the fewest
 * failing problems is judged, so an extra expired cross-signed certificate does not fail a
 * good chain, and certificates the server sent but the path does not use are listed in
 * `unused`. Checks: RFC 5280 §6.1 path processing (names, key identifiers, signatures, CA
 * flag, path length, name constraints, critical extensions), dates of every certificate of
 * the path including the anchor, the purpose (key usage and extended key usage), the name
 * (RFC 6125, without the subject-CN fallback), and the Web PKI rules on keys and signatures.
 *
 * This is one of the two judges of the certificate: the handshake also asks OpenSSL (see
 * validator-verdict.ts); credentials go only where both accept.
 *
 * @param presented the certificates as the server sent them, leaf first.
 */
export function analyzeChain(presented: X509Certificate[], opts: ChainAnalysisOptions): ChainAnalysis {
  const leaf = presented[0];
  if (!leaf) {
    return { chain: [], problems: [{ code: 'CERT_VERIFY_FAILED', severity: 'critical', detail: 'the server presented no certificate' }], verifyPassed: opts.verify === 'none', unused: [] };
  }
  const store = opts.trustStore ?? TrustStore.from(opts.extraCa);
  const facts = store.remember(chainKey(presented, opts.servername), () => timelessFacts(presented, opts.servername, store));

  const chain = facts.summaries.map((s, i) => ({ ...s, san: [...s.san], daysLeft: Math.floor(((facts.presented[i] as CertFacts).notAfter - opts.now) / DAY_MS) }));
  const limits: ExpiryLimits = { warnDays: opts.warnDays, critDays: opts.critDays };
  if (opts.warnLifetimePct !== undefined) limits.warnLifetimePct = opts.warnLifetimePct;
  const best = choosePath(facts.paths, opts.now, limits);
  const problems: CertProblem[] = [...dateProblems(best.path, opts.now, limits), ...facts.nameProblems.map((p) => ({ ...p })), ...best.timeless.map((p) => ({ ...p }))];
  const used = new Set(best.path.elements.flatMap((e) => ('sent' in e.source ? [e.source.sent] : [])));
  const unused = presented.map((_, i) => i).filter((i) => !used.has(i));
  const analysis: ChainAnalysis = { chain, problems, verifyPassed: verifyPasses(problems, opts.verify), unused };
  const top = best.path.elements[best.path.elements.length - 1];
  if (best.path.anchored && top) analysis.anchor = store.hasOwn(top.facts.cert) ? 'ca' : 'system';
  return analysis;
}

/** A candidate path with the problems it has whatever the clock says. */
interface JudgedPath {
  path: CandidatePath;
  timeless: readonly CertProblem[];
}

/**
 * TimelessFacts: what analyzeChain finds that depends only on the certificates, the name and
 * the trust store — not on the clock. The probes of a run see the same few chains again and
 * again, so these are kept on the run's TrustStore (TrustStore.remember), keyed by the DER of
 * the chain as sent and the name; parsing, signature checks and path building then happen
 * once per chain instead of once per probe.
 */
interface TimelessFacts {
  presented: readonly CertFacts[];
  /** Summaries; daysLeft is recomputed for each probe's `now`. */
  summaries: readonly CertSummary[];
  paths: readonly JudgedPath[];
  /** The name check of the leaf. */
  nameProblems: readonly CertProblem[];
}

function chainKey(presented: readonly X509Certificate[], servername: string): string {
  const h = createHash('sha256').update(servername).update('\0');
  for (const c of presented) h.update(c.raw);
  return `${presented.length}:${h.digest('base64')}`;
}

function timelessFacts(presented: X509Certificate[], servername: string, store: TrustStore): TimelessFacts {
  const facts = presented.map(certFacts);
  // daysLeft is filled per probe; summarizing with now = 0 keeps the key in its place.
  const summaries = facts.map((f) => summarize(f, 0));
  const nameProblem = hostnameProblem(facts[0] as CertFacts, servername);
  // The `--ca` anchors first: a chain that ends there never parses the ~140 system roots.
  let paths = judge(buildPaths(facts, { has: (c) => store.hasOwn(c), candidatesFor: (c) => store.ownCandidatesFor(c) }));
  if (!paths.some((p) => p.path.anchored && !p.timeless.some((x) => failsAt(x, 'chain')))) {
    paths = judge(buildPaths(facts, store));
  }
  return { presented: facts, summaries, paths, nameProblems: nameProblem ? [nameProblem] : [] };
}

function judge(paths: CandidatePath[]): JudgedPath[] {
  return paths.map((path) => ({ path, timeless: [...trustProblems(path), ...pathProblems(path)] }));
}

/**
 * choosePath: the path to judge the server by — one that reaches a trust anchor if any does,
 * then the one with the fewest failing problems at this instant, then the shortest.
 */
function choosePath(paths: readonly JudgedPath[], now: number, limits: ExpiryLimits): JudgedPath {
  let best: { p: JudgedPath; score: number[] } | undefined;
  for (const p of paths) {
    const all = [...p.timeless, ...dateProblems(p.path, now, limits)];
    const score = [p.path.anchored ? 0 : 1, all.filter((x) => failsAt(x, 'chain')).length, all.length, p.path.elements.length];
    if (!best || lexLess(score, best.score)) best = { p, score };
  }
  return (best as { p: JudgedPath }).p;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

/** trustProblems: why a path that reaches no trust anchor is untrusted. */
function trustProblems(path: CandidatePath): CertProblem[] {
  if (path.anchored) return [];
  const top = path.elements[path.elements.length - 1] as PathElement;
  const index = 'sent' in top.source ? top.source.sent : 0;
  const name = oneLineName(top.facts.subject) || '(empty name)';
  if (path.end === 'self-signed') {
    return path.elements.length === 1
      ? [{ code: 'CERT_SELF_SIGNED', severity: 'critical', certIndex: 0, detail: `the certificate is self-signed (${name}) and not in the trust store` }]
      : [{ code: 'CERT_UNTRUSTED_ROOT', severity: 'critical', certIndex: index, detail: `the chain ends at the self-signed root ${name}, which is not in the trust store` }];
  }
  const issuer = oneLineName(top.facts.issuer) || '(empty name)';
  return path.elements.length === 1
    ? [{ code: 'CERT_CHAIN_INCOMPLETE', severity: 'critical', certIndex: 0, detail: `the server sent no intermediate: issuer ${issuer} of the leaf is neither sent nor in the trust store` }]
    : [{ code: 'CERT_UNTRUSTED_ROOT', severity: 'critical', certIndex: index, detail: `the chain ends at issuer ${issuer}, which is not in the trust store` }];
}

/** verifyPasses: whether `problems` pass the verify level (warnings never fail it). */
export function verifyPasses(problems: readonly CertProblem[], verify: TlsVerify): boolean {
  if (verify === 'none') return true;
  return !problems.some((p) => failsAt(p, verify));
}

/**
 * primaryProblem: the problem that best names why verification failed at `verify`, or
 * undefined when it passed.
 */
export function primaryProblem(problems: readonly CertProblem[], verify: TlsVerify): CertProblem | undefined {
  const failing = problems.filter((p) => verify !== 'none' && failsAt(p, verify));
  return failing.sort((a, b) => IMPORTANCE.indexOf(a.code) - IMPORTANCE.indexOf(b.code))[0];
}

function failsAt(p: CertProblem, verify: TlsVerify): boolean {
  if (verify === 'none') return false;
  if (CHAIN_FAILURES.has(p.code)) return true;
  if (CRITICAL_CHAIN_FAILURES.has(p.code)) return p.severity === 'critical';
  return verify === 'domain' && p.code === 'CERT_HOSTNAME_MISMATCH';
}

/**
 * hostnameProblem: RFC 6125 §6.4 — the name is compared with the SAN dNSName entries; an IP
 * literal with the SAN iPAddress entries only (RFC 5280 §4.2.1.6). Stricter than RFC 6125 and
 * OpenSSL: a certificate without a SAN of the right type is not matched through its subject CN
 * (the CA/Browser Forum has required SANs since 2012; browsers stopped reading the CN in 2017).
 */
function hostnameProblem(leaf: CertFacts, servername: string): CertProblem | undefined {
  const bare = servername.replace(/^\[|\]$/g, '');
  let ok: boolean;
  let presented: string[];
  if (ipFamily(bare) !== 0) {
    ok = safe(() => leaf.cert.checkIP(bare) !== undefined, false);
    presented = leaf.san.filter((e) => e.type === 'IP').map((e) => e.value);
  } else {
    presented = leaf.san.filter((e) => e.type === 'DNS').map((e) => e.value);
    ok = presented.some((p) => hostnameMatches(p, bare));
  }
  if (ok) return undefined;
  if (presented.length === 0 && ipFamily(bare) !== 0) {
    // Probed by address, and the certificate names hosts only: say which, not "no name".
    const hosts = leaf.san.filter((e) => e.type === 'DNS').map((e) => e.value);
    const hint = hosts.length > 0 ? ` (it is for ${hosts.join(', ')}: probe that name, or pass --tls-domain ${hosts[0]})` : '';
    return { code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', certIndex: 0, detail: `certificate has no IP address entry for ${servername}${hint}` };
  }
  const cn = commonNames(leaf.subject);
  const names = presented.length > 0
    ? presented.join(', ')
    : cn.length > 0 ? `no subjectAltName (only the subject CN ${cn.join(', ')}, which clients no longer match)` : 'no name';
  return { code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', certIndex: 0, detail: `certificate is for ${names}, not ${servername}` };
}

function keyOf(cert: X509Certificate): { type?: string; bits?: number } {
  const k = cert.publicKey;
  const type = k.asymmetricKeyType;
  const d = k.asymmetricKeyDetails;
  if (type === 'ec') return { type, bits: CURVE_BITS[d?.namedCurve ?? ''] };
  if (type === 'ed25519') return { type, bits: 256 };
  if (type === 'ed448') return { type, bits: 456 };
  return { type, bits: d?.modulusLength };
}

function commonNames(subject: string): string[] {
  return subject.split('\n').filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
