import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Secret } from '../model/secret.js';
import { hasControlCharacter } from '../model/wire-text.js';
import { TARGET_DEFAULTS, TLS_VERSIONS, type CredentialSource, type Target, type TlsMode, type TlsVersion } from '../model/target.js';
import { parseDuration } from '../config/duration.js';
import { ConfigError } from './config-error.js';
import { resolveOAuthCredential } from './oauth-credential.js';
import { fromEnv, fromFile, resolveSecretRef, type SecretEnv } from './secrets.js';
import { formatIssue, targetInputSchema, type TargetInput } from './target-schema.js';
import { readConfigText } from './text-file.js';
import { parsePingThreshold, parseStepThresholds } from './thresholds.js';


export interface ResolveOptions extends SecretEnv {
  /** Where the input came from, for error messages ("probes.yaml:12", "flag"). */
  where?: string;
}

/**
 * parseTargetInput validates raw input (flags or a YAML mapping) and reports the first
 * problem as one line naming the field.
 */
export function parseTargetInput(raw: unknown, where?: string): TargetInput {
  const r = targetInputSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfigError(issue ? issue.path.map(String).join('.') || '(root)' : '(root)', issue ? issue.message : 'invalid', where);
  }
  return r.data;
}

export { formatIssue };

/** resolveTlsMode: `auto` is implicit TLS on 465 (RFC 8314 §3.3), STARTTLS elsewhere. */
export function resolveTlsMode(tls: TargetInput['tls'], port: number): TlsMode {
  if (tls === undefined || tls === 'auto') return port === 465 ? 'implicit' : 'starttls';
  return tls;
}

/**
 * resolveTarget turns validated input into a Target: defaults applied, CA and client
 * certificate files read, secrets resolved from env/file/prompt. Relative paths are relative
 * to `baseDir` (the config file's folder, or the working directory for flags).
 */
