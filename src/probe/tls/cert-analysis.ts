import { createHash, type X509Certificate } from 'node:crypto';
import type { CertProblem, CertSummary } from '../../model/step-data.js';
import type { TlsVerify } from '../../model/target.js';
import { hostnameMatches } from './hostname-match.js';
import { signatureAlgorithmOf, WEAK_SIGNATURE_ALGORITHMS } from './signature-algorithm.js';
import { TrustStore } from './trust-store.js';
import { ipFamily } from '../ip-family.js';

export { splitPem } from './trust-store.js';

const DAY_MS = 86_400_000;

/** Minimum key sizes, in bits, below which a key is reported weak (NIST SP 800-57 / CA/B BR §6.1.5). */
const MIN_RSA_BITS = 2048;
const MIN_EC_BITS = 224;

type ProblemCode = CertProblem['code'];

/** Codes that fail the `chain` verify level (and so `domain` too). */
const CHAIN_FAILURES: ReadonlySet<ProblemCode> = new Set([
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SELF_SIGNED', 'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE', 'CERT_VERIFY_FAILED',
]);

/**
 * Which problem names a failed verification best, most important first: dates are what an
 * operator fixes most often, then trust, then the name.
 */
const IMPORTANCE: readonly ProblemCode[] = [
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SELF_SIGNED', 'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE',
  'CERT_HOSTNAME_MISMATCH', 'CERT_VERIFY_FAILED', 'CERT_EXPIRES_SOON', 'CERT_WEAK_KEY', 'CERT_WEAK_SIGNATURE',
];

/** Extended key usage OIDs that allow a certificate to serve TLS (RFC 5280 §4.2.1.12). */
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_ANY = '2.5.29.37.0';
/** The other common purposes, by name, for the problem's detail. */
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.2': 'clientAuth', '1.3.6.1.5.5.7.3.3': 'codeSigning', '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping', '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

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
  /** A store already built from the same `extraCa` (saves parsing the system roots again). */
  trustStore?: TrustStore;
}

export interface ChainAnalysis {
  chain: CertSummary[];
  problems: CertProblem[];
  verifyPassed: boolean;
}

/**
 * summarizeCert: one certificate as the report shows it. `now` gives `daysLeft`.
 */
export function summarizeCert(cert: X509Certificate, now: number): CertSummary {
  const key = keyOf(cert);
  const s: CertSummary = {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    serial: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    san: sanEntries(cert).map(({ type, value }) => `${type}:${value}`),
    selfSigned: isSelfSigned(cert),
    isCA: cert.ca,
    daysLeft: Math.floor((Date.parse(cert.validTo) - now) / DAY_MS),
  };
  if (key.type) s.keyType = key.type;
  if (key.bits) s.keyBits = key.bits;
  const sig = signatureAlgorithmOf(cert.raw);
  if (sig) s.signatureAlgorithm = sig;
  return s;
}

/**
 * analyzeChain: every problem of the chain the server presented, each found independently —
 * unlike OpenSSL, which stops at its first verify error. This is the probe's only certificate
 * verdict: the handshake's TLS context trusts nothing (see clientContext), so
 * OpenSSL's own verification is not asked for; what it would check for a server certificate is
 * checked here — path to an anchor (names, key identifiers, signatures, CA flag), dates,
 * extended key usage, and the name (RFC 6125) — plus key size and signature algorithm.
 *
 * @param presented the certificates as the server sent them, leaf first.
 */
export function analyzeChain(presented: X509Certificate[], opts: ChainAnalysisOptions): ChainAnalysis {
  const leaf = presented[0];
  if (!leaf) {
    return { chain: [], problems: [{ code: 'CERT_VERIFY_FAILED', severity: 'critical', detail: 'the server presented no certificate' }], verifyPassed: opts.verify === 'none' };
  }
  const store = opts.trustStore ?? TrustStore.from(opts.extraCa);
  const facts = store.remember(chainKey(presented, opts.servername), () => timelessFacts(presented, opts.servername, store));

  const chain = facts.summaries.map((s, i) => ({ ...s, san: [...s.san], daysLeft: Math.floor(((facts.validity[i] as Validity).to - opts.now) / DAY_MS) }));
  const problems: CertProblem[] = [];
  facts.validity.forEach((v, i) => problems.push(...dateProblems(v, i, opts)));
  problems.push(...facts.problems.map((p) => ({ ...p })));

  return { chain, problems, verifyPassed: verifyPasses(problems, opts.verify) };
}

