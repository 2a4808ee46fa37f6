import * as z from 'zod';
import { CERT_PROFILES, SUBJECT_PATTERN, type CertProfile } from './certs/cert-profile.js';
import { FINDING_CODES, type FindingCode } from '../model/finding-codes.js';
import { ATTEMPTABLE_MECHANISMS, TLS_VERSIONS, type MechanismName, type TlsModeOption, type TlsVerify, type TlsVersion } from '../model/target.js';
import type { Verdict } from '../model/report.js';
import { framingCharacter } from '../model/wire-text.js';
import { oauthProbeShape, oauthScenarioSchema, type OAuthProbe, type OAuthScenario } from './oauth-scenario-schema.js';

/**
 * The scenario language of the mock smart host (docs/scenarios.md is the user's guide).
 * A scenario file describes one server behaviour — usually one failure — plus how a probe is
 * run against it and what that probe must find. Every field has a default, so a file states
 * only what makes its scenario different.
 */

/** Mechanisms the mock can verify server-side: the ones smtprobe attempts, minus OAUTHBEARER, plus detected-only ones it only advertises. */
export const MOCK_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'NTLM', 'GSSAPI'] as const;
export type MockMechanism = (typeof MOCK_MECHANISMS)[number];

/** Verbs a reply script may target. DATA is absent on purpose: the mock always answers DATA with 554. */
export const SCRIPTABLE_VERBS = ['EHLO', 'HELO', 'STARTTLS', 'AUTH', 'MAIL', 'RCPT', 'RSET', 'NOOP', 'QUIT', 'VRFY'] as const;
export type ScriptableVerb = (typeof SCRIPTABLE_VERBS)[number];

const replyCode = z.number().int().min(200).max(599);

/**
 * Text the mock puts on the wire (host name, greeting, replies, EHLO keywords). CR, LF and
 * NUL are refused: with them a scenario could slip extra reply lines past its own reply
 * script. Hostile framing is what `fault` is for, where it is named and explicit.
 */
const serverText = z.string().superRefine((v, ctx) => {
  const bad = framingCharacter(v);
  if (bad) ctx.addIssue({ code: 'custom', message: `contains ${bad.name} at position ${bad.index + 1}: a line break or NUL in text the server sends would add lines of its own (use a fault for hostile framing)` });
});

const replyText = z.union([serverText, z.array(serverText).min(1)]);

/**
 * ScriptedReply: one reply the server sends instead of its normal one. `text` may carry an
 * RFC 3463 enhanced status code as its first word, exactly as the wire shows it; an array
 * is a multi-line reply (RFC 5321 §4.2.1: every line but the last has "-" after the code).
 */
export const scriptedReplySchema = z
  .object({
    code: replyCode,
    text: replyText.default(''),
    /** Wait this long before sending the reply. */
    delayMs: z.number().int().min(0).max(600_000).default(0),
    /** Close the connection right after this reply (like a 421). */
    close: z.boolean().default(false),
    /**
     * AUTH only: `final` (default) answers after the client sent its credentials, as a server
     * that checked them does; `command` answers the AUTH command itself, before any 334
     * challenge (e.g. 530 "Must issue a STARTTLS command first", 504 unknown mechanism).
     */
    stage: z.enum(['command', 'final']).default('final'),
  })
  .strict();
export type ScriptedReply = z.infer<typeof scriptedReplySchema>;

/** ReplyStep: a scripted reply, or `default` = behave as the server normally would for this attempt. */
export const replyStepSchema = z.union([z.literal('default'), scriptedReplySchema]);
export type ReplyStep = z.infer<typeof replyStepSchema>;

const greetingSchema = z
  .object({
    /** 220 normally; 4xx/5xx (e.g. 554, 421) refuses the session (RFC 5321 §3.1) and closes. */
    code: replyCode.default(220),
    /** Default: "<hostname> ESMTP mock". */
    text: replyText.optional(),
    delayMs: z.number().int().min(0).max(600_000).default(0),
  })
  .strict();

const tlsVersion = z.enum(TLS_VERSIONS as unknown as [TlsVersion, ...TlsVersion[]]);

const userSchema = z.object({ username: z.string().min(1), password: z.string() }).strict();

const authSchema = z
  .object({
    /** Advertised in EHLO, in this order. */
    mechanisms: z.array(z.enum(MOCK_MECHANISMS)).default(['PLAIN', 'LOGIN']),
    /**
     * `after-starttls`: AUTH is listed (and accepted) only once TLS is up, as Postfix's
     * smtpd_tls_auth_only does; with `tls: none` that means never, with `implicit` always.
     */
    advertise: z.enum(['always', 'after-starttls', 'never']).default('after-starttls'),
    /** Also advertise the pre-RFC 4954 "AUTH=MECH ..." line (old Outlook/Exchange clients read it). */
    legacyAuthEquals: z.boolean().default(false),
    users: z.array(userSchema).default([]),
    /** MAIL FROM without AUTH gets "530 5.7.0 Authentication required" (RFC 4954 §6). */
    required: z.boolean().default(true),
  })
  .strict();