export async function resolveTarget(input: TargetInput, opts: ResolveOptions): Promise<Target> {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(field, problem, opts.where);
  };
  if (!input.host) fail('host', 'is required');
  const host = input.host as string;
  const port = input.port ?? TARGET_DEFAULTS.port;
  const client = input.client ?? 'generic';
  const tls = resolveTlsMode(input.tls, port);
  const version = (v: string | undefined): TlsVersion | undefined => v as TlsVersion | undefined;
  let tlsMin = version(input.tlsMin);
  let tlsMax = version(input.tlsMax);
  if (client === 'exchange' && input.exchangeTls === '1.0') {
    // Exchange 2010 on Windows 2008 R2 without updates speaks TLS 1.0 only.
    tlsMin = 'TLSv1';
    tlsMax = 'TLSv1';
  }
  if (tlsMin && tlsMax && TLS_VERSIONS.indexOf(tlsMin) > TLS_VERSIONS.indexOf(tlsMax)) fail('tlsMin', `${tlsMin} is above tlsMax ${tlsMax}`);
  const timeoutS = input.timeout ?? TARGET_DEFAULTS.timeoutS;
  const phaseS = Math.min(input.phaseTimeout ?? TARGET_DEFAULTS.phaseTimeoutS, timeoutS);
  const warn = input.certWarnDays ?? TARGET_DEFAULTS.certWarnDays;
  const crit = input.certCritDays ?? TARGET_DEFAULTS.certCritDays;
  if (crit > warn) fail('certCritDays', `${crit} is above certWarnDays ${warn}`);
  if (input.warnMs !== undefined && input.critMs !== undefined && input.warnMs > input.critMs) fail('warnMs', `${input.warnMs} is above critMs ${input.critMs}`);
  if ((input.clientCert === undefined) !== (input.clientKey === undefined)) fail(input.clientCert ? 'clientKey' : 'clientCert', 'client certificate and key go together');

  const caFiles = input.ca === undefined ? [] : Array.isArray(input.ca) ? input.ca : [input.ca];
  const ca = await Promise.all(caFiles.map((f) => readConfigText(f, 'ca', opts)));

  const target: Target = {
    name: input.name ?? `${host}:${port}`,
    host,
    port,
    tls,
    tlsVerify: input.tlsVerify ?? 'domain',
    ca,
    caFiles: caFiles.map((f) => path.resolve(opts.baseDir, f)),
    tlsScan: input.tlsScan ?? false,
    certWarnDays: warn,
    certCritDays: crit,
    ...(input.certWarnLifetime !== undefined ? { certWarnLifetimePct: input.certWarnLifetime } : {}),
    ...(input.warnMs !== undefined ? { warnMs: input.warnMs } : {}),
    ...(input.critMs !== undefined ? { critMs: input.critMs } : {}),
    ...thresholds(input, fail),
    ehlo: input.ehlo ?? defaultEhloName(),
    auth: input.auth ?? 'auto',
    allowPlaintextAuth: input.allowPlaintextAuth ?? false,
    rcpt: input.rcpt === undefined ? [] : Array.isArray(input.rcpt) ? input.rcpt : [input.rcpt],
    client,
    timeouts: { totalMs: timeoutS * 1000, phaseMs: phaseS * 1000 },
    connectivity: {
      icmp: input.icmp === false ? 'off' : 'auto',
      icmpCount: input.icmpCount ?? TARGET_DEFAULTS.icmpCount,
      path: input.path ?? false,
      pathCount: input.pathCount ?? TARGET_DEFAULTS.pathCount,
    },
    labels: input.labels ?? {},
  };
  if (input.tlsDomain) target.tlsDomain = input.tlsDomain;
  if (tlsMin) target.tlsMin = tlsMin;
  if (tlsMax) target.tlsMax = tlsMax;
  if (input.user) target.user = input.user;
  if (input.mailFrom !== undefined) target.mailFrom = input.mailFrom;
  if (input.dnsServer) target.connectivity.dnsServer = input.dnsServer;
  if (input.mx) target.connectivity.mx = input.mx;
  const family = addressFamily(input, host, fail);
  if (family) target.connectivity.addressFamily = family;
  if (input.sourceAddress) target.connectivity.sourceAddress = input.sourceAddress;
  if (input.allAddresses) target.allAddresses = true;
  if (input.connectorName) target.connectorName = input.connectorName;
  if (input.smartHostAuthMechanism) target.smartHostAuthMechanism = input.smartHostAuthMechanism;
  if (input.clientCert && input.clientKey) {
    target.clientCert = await readConfigText(input.clientCert, 'clientCert', opts);
    target.clientKey = await readConfigText(input.clientKey, 'clientKey', opts);
  }
  const password = await secret(input.password, input.passwordEnv, input.passwordFile, 'password', opts);
  // A secret goes out base64-encoded inside SASL, so it cannot end an SMTP line; but NUL
  // separates the fields of PLAIN (RFC 4616 §2 excludes it from passwords) and U+0001 those
  // of XOAUTH2 and OAUTHBEARER (RFC 7628 §3.1), so either would rewrite what the server reads.
  if (password?.reveal().includes('\u0000')) fail('password', 'contains a NUL character (U+0000), which SASL PLAIN uses to separate the user name from the password');
  if (password) target.password = password;
  const source = credentialSource(input.password, input.passwordEnv, input.passwordFile, opts.baseDir);
  if (password && source) target.credentialSource = source;
  const authPolicy = {
    ...(input.authFailLimit !== undefined ? { failLimit: input.authFailLimit } : {}),
    ...(input.authRetryAfter !== undefined ? { retryAfterMs: parseDuration(input.authRetryAfter, 'authRetryAfter') } : {}),
    ...(input.authEvery !== undefined ? { everyMs: parseDuration(input.authEvery, 'authEvery') } : {}),
  };
  if (Object.keys(authPolicy).length > 0) target.authPolicy = authPolicy;
  const token = await secret(input.token, input.tokenEnv, input.tokenFile, 'token', opts);
  if (token && hasControlCharacter(token.reveal())) fail('token', 'contains a control character; a bearer token is printable ASCII (RFC 6750 §2.1), and U+0001 separates the fields of XOAUTH2 and OAUTHBEARER');
  if (token) target.token = token;
  const oauth = await resolveOAuthCredential(input, opts);
  if (oauth) target.oauth = oauth;
  if (target.user && !target.password && !target.token && !target.oauth && opts.prompt) {
    const typed = await opts.prompt(`Password for ${target.user}: `);
    if (typed) target.password = new Secret(typed);
  }
  return target;
}

