import { isIP } from 'node:net';
import { SUBJECT_PATTERN, type CertProfile } from '../mock/certs/cert-profile.js';
import type { CertProblem, TlsData, TlsScanData } from '../model/step-data.js';
import { TLS_VERSIONS, type TlsVersion } from '../model/target.js';

/**
 * What the mock must present so that a replay shows the certificate problems the recorded
 * probe saw. The mock mints its certificates at start-up from its test CA, so a recording
 * keeps the problems (as a CertProfile) and the names (SANs), never the certificate itself.
 */
export interface RecordedCertificate {
  certificate: CertProfile;
  /** Names for the leaf: the recorded leaf's DNS SANs (which may not cover the probed name). */
  certificateHostnames?: string[];
  /** For `expires-soon`: the recorded leaf's days left. */
  expiresInDays?: number;
  /** The recorded leaf's subject, when it is not the mock's default (`CN=<first name>`) and can be issued as it is. */
  certificateSubject?: string;
  /** The chain did not lead to a trusted root: the replay must not trust the mock's CA either. */
  untrustedRoot: boolean;
}

/**
 * PROFILE_BY_PROBLEM: the profile that reproduces each problem, in priority order. The mock
 * presents one profile, so when a chain had several problems the first listed wins;
 * CERT_HOSTNAME_MISMATCH combines with any of them through the names, and
 * CERT_UNTRUSTED_ROOT through the probe's trust (`useMockCa: false`).
 */
const PROFILE_BY_PROBLEM: readonly [CertProblem['code'], CertProfile][] = [
  ['CERT_SELF_SIGNED', 'self-signed'],
  ['CERT_EXPIRED', 'expired'],
  ['CERT_NOT_YET_VALID', 'not-yet-valid'],
  ['CERT_CHAIN_INCOMPLETE', 'missing-intermediate'],
  ['CERT_WEAK_KEY', 'weak-key'],
  ['CERT_WEAK_SIGNATURE', 'sha1-signature'],
  ['CERT_EXPIRES_SOON', 'expires-soon'],
];

/**
 * sanNames: the DNS and IP entries of a SAN list as @peculiar/x509 / Node print them
 * ("DNS:host", "IP:192.0.2.1", "IP Address:192.0.2.1"), in their order; e-mail and URI entries
 * name no server and are left out.
 */
function sanNames(san: readonly string[]): { names: string[]; dns: number } {
  const names: string[] = [];
  let dns = 0;
  for (const entry of san) {
    const ip = /^IP(?: Address)?:\s*(.+)$/i.exec(entry.trim());
    if (ip?.[1] && isIP(ip[1].trim())) names.push(ip[1].trim());
    else if (!/^(IP|email|URI)/i.test(entry.trim())) {
      const name = entry.replace(/^DNS:/i, '').trim();
      if (name.length > 0) {
        names.push(name);
        dns++;
      }
    }
  }
  return { names, dns };
}

/**
 * issuableSubject: the subject a replayed leaf can carry: the recorded one when the mock can
 * issue it exactly, else its common name alone (a name with escapes or multi-valued parts).
 */
function issuableSubject(subject: string): string | undefined {
  if (SUBJECT_PATTERN.test(subject)) return subject;
  const cn = /(?:^|, )CN=([^,+=\\]+)(?:, |$)/.exec(subject)?.[1];
  return cn !== undefined && SUBJECT_PATTERN.test(`CN=${cn}`) ? `CN=${cn}` : undefined;
}

const DAY_MS = 86_400_000;

/**
 * daysToIssue: the lifetime to issue an `expires-soon` leaf with so that the replay shows the
 * recorded days left. A report's days left are whole days rounded down; the replay's leaf is
 * judged a moment after it is issued, so it must be issued for the part-day too (8.4 days left
 * seen as 8 → issued for 9 → seen as 8 again). Without the exact expiry, the days as shown.
 */
function daysToIssue(leaf: TlsData['chain'][number] | undefined, probedAt: number | undefined): number {
  const validTo = leaf ? Date.parse(leaf.validTo) : NaN;
  if (probedAt !== undefined && Number.isFinite(validTo)) return Math.max(0, Math.ceil((validTo - probedAt) / DAY_MS));
  return Math.max(0, leaf?.daysLeft ?? 5);
}