interface Validity {
  from: number;
  to: number;
}

/**
 * TimelessFacts: what analyzeChain finds that depends only on the certificates, the name and
 * the trust store — not on the clock or on OpenSSL's verdict. The probes of a run see the same
 * few chains again and again, so these are kept on the run's TrustStore (TrustStore.remember),
 * keyed by the DER of the chain as sent and the name; parsing, signature checks and path
 * building then happen once per chain instead of once per probe.
 */
interface TimelessFacts {
  /** Summaries; daysLeft is recomputed for each probe's `now`. */
  summaries: readonly CertSummary[];
  validity: readonly Validity[];
  /** Name, trust, key and signature problems, in report order. */
  problems: readonly CertProblem[];
}

function chainKey(presented: readonly X509Certificate[], servername: string): string {
  const h = createHash('sha256').update(servername).update('\0');
  for (const c of presented) h.update(c.raw);
  return `${presented.length}:${h.digest('base64')}`;
}

function timelessFacts(presented: X509Certificate[], servername: string, store: TrustStore): TimelessFacts {
  const leaf = presented[0] as X509Certificate;
  // daysLeft is filled per probe; summarizing with now = 0 keeps the key in its place.
  const summaries = presented.map((c) => summarizeCert(c, 0));
  const validity = presented.map((c) => ({ from: Date.parse(c.validFrom), to: Date.parse(c.validTo) }));
  const problems: CertProblem[] = [];
  const nameProblem = hostnameProblem(leaf, servername);
  if (nameProblem) problems.push(nameProblem);
  problems.push(...trustProblems(presented, store));
  presented.forEach((cert, i) => {
    // A trusted root's own signature and key are not what a client relies on (RFC 5280 §6.1: the
    // trust anchor is an input, not a certificate in the path), so those are skipped.
    // (isSelfSigned first: it is cheap and usually false, and has() may parse the system roots)
    if (isSelfSigned(cert) && store.has(cert)) return;
    const purpose = purposeProblem(cert, i);
    if (purpose) problems.push(purpose);
    const weakKey = weakKeyProblem(cert, i);
    if (weakKey) problems.push(weakKey);
    const sig = summaries[i]?.signatureAlgorithm;
    if (sig && WEAK_SIGNATURE_ALGORITHMS.has(sig)) {
      problems.push({ code: 'CERT_WEAK_SIGNATURE', severity: 'warning', certIndex: i, detail: `${describe(i)} is signed with ${sig}` });
    }
  });
  return { summaries, validity, problems };
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
  return CHAIN_FAILURES.has(p.code) || (verify === 'domain' && p.code === 'CERT_HOSTNAME_MISMATCH');
}

function dateProblems({ from, to }: Validity, i: number, opts: ChainAnalysisOptions): CertProblem[] {
  const who = describe(i);
  if (opts.now > to) {
    const ago = Math.floor((opts.now - to) / DAY_MS);
    return [{ code: 'CERT_EXPIRED', severity: 'critical', certIndex: i, detail: `${who} expired ${iso(to)} (${ago} days ago)` }];
  }
  if (opts.now < from) {
    const until = Math.ceil((from - opts.now) / DAY_MS);
    return [{ code: 'CERT_NOT_YET_VALID', severity: 'critical', certIndex: i, detail: `${who} is valid only from ${iso(from)} (in ${until} days)` }];
  }
  const left = Math.floor((to - opts.now) / DAY_MS);
  if (left <= opts.warnDays) {
    const severity = left <= opts.critDays ? 'critical' : 'warning';
    return [{ code: 'CERT_EXPIRES_SOON', severity, certIndex: i, detail: `${who} expires ${iso(to)} (${left} days left)` }];
  }
  return [];
}