const extensionsSchema = z
  .object({
    /**
     * EHLO keywords before TLS (or on a plaintext server). STARTTLS and AUTH lines are
     * derived from `tls` and `auth` and appended; list them here to control their position
     * or wording — a listed STARTTLS/AUTH line replaces the derived one.
     */
    plain: z.array(serverText.min(1)).optional(),
    /** EHLO keywords after STARTTLS, or on an implicit-TLS port. Default: same as `plain`. */
    tls: z.array(serverText.min(1)).optional(),
  })
  .strict();

const at = z.union([z.literal('greeting'), z.enum(SCRIPTABLE_VERBS)]);

/** Faults: hostile behaviours served by the raw responder (src/mock/faults.ts). */
export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  /** Send the greeting, then close (FIN) without waiting for a command. */
  z.object({ kind: z.literal('close-after-banner') }).strict(),
  /** Answer `at` with only the first `afterBytes` bytes of the normal reply, then close. */
  z.object({ kind: z.literal('close-mid-reply'), at: at.default('EHLO'), afterBytes: z.number().int().min(1).default(12) }).strict(),
  /** Answer STARTTLS with "220 2.0.0 Ready to start TLS", then reset the connection (RST). */
  z.object({ kind: z.literal('reset-after-starttls') }).strict(),
  /** Answer STARTTLS with 220, read the ClientHello, then drop the connection mid-handshake. */
  z.object({ kind: z.literal('abort-mid-handshake'), how: z.enum(['close', 'reset']).default('reset') }).strict(),
  /** Accept the connection and never send a byte. */
  z.object({ kind: z.literal('never-answer') }).strict(),
  /** Send everything (greeting and replies) `bytesPerTick` bytes every `intervalMs`. */
  z.object({ kind: z.literal('tarpit'), intervalMs: z.number().int().min(1).default(1000), bytesPerTick: z.number().int().min(1).default(1) }).strict(),
  /** Answer `at` with a multi-line reply that never ends ("250-..." forever). */
  z.object({ kind: z.literal('endless-multiline'), at: at.default('EHLO') }).strict(),
  /** Answer `at` with one line of `bytes` bytes (default 1 MiB) before its CRLF. */
  z.object({ kind: z.literal('huge-line'), at: at.default('greeting'), bytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024) }).strict(),
  /** Greet with `bytes` bytes of binary garbage instead of SMTP, then stay silent. */
  z.object({ kind: z.literal('binary-garbage'), bytes: z.number().int().min(1).default(4096) }).strict(),
  /**
   * Behave as an HTTP server. `speakFirst` (default) sends an HTTP 400 response as soon as a
   * client connects, so a probe can recognise it; `false` waits for a request like a real
   * web server (a probe then sees only silence).
   */
  z.object({ kind: z.literal('http-server'), speakFirst: z.boolean().default(true) }).strict(),
  /** Speak TLS from the first byte (an implicit-TLS port) where a probe expects STARTTLS. */
  z.object({ kind: z.literal('tls-on-starttls-port') }).strict(),
]);
export type Fault = z.infer<typeof faultSchema>;
export type FaultKind = Fault['kind'];

/** A bare kind string (`fault: never-answer`) is shorthand for `{ kind: never-answer }`. */
const faultField = z.preprocess((v) => (typeof v === 'string' ? { kind: v } : v), faultSchema);

const verbKey = z.enum(SCRIPTABLE_VERBS);

