import { toPublicOAuth, type OAuthCredential, type PublicOAuth } from './oauth.js';
import type { StepName } from './report.js';
import type { Secret } from './secret.js';

/** How TLS is used (name the mode, don't stack booleans: docs/design.md, "Code conventions"). */
export type TlsMode = 'implicit' | 'starttls' | 'starttls-optional' | 'none';
/** What the CLI accepts: `auto` resolves to implicit on 465, starttls elsewhere. */
export type TlsModeOption = TlsMode | 'auto';
/** Certificate check level; Exchange's EncryptionOnly / CertificateValidation / DomainValidation. */
export type TlsVerify = 'none' | 'chain' | 'domain';
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** TARGET_DEFAULTS: the defaults of `check`: port 587, 60 s per probe, 30 s per phase. */
export const TARGET_DEFAULTS = {
  port: 587,
  timeoutS: 60,
  phaseTimeoutS: 30,
  certWarnDays: 21,
  certCritDays: 7,
  icmpCount: 3,
  pathCount: 100,
} as const;

/** SASL mechanisms smtprobe can run. */
export const ATTEMPTABLE_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'] as const;
export type MechanismName = (typeof ATTEMPTABLE_MECHANISMS)[number];
/** Mechanisms recognised when advertised but not attempted. */
export const DETECTED_ONLY_MECHANISMS = ['NTLM', 'GSSAPI'] as const;

/** PingThreshold: check_ping's `RTT,LOSS%` — average round-trip time (ms) and packet loss (%). */
export interface PingThreshold {
  rttMs: number;
  lossPct: number;
}

/** Client profile: `exchange` behaves on the wire as Exchange's Send connector does. */
export type ClientProfile = 'generic' | 'exchange';

export interface Timeouts {
  /** Hard deadline for the whole probe, ms. */
  totalMs: number;
  /** Default per phase (connect, banner, each command, handshake), ms. */
  phaseMs: number;
}

export interface ConnectivityOptions {
  /** ICMP echo: 'auto' = when permitted. */
  icmp: 'auto' | 'off';
  icmpCount: number;
  /** Run the path (pathping) analysis in parallel with the dialogue. */
  path: boolean;
  pathCount: number;
  dnsServer?: string;
  /** Also look up the MX records of this domain (--mx DOMAIN). */
  mx?: string;
  /** Path analysis: highest TTL probed (default 30). */
  pathMaxHops?: number;
  /** Path analysis: spacing of samples to one hop, ms (default 25). */
  pathIntervalMs?: number;
  /** Path analysis: look up reverse names of hops (default true; false = numeric, like mtr -n). */
  pathNames?: boolean;
  /** Use only addresses of this family (-4 / -6): the other family's A or AAAA records are ignored. */
  addressFamily?: 4 | 6;
  /** Local address every SMTP connection is made from (--source-address): relays authorise by source IP. */
  sourceAddress?: string;
}

/**
 * Target: everything needed to probe one host, validated before any packet leaves.
 * Holds secrets (as `Secret`), so it never goes into a Report: `toPublicTarget` does.
 */
