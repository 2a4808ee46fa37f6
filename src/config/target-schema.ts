import { isIP } from 'node:net';
import en from 'zod/v4/locales/en.js';
import * as z from 'zod/mini';
import { ATTEMPTABLE_MECHANISMS, TLS_VERSIONS } from '../model/target.js';
import { oauthInputShape } from './oauth-schema.js';
import { noControlCharacters } from './wire-text.js';

// zod/mini (the tree-shakable form of zod 4) is used here because every `smtprobe check` loads
// this schema: it costs a fraction of classic zod's start-up (bench/README.md). Its messages
// come from the English locale, which mini leaves to the caller.
z.config(en());

// Every string starts with the control-character check, so its message is the one reported:
// a value with CR, LF, NUL or another control never reaches the wire (wire-text.ts says why).
const text = (min = 1, max?: number) => z.string().check(noControlCharacters, z.minLength(min), ...(max === undefined ? [] : [z.maxLength(max)]));
const tlsVersion = z.enum(TLS_VERSIONS as [string, ...string[]]);
const oneOrMany = z.union([text(), z.array(text())]);
const port = z.coerce.number().check(z.int(), z.gte(1), z.lte(65535));
const seconds = z.coerce.number().check(z.positive(), z.lte(3600));
const days = z.coerce.number().check(z.int(), z.gte(0), z.lte(3650));
const count = z.coerce.number().check(z.int(), z.gte(1), z.lte(10_000));
// A path goes between <> on the wire (RFC 5321 §4.1.2): a space or > would add ESMTP parameters.
const address = text(1, 320).check(z.regex(/^[^\s<>]*$/, 'an address without spaces or <>'));
const hostName = text(1, 253).check(z.regex(/^[A-Za-z0-9._:\-[\]%]+$/, 'not a host name or IP address'));
const opt = z.optional;

/**
 * isDnsServer: what the resolver accepts as a server (`dns.setServers`): an IPv4 or IPv6
 * address, optionally with a port (`1.2.3.4:53`, `[::1]:53`). A host name is refused at input
 * rather than becoming a DNS timeout at probe time.
 */
function isDnsServer(v: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(v);
  if (bracketed) return isIP(bracketed[1] as string) === 6 && (bracketed[2] === undefined || Number(bracketed[2]) <= 65535);
  if (isIP(v) !== 0) return true;
  const withPort = /^([^:]+):(\d{1,5})$/.exec(v);
  return withPort !== null && isIP(withPort[1] as string) === 4 && Number(withPort[2]) <= 65535;
}

/**
 * targetInputSchema: one target's settings, as `check` flags in camelCase. The same keys serve
 * the command line, probes.yaml (defaults, modules, targets), scenario files' `probe:` section
 * and imported Exchange connectors, so every source is validated by one schema.
 * Secrets are references here (`env:VAR`, `file:PATH`), never values.
 */
export const targetInputSchema = z.strictObject({
  name: opt(text()),
  host: opt(hostName),
  port: opt(port),
  tls: opt(z.enum(['auto', 'implicit', 'starttls', 'starttls-optional', 'none'])),
  tlsVerify: opt(z.enum(['none', 'chain', 'domain'])),
  tlsDomain: opt(hostName),
  ca: opt(oneOrMany),
  clientCert: opt(text()),
  clientKey: opt(text()),
  tlsMin: opt(tlsVersion),
  tlsMax: opt(tlsVersion),
  tlsScan: opt(z.boolean()),
  certWarnDays: opt(days),
  certCritDays: opt(days),
  /** Warn once no more than this percentage of a certificate's lifetime is left (lifetimes shrink to 47 days). */
  certWarnLifetime: opt(z.coerce.number().check(z.gt(0), z.lt(100))),
  /** Nagios-style thresholds on the probe's total time, milliseconds. */
  warnMs: opt(z.coerce.number().check(z.int(), z.gte(1), z.lte(3_600_000))),
  critMs: opt(z.coerce.number().check(z.int(), z.gte(1), z.lte(3_600_000))),
  /** Per-step limits: `{ tls: 500 }` in probes.yaml, `tls=500,auth=2000` on the command line. */
  stepWarnMs: opt(z.union([text(1, 512), z.record(z.string(), z.number())])),
  stepCritMs: opt(z.union([text(1, 512), z.record(z.string(), z.number())])),
  /** ICMP limits as check_ping's -w / -c: `RTT_MS,LOSS%`. */
  pingWarn: opt(text(1, 32)),
  pingCrit: opt(text(1, 32)),
  ehlo: opt(hostName),
  auth: opt(z.enum(['auto', 'none', ...ATTEMPTABLE_MECHANISMS])),
  user: opt(text(1, 512)),
  password: opt(text()),
  passwordEnv: opt(text()),
  passwordFile: opt(text()),
  token: opt(text()),
  tokenEnv: opt(text()),
  tokenFile: opt(text()),
  allowPlaintextAuth: opt(z.boolean()),
  /** Lockout protection (scheduled probes): consecutive credential rejections before AUTH is suspended. */
  authFailLimit: opt(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
  /** How long AUTH stays suspended if the credential does not change (a duration: 1h, 30m). */
  authRetryAfter: opt(text(1, 32)),
  /** Send AUTH at most this often (a duration: 15m); the other rounds probe TCP, TLS and EHLO only. */
  authEvery: opt(text(1, 32)),
  mailFrom: opt(z.string().check(noControlCharacters, z.maxLength(320), z.regex(/^[^\s<>]*$/, 'an address without spaces or <>'))),
  rcpt: opt(z.union([address, z.array(address)])),
  client: opt(z.enum(['generic', 'exchange'])),
  exchangeTls: opt(z.enum(['1.0', '1.2'])),
  timeout: opt(seconds),
  phaseTimeout: opt(seconds),
  icmp: opt(z.boolean()),
  icmpCount: opt(count),
  path: opt(z.boolean()),
  pathCount: opt(count),
  dnsServer: opt(text(1, 64).check(z.refine(isDnsServer, 'an IP address, optionally with :port (IPv6 as [addr]:port)'))),
  mx: opt(hostName),
  /** -4 / -6: only addresses of one family. */
  ipv4: opt(z.boolean()),
  ipv6: opt(z.boolean()),
  /** The local address to connect from (an IP address of this host). */
  sourceAddress: opt(text(1, 64).check(z.refine((v) => isIP(v) !== 0, 'an IPv4 or IPv6 address of this host'))),
  /** Probe every A/AAAA address of the host, not only the first that answers. */
  allAddresses: opt(z.boolean()),
  labels: opt(z.record(z.string(), z.string())),
  connectorName: opt(z.string()),
  /** The Send connector's SmartHostAuthMechanism, when the target came from one. */
  smartHostAuthMechanism: opt(z.enum(['None', 'BasicAuth', 'BasicAuthRequireTLS', 'ExchangeServer', 'ExternalAuthoritative'])),
  /** OAuth token acquisition (--oauth-*), defined beside its resolver. */
  ...oauthInputShape,
});

export type TargetInput = z.infer<typeof targetInputSchema>;

/** formatIssue renders one zod issue as "field: problem" on one line. */
export function formatIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const path = issue.path.map(String).join('.');
  return `${prefix}${path || '(root)'}: ${issue.message}`;
}