/**
 * certificateFor maps a recorded TLS handshake to the certificate the mock presents.
 * `probedName` is the name the replay's probe checks (its tlsDomain); `probedAt` (epoch ms)
 * when the handshake was judged, so an expiring leaf is replayed with the days left it showed.
 */
export function certificateFor(tls: TlsData | undefined, probedName: string, probedAt?: number): RecordedCertificate {
  const codes = new Set((tls?.problems ?? []).map((p) => p.code));
  const profile = PROFILE_BY_PROBLEM.find(([code]) => codes.has(code))?.[1] ?? 'valid';
  const out: RecordedCertificate = { certificate: profile, untrustedRoot: codes.has('CERT_UNTRUSTED_ROOT') };
  const leaf = tls?.chain[0];
  const { names, dns } = leaf ? sanNames(leaf.san) : { names: [], dns: 0 };
  if (codes.has('CERT_HOSTNAME_MISMATCH')) {
    // Keep the names the certificate really had; a leaf without SANs gets a name that cannot match.
    const other = names.filter((n) => n.toLowerCase() !== probedName.toLowerCase());
    out.certificateHostnames = other.length > 0 ? other : ['wrong.invalid'];
  } else if (dns > 0) {
    out.certificateHostnames = names;
  } else if (names.length > 0) {
    // Only addresses, and the name matched: it was the probed address; the replay probes a name.
    out.certificateHostnames = [probedName, ...names.filter((n) => n !== probedName)];
  } else {
    out.certificateHostnames = [probedName];
  }
  if (profile === 'expires-soon') out.expiresInDays = daysToIssue(leaf, probedAt);
  const subject = leaf ? issuableSubject(leaf.subject) : undefined;
  if (subject !== undefined && subject !== `CN=${out.certificateHostnames[0] ?? ''}`) out.certificateSubject = subject;
  return out;
}

const indexOf = (v: TlsVersion): number => TLS_VERSIONS.indexOf(v);
const at = (i: number): TlsVersion => TLS_VERSIONS[Math.max(0, Math.min(TLS_VERSIONS.length - 1, i))] as TlsVersion;

/** Node's defaults when a probe does not narrow them (tls.DEFAULT_MIN_VERSION / MAX). */
const CLIENT_DEFAULT = { min: 'TLSv1.2', max: 'TLSv1.3' } as const satisfies { min: TlsVersion; max: TlsVersion };
/** The mock's own default range (scenario-schema.ts). */
export const SERVER_DEFAULT_VERSIONS = { min: 'TLSv1.2', max: 'TLSv1.3' } as const satisfies { min: TlsVersion; max: TlsVersion };

/**
 * tlsVersionsFor: the versions the mock accepts. A version scan says it exactly; a failed
 * negotiation (TLS_VERSION_MISMATCH) puts the server's range just outside the client's; a
 * negotiated version below the client's highest shows where the server stops.
 */
export function tlsVersionsFor(opts: {
  tls?: TlsData | undefined;
  scan?: TlsScanData | undefined;
  mismatch: boolean;
  clientMin?: TlsVersion | undefined;
  clientMax?: TlsVersion | undefined;
}): { min: TlsVersion; max: TlsVersion } {
  const accepted = (opts.scan?.versions ?? []).filter((v) => v.accepted).map((v) => indexOf(v.version));
  if (accepted.length > 0) return { min: at(Math.min(...accepted)), max: at(Math.max(...accepted)) };
  const cMin = indexOf(opts.clientMin ?? CLIENT_DEFAULT.min);
  const cMax = indexOf(opts.clientMax ?? CLIENT_DEFAULT.max);
  if (opts.mismatch) {
    // The server sits above a client limited below TLS 1.3 (the old-Exchange case), else below the client's minimum.
    if (cMax < TLS_VERSIONS.length - 1) return { min: at(cMax + 1), max: 'TLSv1.3' };
    return { min: at(cMin - 1), max: at(cMin - 1) };
  }
  const negotiated = opts.tls?.protocol as TlsVersion | undefined;
  if (!negotiated || !TLS_VERSIONS.includes(negotiated)) return { ...SERVER_DEFAULT_VERSIONS };
  const n = indexOf(negotiated);
  const min = Math.min(n, indexOf(SERVER_DEFAULT_VERSIONS.min));
  // The client offered more than it got: the server's maximum is the negotiated version.
  const max = n < cMax ? n : indexOf(SERVER_DEFAULT_VERSIONS.max);
  return { min: at(min), max: at(max) };
}