export interface Target {
  /** Display name (probes.yaml `name`, else host:port). */
  name: string;
  host: string;
  port: number;
  tls: TlsMode;
  tlsVerify: TlsVerify;
  /** Name checked against the certificate and sent as SNI; default: host. */
  tlsDomain?: string;
  /** Extra trusted roots (PEM text), added to the system roots. */
  ca: string[];
  /** Paths the CA PEMs came from, for display. */
  caFiles: string[];
  clientCert?: string;
  clientKey?: string;
  tlsMin?: TlsVersion;
  tlsMax?: TlsVersion;
  /** Probe every TLS version separately. */
  tlsScan: boolean;
  certWarnDays: number;
  certCritDays: number;
  /** Also warn once no more than this percentage of a certificate's lifetime is left (--cert-warn-lifetime). */
  certWarnLifetimePct?: number;
  /** Warning when the probe takes longer than this many milliseconds (--warn-ms, Nagios -w). */
  warnMs?: number;
  /** Critical when the probe takes longer than this many milliseconds (--crit-ms, Nagios -c). */
  critMs?: number;
  /** Per-step time limits, ms (--step-warn-ms / --step-crit-ms STEP=MS). */
  stepWarnMs?: Partial<Record<StepName, number>>;
  stepCritMs?: Partial<Record<StepName, number>>;
  /** ICMP echo limits, check_ping's -w / -c (--ping-warn / --ping-crit RTT_MS,LOSS%). */
  pingWarn?: PingThreshold;
  pingCrit?: PingThreshold;
  ehlo: string;
  /** 'auto' = strongest common; 'none' = don't authenticate. */
  auth: 'auto' | 'none' | MechanismName;
  user?: string;
  password?: Secret;
  /** OAuth bearer token for XOAUTH2/OAUTHBEARER. */
  token?: Secret;
  /** Fetch the bearer token from a token endpoint before AUTH (--oauth-*). */
  oauth?: OAuthCredential;
  /** Where the password came from (not the value), so lockout protection sees it change. */
  credentialSource?: CredentialSource;
  /** Lockout protection settings given in probes.yaml (defaults: AUTH_LOCKOUT_DEFAULTS in src/run/auth-lockout.ts). */
  authPolicy?: { failLimit?: number; retryAfterMs?: number; everyMs?: number };
  allowPlaintextAuth: boolean;
  mailFrom?: string;
  rcpt: string[];
  client: ClientProfile;
  timeouts: Timeouts;
  connectivity: ConnectivityOptions;
  labels: Record<string, string>;
  /**
   * Probe every address the host resolves to (--all-addresses), each in its own SMTP session,
   * and report them together in one Report (`addresses[]`), with the odd one out as a finding.
   */
  allAddresses?: boolean;
  /** Send connector name when the target came from an Exchange connector. */
  connectorName?: string;
  /** The connector's SmartHostAuthMechanism (docs/domain.md, "Exchange Send connector"), when the target came from one. */
  smartHostAuthMechanism?: 'None' | 'BasicAuth' | 'BasicAuthRequireTLS' | 'ExchangeServer' | 'ExternalAuthoritative';
}

/** PublicTarget: the Target as it appears in a Report — no secret, only whether one was given. */
/** CredentialSource: an environment variable's name or a file's absolute path (never the secret). */
/** HostTarget: the part of a target the connectivity steps read (DNS, ICMP, path). */
export type HostTarget = Pick<Target, 'host' | 'connectivity'>;

/**
 * PathTarget: what `smtprobe path` measures — a host and how to measure the route to it.
 * It has no SMTP settings: `path` never connects to a port.
 */
export interface PathTarget extends HostTarget {
  name: string;
  timeouts: Timeouts;
}

export type CredentialSource = { kind: 'env'; name: string } | { kind: 'file'; path: string };

export type PublicTarget = Omit<Target, 'password' | 'token' | 'ca' | 'clientKey' | 'clientCert' | 'oauth' | 'credentialSource'> & {
  hasPassword: boolean;
  hasToken: boolean;
  hasClientCert: boolean;
  /** The token request's non-secret settings, when smtprobe fetches the token itself. */
  oauth?: PublicOAuth;
};

export function toPublicTarget(t: Target): PublicTarget {
  const { password, token, ca: _ca, clientKey: _k, clientCert, oauth, credentialSource: _s, ...rest } = t;
  const pub: PublicTarget = { ...rest, hasPassword: password !== undefined, hasToken: token !== undefined, hasClientCert: clientCert !== undefined };
  if (oauth) pub.oauth = toPublicOAuth(oauth);
  return pub;
}

/**
 * toPublicPathTarget: the `target` of a path Report. Reports of `path` and `check` share one
 * JSON shape, so the SMTP fields a path never uses are filled with the check defaults and
 * marked by `tls: 'none'`; diagnosis of a path report reads only the host.
 */
export function toPublicPathTarget(t: PathTarget): PublicTarget {
  return {
    name: t.name,
    host: t.host,
    port: 25,
    tls: 'none',
    tlsVerify: 'none',
    caFiles: [],
    tlsScan: false,
    certWarnDays: TARGET_DEFAULTS.certWarnDays,
    certCritDays: TARGET_DEFAULTS.certCritDays,
    ehlo: 'localhost',
    auth: 'none',
    allowPlaintextAuth: false,
    rcpt: [],
    client: 'generic',
    timeouts: t.timeouts,
    connectivity: t.connectivity,
    labels: {},
    hasPassword: false,
    hasToken: false,
    hasClientCert: false,
  };
}