const serverSchema = z
  .object({
    /** EHLO domain and the host name the certificate is issued for. */
    hostname: serverText.min(1).default('smarthost.test'),
    /**
     * Which implementation serves the scenario: `auto` (default) uses smtp-server whenever it
     * can express the scenario and the raw responder otherwise; the others force one.
     */
    engine: z.enum(['auto', 'smtp-server', 'raw']).default('auto'),
    greeting: greetingSchema.default({ code: 220, delayMs: 0 }),
    /** `starttls` (RFC 3207), `implicit` (RFC 8314 TLS on connect) or `none`. */
    tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
    certificate: z.enum(CERT_PROFILES as unknown as [CertProfile, ...CertProfile[]]).default('valid'),
    /** Names the certificate is issued for; default [hostname]. */
    certificateHostnames: z.array(serverText.min(1)).min(1).optional(),
    /** For `expires-soon`: days left (default 5). */
    expiresInDays: z.number().int().min(0).max(3650).optional(),
    /** The leaf's subject, e.g. "O=Contoso, CN=mail.contoso.com"; default `CN=<first certificate name>`. */
    certificateSubject: z.string().regex(SUBJECT_PATTERN, 'KEY=value pairs joined by ", " (CN, O, OU, C, ST, L, DC), without escapes or multi-valued parts').optional(),
    tlsVersions: z.object({ min: tlsVersion.default('TLSv1.2'), max: tlsVersion.default('TLSv1.3') }).strict().default({ min: 'TLSv1.2', max: 'TLSv1.3' }),
    /** Client certificate: `request` asks but accepts none or any; `require` rejects a missing or untrusted one. */
    clientCert: z.enum(['none', 'request', 'require']).default('none'),
    extensions: extensionsSchema.default({}),
    auth: authSchema.default({ mechanisms: ['PLAIN', 'LOGIN'], advertise: 'after-starttls', legacyAuthEquals: false, users: [], required: true }),
    /**
     * Reply scripts per verb: the nth time the server receives the verb (counted across all
     * sessions of this server, so a retry on a new connection is the next attempt) it sends
     * the nth entry; the last entry repeats.
     */
    replies: z.partialRecord(verbKey, z.array(replyStepSchema).min(1)).default({}),
    /** >0: a connection beyond this many open ones gets "421 4.7.0 Too many connections" and is closed. */
    maxConnections: z.number().int().min(0).default(0),
    fault: faultField.default({ kind: 'none' }),
  })
  .strict();

const tlsVerifySchema = z.enum(['none', 'chain', 'domain']);
const mechanismOption = z.union([z.enum(['auto', 'none']), z.enum(ATTEMPTABLE_MECHANISMS as unknown as [MechanismName, ...MechanismName[]])]);

/**
 * probe: how to run `smtprobe check` against the scenario — the check flags in camelCase.
 * Host and port are filled in by whoever starts the mock; the mock's CA is added unless
 * `useMockCa` is false.
 */
const probeSchema = z
  .object({
    tls: z.enum(['auto', 'implicit', 'starttls', 'starttls-optional', 'none']).optional(),
    tlsVerify: tlsVerifySchema.optional(),
    tlsDomain: z.string().optional(),
    tlsMin: tlsVersion.optional(),
    tlsMax: tlsVersion.optional(),
    tlsScan: z.boolean().optional(),
    certWarnDays: z.number().int().min(0).optional(),
    certCritDays: z.number().int().min(0).optional(),
    ehlo: z.string().optional(),
    auth: mechanismOption.optional(),
    user: z.string().optional(),
    /** Test passwords may live only in scenario files (never real ones). */
    password: z.string().optional(),
    /** OAuth bearer token for XOAUTH2 (a test value). */
    token: z.string().optional(),
    allowPlaintextAuth: z.boolean().optional(),
    mailFrom: z.string().optional(),
    rcpt: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string())).optional(),
    /** Whole-probe deadline, seconds. */
    timeout: z.number().positive().optional(),
    /** Per-phase deadline, seconds. */
    phaseTimeout: z.number().positive().optional(),
    client: z.enum(['generic', 'exchange']).optional(),
    /** Client certificate to present: one from the mock's client CA, or one it does not trust. */
    clientCert: z.enum(['none', 'trusted', 'untrusted', 'server-auth-only']).optional(),
    /** Add the mock's root CA to the trusted roots (default true). */
    useMockCa: z.boolean().optional(),
    ...oauthProbeShape,
  })
  .strict();

const findingCode = z.enum(FINDING_CODES as unknown as [FindingCode, ...FindingCode[]], {
  error: (issue) => `"${String(issue.input)}" is not a finding code (the list is in src/model/finding-codes.ts)`,
});

const expectSchema = z
  .object({
    /** Codes the probe MUST produce. */
    codes: z.array(findingCode).default([]),
    /** At least one of these must be produced (e.g. BANNER_TIMEOUT or PHASE_TIMEOUT). */
    anyOf: z.array(findingCode).default([]),
    /** Codes the probe must NOT produce. */
    absent: z.array(findingCode).default([]),
    verdict: z.enum(['ok', 'warning', 'critical', 'unknown']),
  })
  .strict();

/** scenarioObjectSchema: the scenario document without the cross-field rules (scenarioSchema adds them). */
export const scenarioObjectSchema = z
  .object({
    /** Equal to the file name without `.yaml`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    server: serverSchema.default(serverSchema.parse({})),
    probe: probeSchema.default({}),
    /** A token endpoint (and optionally a bearer-checking SMTP side): see oauth-scenario-schema.ts. */
    oauth: oauthScenarioSchema.optional(),
    expect: expectSchema,
  })
  .strict();