/** thresholds: per-step and ICMP limits, parsed and checked (a warning limit above its critical one is refused). */
function thresholds(input: TargetInput, fail: (field: string, problem: string) => never): Pick<Target, 'stepWarnMs' | 'stepCritMs' | 'pingWarn' | 'pingCrit'> {
  const out: Pick<Target, 'stepWarnMs' | 'stepCritMs' | 'pingWarn' | 'pingCrit'> = {};
  for (const key of ['stepWarnMs', 'stepCritMs'] as const) {
    const raw = input[key];
    if (raw === undefined) continue;
    const parsed = parseStepThresholds(raw);
    if (typeof parsed === 'string') fail(key, parsed);
    else out[key] = parsed;
  }
  for (const [step, warn] of Object.entries(out.stepWarnMs ?? {})) {
    const crit = out.stepCritMs?.[step as keyof typeof out.stepCritMs];
    if (crit !== undefined && warn > crit) fail('stepWarnMs', `${step}=${warn} is above stepCritMs ${step}=${crit}`);
  }
  for (const key of ['pingWarn', 'pingCrit'] as const) {
    const raw = input[key];
    if (raw === undefined) continue;
    const parsed = parsePingThreshold(raw);
    if (typeof parsed === 'string') fail(key, parsed);
    else out[key] = parsed;
  }
  if (out.pingWarn && out.pingCrit && (out.pingWarn.rttMs > out.pingCrit.rttMs || out.pingWarn.lossPct > out.pingCrit.lossPct)) {
    fail('pingWarn', `${input.pingWarn} is above pingCrit ${input.pingCrit}`);
  }
  return out;
}

/**
 * addressFamily: the family -4/-6 (or the source address) allows. A source address of one
 * family can only reach addresses of that family, so it restricts the family too; a
 * contradiction (both flags, -6 with an IPv4 source or host literal) is an input error.
 */
function addressFamily(input: TargetInput, host: string, fail: (field: string, problem: string) => never): 4 | 6 | undefined {
  if (input.ipv4 && input.ipv6) fail('ipv4', 'give -4 (ipv4) or -6 (ipv6), not both');
  const asked = input.ipv4 ? 4 : input.ipv6 ? 6 : undefined;
  const source = input.sourceAddress === undefined ? 0 : isIP(input.sourceAddress);
  if (asked && source && asked !== source) fail('sourceAddress', `${input.sourceAddress} is an IPv${source} address, but ${asked === 4 ? '-4 (ipv4)' : '-6 (ipv6)'} was given`);
  const family = asked ?? (source === 4 || source === 6 ? source : undefined);
  const literal = isIP(host);
  if (family && literal && literal !== family) {
    fail(asked ? (asked === 4 ? 'ipv4' : 'ipv6') : 'sourceAddress', `the host ${host} is an IPv${literal} address; ${asked ? `-${asked}` : `the source address ${input.sourceAddress}`} allows only IPv${family}`);
  }
  return family;
}

/** credentialSource: where a password reference points (env var or file), for lockout protection. */
function credentialSource(ref: string | undefined, env: string | undefined, file: string | undefined, baseDir: string): CredentialSource | undefined {
  if (env !== undefined) return { kind: 'env', name: env };
  if (file !== undefined) return { kind: 'file', path: path.resolve(baseDir, file) };
  if (ref?.startsWith('env:')) return { kind: 'env', name: ref.slice(4) };
  if (ref?.startsWith('file:')) return { kind: 'file', path: path.resolve(baseDir, ref.slice(5)) };
  return undefined;
}

async function secret(ref: string | undefined, env: string | undefined, file: string | undefined, field: string, opts: ResolveOptions): Promise<Secret | undefined> {
  const given = [ref, env, file].filter((x) => x !== undefined).length;
  if (given > 1) throw new ConfigError(field, `give one of ${field}, ${field}Env, ${field}File`, opts.where);
  try {
    if (ref !== undefined) return await resolveSecretRef(ref, field, opts);
    if (env !== undefined) return fromEnv(env, `${field}Env`, opts);
    if (file !== undefined) return await fromFile(file, `${field}File`, opts);
  } catch (err) {
    if (err instanceof ConfigError && opts.where && !err.where) throw new ConfigError(err.field, err.problem, opts.where);
    throw err;
  }
  return undefined;
}

/** The EHLO name: this machine's name, as an MTA would use (RFC 5321 §4.1.1.1 wants an FQDN). */
function defaultEhloName(): string {
  const h = os.hostname();
  return /^[A-Za-z0-9.-]+$/.test(h) && h.length > 0 ? h : 'localhost.localdomain';
}
