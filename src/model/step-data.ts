import type { OAuthData } from './oauth.js';
import type { TlsVerify, TlsVersion } from './target.js';

/** SmtpReply: one complete SMTP reply (RFC 5321 §4.2), possibly multi-line. */
export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code when the first line carries one, e.g. "5.7.8". */
  enhanced?: string;
  /** Text of each line, without code, separator and enhanced status. */
  lines: string[];
  /** Lines that ended in a bare LF instead of CRLF (tolerated, noted). */
  bareLf?: boolean;
}

/** Capabilities: an EHLO reply parsed (RFC 5321 §4.1.1.1, RFC 4954 §3). */
export interface Capabilities {
  /** Host name from the first line of the EHLO reply. */
  domain: string;
  /** Keyword (upper case) → parameters, e.g. SIZE → ["35882577"]. */
  keywords: Record<string, string[]>;
  /** Mechanisms from `AUTH ...` lines, upper case, in order. */
  auth: string[];
  /** Mechanisms from legacy `AUTH=...` lines only. */
  authLegacy: string[];
  starttls: boolean;
  size?: number;
}

export interface DnsData {
  host: string;
  addresses: { address: string; family: 4 | 6 }[];
  /** Present with --mx. */
  mx?: { exchange: string; priority: number }[];
  resolver?: string;
}

export interface TcpData {
  address: string;
  family: 4 | 6;
  port: number;
  localAddress?: string;
  localPort?: number;
}

export interface BannerData {
  reply?: SmtpReply;
  /** First token of the greeting text (the name Exchange uses for SMTPSVC/<host>). */
  greetingHost?: string;
  /** The server spoke first with a TLS record / HTTP / binary rather than SMTP. */
  detected?: 'tls' | 'http' | 'binary';
  /** `detected` came from the port's answer to a TLS hello on a second connection: it never spoke first. */
  answeredWhenAsked?: boolean;
}

export interface EhloData {
  command: 'EHLO' | 'HELO';
  /** The EHLO reply when EHLO was rejected and HELO was tried. */
  ehloReply?: SmtpReply;
  reply: SmtpReply;
  capabilities?: Capabilities;
}

export interface StartTlsData {
  offered: boolean;
  reply?: SmtpReply;
}

/** CertSummary: one certificate of the chain as the server sent it. */
export interface CertSummary {
  subject: string;
  issuer: string;
  serial: string;
  fingerprint256: string;
  validFrom: string;
  validTo: string;
  san: string[];
  keyType?: string;
  keyBits?: number;
  signatureAlgorithm?: string;
  selfSigned: boolean;
  isCA?: boolean;
  /** Whole days from the probe's `now` to validTo (negative once expired). */
  daysLeft?: number;
}

/** CertProblem: one independent problem found in the chain. */
export interface CertProblem {
  code:
    | 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID' | 'CERT_EXPIRES_SOON' | 'CERT_HOSTNAME_MISMATCH'
    | 'CERT_SELF_SIGNED' | 'CERT_UNTRUSTED_ROOT' | 'CERT_CHAIN_INCOMPLETE' | 'CERT_WEAK_KEY'
    | 'CERT_WEAK_SIGNATURE' | 'CERT_VERIFY_FAILED';
  /** Plain words: what is wrong, with the values. */
  detail: string;
  /** Index in `chain` of the certificate concerned. */
  certIndex?: number;
  severity: 'warning' | 'critical';
}

/** ClientCertProblem: a problem of the client certificate smtprobe presents (--client-cert). */
export interface ClientCertProblem {
  code: 'CLIENT_CERT_EXPIRED' | 'CLIENT_CERT_EXPIRES_SOON' | 'CLIENT_CERT_NO_CLIENT_AUTH' | 'CLIENT_CERT_UNUSABLE';
  detail: string;
  severity: 'warning' | 'critical';
}

/** ValidatorVerdict: an established validator's own verdict on the server certificate. */
export interface ValidatorVerdict {
  engine: 'openssl';
  /** The OpenSSL version that judged. */
  version?: string;
  /** OpenSSL's RFC 5280 path validation against the trust store accepted the chain. */
  chainAccepted: boolean;
  /** OpenSSL's verify error, as Node names it (e.g. UNABLE_TO_GET_ISSUER_CERT_LOCALLY). */
  error?: string;
  /** Node's tls.checkServerIdentity accepted the name (RFC 6125). */
  hostnameAccepted?: boolean;
  hostnameError?: string;
  /**
   * Set when this verdict is OpenSSL's acceptance of exactly this chain (the same certificates,
   * byte for byte, with the same trust store) remembered from earlier in the run, rather than
   * judged again in this handshake: when OpenSSL judged it (ISO 8601). See docs/certificates.md.
   */
  verifiedAt?: string;
  /**
   * `--ca` given: OpenSSL first judges against the `--ca` certificates alone; `all` says this
   * verdict came from a second handshake against the system roots as well (the chain ends at
   * a public root).
   */
  anchors?: 'ca' | 'all';
}

export interface TlsData {
  mode: 'starttls' | 'implicit';
  servername: string;
  verify: TlsVerify;
  protocol?: string;
  cipher?: { name: string; standardName?: string; version?: string };
  /** Key exchange group, e.g. X25519. */
  group?: string;
  /**
   * Whether the chain is trusted and valid, whatever `verify` level was asked for (the host
   * name is not part of it), and if not the code of the main reason (e.g. CERT_EXPIRED).
   * True only when both judges accept: our own chain analysis and OpenSSL (`validator`).
   */
  authorized?: boolean;
  authorizationError?: string;
  /** What the established validator said (OpenSSL's path validation, Node's name check). */
  validator?: ValidatorVerdict;
  chain: CertSummary[];
  /** Indices in `chain` of certificates the server sent that the judged path does not use. */
  unusedCertificates?: number[];
  /** Every problem found, each independently (OpenSSL would stop at its first). */
  problems: CertProblem[];
  /** Whether the problems fail the configured verify level. */
  verifyPassed: boolean;
  clientCertSent: boolean;
  /** Problems of the configured client certificate, found before it is sent. */
  clientCertProblems?: ClientCertProblem[];
  /** TLS alert received from the server, if the handshake failed with one. */
  alert?: string;
}