/** Cross-field rules that a per-field schema cannot state. */
function checkScenario(s: z.infer<typeof scenarioObjectSchema>, ctx: z.RefinementCtx): void {
  const order = TLS_VERSIONS as readonly string[];
  if (order.indexOf(s.server.tlsVersions.min) > order.indexOf(s.server.tlsVersions.max)) {
    ctx.addIssue({ code: 'custom', path: ['server', 'tlsVersions'], message: 'min is newer than max' });
  }
  if (s.server.expiresInDays !== undefined && s.server.certificate !== 'expires-soon') {
    ctx.addIssue({ code: 'custom', path: ['server', 'expiresInDays'], message: 'only meaningful with certificate: expires-soon' });
  }
  for (const [verb, steps] of Object.entries(s.server.replies)) {
    steps?.forEach((step, i) => {
      if (step !== 'default' && step.stage === 'command' && verb !== 'AUTH') {
        ctx.addIssue({ code: 'custom', path: ['server', 'replies', verb, i, 'stage'], message: 'stage applies to AUTH only' });
      }
    });
  }
  if (s.oauth?.smtp && (s.server.fault.kind !== 'none' || Object.keys(s.server.replies).length > 0)) {
    ctx.addIssue({ code: 'custom', path: ['oauth', 'smtp'], message: 'with oauth.smtp the bearer-checking server answers SMTP: server.fault and server.replies would not be used' });
  }
  const oauthKeys = (['oauthClientId', 'oauthClientSecret', 'oauthRefreshToken', 'oauthServiceAccount', 'oauthClientCertificate', 'oauthTenant', 'oauthScope'] as const).filter((k) => s.probe[k] !== undefined);
  if (oauthKeys.length > 0 && !s.oauth) {
    ctx.addIssue({ code: 'custom', path: ['probe', oauthKeys[0] ?? 'oauthClientId'], message: 'needs an oauth: section (the token endpoint the probe fetches its token from)' });
  }
  if (s.oauth && s.probe.oauthServiceAccount !== undefined && !s.oauth.tokenEndpoint.serviceAccounts.some((a) => a.email === s.probe.oauthServiceAccount)) {
    ctx.addIssue({ code: 'custom', path: ['probe', 'oauthServiceAccount'], message: 'names no service account of oauth.tokenEndpoint.serviceAccounts' });
  }
  const overlap = s.expect.codes.filter((c) => s.expect.absent.includes(c));
  if (overlap.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['expect', 'absent'], message: `also listed in codes: ${overlap.join(', ')}` });
  }
}

/** Scenario: one validated scenario file, defaults filled in. */
export interface Scenario {
  name: string;
  description: string;
  server: {
    hostname: string;
    engine: 'auto' | 'smtp-server' | 'raw';
    greeting: { code: number; text?: string | string[] | undefined; delayMs: number };
    tls: 'starttls' | 'implicit' | 'none';
    certificate: CertProfile;
    certificateHostnames?: string[] | undefined;
    expiresInDays?: number | undefined;
    certificateSubject?: string | undefined;
    tlsVersions: { min: TlsVersion; max: TlsVersion };
    clientCert: 'none' | 'request' | 'require';
    extensions: { plain?: string[] | undefined; tls?: string[] | undefined };
    auth: {
      mechanisms: MockMechanism[];
      advertise: 'always' | 'after-starttls' | 'never';
      legacyAuthEquals: boolean;
      users: { username: string; password: string }[];
      required: boolean;
    };
    replies: Partial<Record<ScriptableVerb, ReplyStep[]>>;
    maxConnections: number;
    fault: Fault;
  };
  probe: {
    tls?: TlsModeOption | undefined;
    tlsVerify?: TlsVerify | undefined;
    tlsDomain?: string | undefined;
    tlsMin?: TlsVersion | undefined;
    tlsMax?: TlsVersion | undefined;
    tlsScan?: boolean | undefined;
    certWarnDays?: number | undefined;
    certCritDays?: number | undefined;
    ehlo?: string | undefined;
    auth?: 'auto' | 'none' | MechanismName | undefined;
    user?: string | undefined;
    password?: string | undefined;
    token?: string | undefined;
    allowPlaintextAuth?: boolean | undefined;
    mailFrom?: string | undefined;
    rcpt?: string[] | undefined;
    timeout?: number | undefined;
    phaseTimeout?: number | undefined;
    client?: 'generic' | 'exchange' | undefined;
    clientCert?: 'none' | 'trusted' | 'untrusted' | 'server-auth-only' | undefined;
    useMockCa?: boolean | undefined;
  } & OAuthProbe;
  oauth?: OAuthScenario | undefined;
  expect: { codes: FindingCode[]; anyOf: FindingCode[]; absent: FindingCode[]; verdict: Verdict };
}

/** scenarioSchema validates a parsed scenario document and fills in defaults (zod 4). */
export const scenarioSchema: z.ZodType<Scenario> = scenarioObjectSchema.superRefine(checkScenario);