/**
 * hostnameProblem: RFC 6125 §6.4 — DNS-IDs (SAN dNSName) are compared; the subject CN only
 * when the certificate has no dNSName at all (§6.4.4). IP literals match only SAN iPAddress
 * entries (RFC 5280 §4.2.1.6).
 */
function hostnameProblem(leaf: X509Certificate, servername: string): CertProblem | undefined {
  const san = sanEntries(leaf);
  const bare = servername.replace(/^\[|\]$/g, '');
  let ok: boolean;
  let presented: string[];
  if (ipFamily(bare) !== 0) {
    ok = leaf.checkIP(bare) !== undefined;
    presented = san.filter((e) => e.type === 'IP').map((e) => e.value);
  } else {
    const dns = san.filter((e) => e.type === 'DNS').map((e) => e.value);
    presented = dns.length > 0 ? dns : commonNames(leaf.subject);
    ok = presented.some((p) => hostnameMatches(p, bare));
  }
  if (ok) return undefined;
  if (presented.length === 0 && ipFamily(bare) !== 0) {
    // Probed by address, and the certificate names hosts only: say which, not "no name".
    const hosts = san.filter((e) => e.type === 'DNS').map((e) => e.value);
    const names = hosts.length > 0 ? hosts : commonNames(leaf.subject);
    const hint = names.length > 0 ? ` (it is for ${names.join(', ')}: probe that name, or pass --tls-domain ${names[0]})` : '';
    return { code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', certIndex: 0, detail: `certificate has no IP address entry for ${servername}${hint}` };
  }
  const names = presented.length > 0 ? presented.join(', ') : 'no name';
  return { code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', certIndex: 0, detail: `certificate is for ${names}, not ${servername}` };
}

/**
 * trustProblems builds the path from the leaf the way OpenSSL does (RFC 5280 §6.1): each
 * certificate's issuer is looked for first in the trust store, then among the certificates the
 * server sent, matching by name, key identifiers and key usage (checkIssued) and by signature.
 *
 * The walk runs against the `--ca` anchors first. A system root could only end it earlier, and
 * with success; so when that walk fails, the certificates it visited are looked up among the
 * system roots (parsed then, and only then): the result is the same as one walk against both,
 * but a chain ending at a `--ca` anchor never parses the ~140 bundled roots.
 */
function trustProblems(presented: X509Certificate[], store: TrustStore): CertProblem[] {
  const visited: X509Certificate[] = [];
  const problems = walkToAnchor(presented, (cert) => {
    visited.push(cert);
    return store.hasOwn(cert) || store.ownCandidatesFor(cert).some((c) => issuedBy(cert, c));
  });
  if (problems.length === 0) return problems;
  const systemAnchored = visited.some((cert) => store.hasSystemRoot(cert) || store.systemCandidatesFor(cert).some((c) => issuedBy(cert, c)));
  return systemAnchored ? [] : problems;
}

/** walkToAnchor: the path walk of trustProblems, with `trusted(cert)` as the trust-store test at each step. */
function walkToAnchor(presented: X509Certificate[], trusted: (cert: X509Certificate) => boolean): CertProblem[] {
  const leaf = presented[0] as X509Certificate;
  const used = new Set<string>([leaf.fingerprint256]);
  let current = leaf;
  let index = 0;
  for (;;) {
    if (trusted(current)) return [];
    const nextIndex = presented.findIndex((c) => !used.has(c.fingerprint256) && issuedBy(current, c));
    const next = presented[nextIndex];
    if (next) {
      if (!next.ca) {
        return [{ code: 'CERT_VERIFY_FAILED', severity: 'critical', certIndex: nextIndex, detail: `${describe(nextIndex)} issued ${describe(index)} but is not a CA (basicConstraints)` }];
      }
      used.add(next.fingerprint256);
      current = next;
      index = nextIndex;
      continue;
    }
    if (isSelfSigned(current)) {
      return index === 0
        ? [{ code: 'CERT_SELF_SIGNED', severity: 'critical', certIndex: 0, detail: `the certificate is self-signed (${oneLineName(leaf.subject)}) and not in the trust store` }]
        : [{ code: 'CERT_UNTRUSTED_ROOT', severity: 'critical', certIndex: index, detail: `the chain ends at the self-signed root ${oneLineName(current.subject)}, which is not in the trust store` }];
    }
    const issuer = oneLineName(current.issuer);
    return index === 0
      ? [{ code: 'CERT_CHAIN_INCOMPLETE', severity: 'critical', certIndex: 0, detail: `the server sent no intermediate: issuer ${issuer} of the leaf is neither sent nor in the trust store` }]
      : [{ code: 'CERT_UNTRUSTED_ROOT', severity: 'critical', certIndex: index, detail: `the chain ends at issuer ${issuer}, which is not in the trust store` }];
  }
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && safeVerify(cert, issuer);
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false; // an unsupported key type cannot have signed it, as far as we can tell
  }
}

/**
 * isSelfSigned: same subject and issuer, signed by its own key. checkIssued alone is not
 * enough: it also demands keyCertSign when a KeyUsage extension is present, which many
 * self-signed server certificates lack.
 */
function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && safeVerify(cert, cert);
}