export interface TlsScanData {
  versions: { version: TlsVersion; accepted: boolean; cipher?: string; error?: string }[];
  /** Versions the client policy allows (--tls-min/--tls-max). */
  allowed: TlsVersion[];
}

export interface AuthData {
  /** Mechanisms offered in the EHLO that AUTH ran after. */
  offered: string[];
  offeredBeforeTls: string[];
  offeredAfterTls?: string[];
  /** Mechanisms smtprobe could use, in preference order. */
  usable: string[];
  /** NTLM/GSSAPI and others seen but not attempted. */
  detectedOnly: string[];
  mechanism?: string;
  attempted: boolean;
  /** Why AUTH was not attempted. */
  skipped?: 'no-credentials' | 'not-offered' | 'no-common-mechanism' | 'plaintext-refused' | 'cert-check-failed' | 'disabled' | 'token-request-failed' | 'suspended';
  /** Lockout protection withheld AUTH: the consecutive rejections that caused it, and until when. */
  suspended?: { rejections: string[]; since: string; retryAt: string };
  reply?: SmtpReply;
  /** Number of 334 challenges answered. */
  rounds?: number;
  /** With a bearer token: where it came from, its non-secret claims, and why it was refused. */
  oauth?: OAuthData;
}

export interface RelayData {
  mailFrom?: string;
  reply?: SmtpReply;
  rcpt?: { address: string; reply: SmtpReply }[];
}

export interface QuitData {
  reply?: SmtpReply;
}

/** RttStats: round-trip times of the samples that got an answer, in milliseconds (µs precision). */
export interface RttStats {
  min: number;
  avg: number;
  max: number;
  /** Population standard deviation (jitter), as ping(8) reports "mdev". */
  stddev: number;
  /** 95th percentile, nearest-rank. */
  p95: number;
}

/** IcmpData: N ICMP echoes to the address the probe will connect to. */
export interface IcmpData {
  address: string;
  family: 4 | 6;
  sent: number;
  received: number;
  lossPct: number;
  /** null when no echo was answered. */
  rttMs: RttStats | null;
  /**
   * Which ICMP backend sent the echoes: `raw-socket` (net-ping, sub-millisecond round trips),
   * or `system-ping` (the system's ping, the fallback when the optional raw-socket module is
   * not installed or may not open a raw socket; Windows ping reports whole milliseconds).
   */
  backend?: IcmpBackend;
  /** With `system-ping`: why the raw-socket backend was not used. */
  fallbackReason?: string;
}

/** IcmpBackend: what sent a check's ICMP echoes. */
export type IcmpBackend = 'raw-socket' | 'system-ping';

/**
 * HopStats: one router (or the destination) on the path, pathping-style. Loss is split the way
 * pathping splits it: `lossPct` is what the node itself drops of the echoes addressed to it
 * (typically control-plane rate limiting, harmless), `linkLossPct` is loss that starts on the
 * link from this hop on and persists to every later hop (real forwarding loss).
 */
export interface HopStats {
  /** IP TTL / IPv6 hop limit at which this hop answered. */
  ttl: number;
  /** null when the hop never answered (shown as `*`). */
  address: string | null;
  /** Reverse DNS name, when resolvable within its time bound. */
  name?: string;
  sent: number;
  received: number;
  /** Loss at the node itself, percent (not carried on to later hops). */
  lossPct: number;
  /** Loss on the link from this hop on to the next hop, carried on to the destination, percent. */
  linkLossPct: number;
  /** Raw loss of the echoes sent to this hop (pathping's "source to here"), percent. */
  sourceLossPct: number;
  /** null when no sample was answered. */
  rttMs: RttStats | null;
  /** This hop is the probed destination itself. */
  destination?: boolean;
  /** This hop answered ICMP destination unreachable for the target. */
  unreachable?: boolean;
}

/** PathData: the path (pathping) analysis to the target address. */
export interface PathData {
  address: string;
  family: 4 | 6;
  /** Hops in TTL order; the last one is the destination when it was reached. */
  hops: HopStats[];
  /** The destination answered echo requests. */
  reached: boolean;
  /** Loss on the first link (this host to hop 1), percent. */
  sourceLinkLossPct: number;
  /** The hop that answered ICMP destination unreachable, when one did. */
  unreachable?: { ttl: number; address: string };
  /** Samples per hop requested. */
  count: number;
  /** Spacing between two samples to the same hop, ms. */
  intervalMs: number;
  discoveryMs: number;
  measureMs: number;
}

/**
 * StepDataMap: the data type each step puts in `StepResult.data`. `StepResult` is a union keyed
 * on `step`, so a reader that checks `r.step === 'tls'` reads `r.data` typed TlsData, without a cast.
 */
export interface StepDataMap {
  dns: DnsData;
  icmp: IcmpData;
  path: PathData;
  tcp: TcpData;
  banner: BannerData;
  ehlo: EhloData;
  starttls: StartTlsData;
  tls: TlsData;
  'ehlo-tls': EhloData;
  'tls-scan': TlsScanData;
  auth: AuthData;
  mail: RelayData;
  rcpt: RelayData;
  quit: QuitData;
}