function weakKeyProblem(cert: X509Certificate, i: number): CertProblem | undefined {
  const { type, bits } = keyOf(cert);
  if (bits === undefined) return undefined;
  const min = type === 'rsa' || type === 'rsa-pss' || type === 'dsa' ? MIN_RSA_BITS : type === 'ec' ? MIN_EC_BITS : 0;
  if (bits >= min) return undefined;
  return { code: 'CERT_WEAK_KEY', severity: 'warning', certIndex: i, detail: `${describe(i)} has a ${bits}-bit ${type?.toUpperCase()} key (minimum ${min})` };
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

/**
 * purposeProblem: a certificate whose extended key usage is present but allows neither TLS
 * server authentication nor any purpose cannot vouch for a server — OpenSSL's INVALID_PURPOSE,
 * which it applies to the leaf and to the CAs above it alike (a CA limited to clientAuth cannot
 * issue server certificates). No extension means no restriction.
 */
function purposeProblem(cert: X509Certificate, i: number): CertProblem | undefined {
  const usages = cert.keyUsage; // Node 20 names the extended key usage OIDs `keyUsage`
  if (!usages || usages.length === 0 || usages.includes(EKU_SERVER_AUTH) || usages.includes(EKU_ANY)) return undefined;
  return { code: 'CERT_VERIFY_FAILED', severity: 'critical', certIndex: i, detail: `${describe(i)} is not for TLS servers: its extended key usage allows only ${usages.map((o) => EKU_NAMES[o] ?? o).join(', ')}` };
}

interface SanEntry {
  type: string;
  value: string;
}

/** sanEntries parses Node's subjectAltName string ("DNS:a, IP Address:b"; values with commas JSON-quoted). */
function sanEntries(cert: X509Certificate): SanEntry[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  const out: SanEntry[] = [];
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of text.matchAll(re)) {
    const rawType = (m[1] ?? '').trim();
    const rawValue = m[2] ?? '';
    const value = rawValue.startsWith('"') ? (JSON.parse(rawValue) as string) : rawValue;
    out.push({ type: rawType === 'IP Address' ? 'IP' : rawType, value });
  }
  return out;
}

function commonNames(subject: string): string[] {
  return subject.split('\n').filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
}

/** oneLineName: Node prints a DN one RDN per line; reports show it on one line. */
function oneLineName(dn: string): string {
  return dn.split('\n').join(', ');
}

function describe(i: number): string {
  return i === 0 ? 'the leaf certificate' : `certificate #${i} of the chain`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
