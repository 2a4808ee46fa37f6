import * as z from 'zod/mini';
import { FINDING_CODES } from './finding-codes.js';
import { STEP_NAMES } from './report.js';
import { ATTEMPTABLE_MECHANISMS, TLS_VERSIONS } from './target.js';

/**
 * reportSchema: the JSON Report (`--format json`, one line of `ndjson`) as a zod schema, so
 * that `smtprobe schema report` can publish it as JSON Schema. The TypeScript `Report` type is
 * the source of truth; a type-level test holds this schema equal to it, so adding a field to
 * one without the other does not compile.
 *
 * Objects are open (unknown keys allowed): Reports only ever gain fields, and a consumer that
 * validates with an older schema must keep accepting newer Reports. Step `data` is step-specific
 * and versioned by step name, so it is left open here.
 */

const stepName = z.enum(STEP_NAMES);
const findingCode = z.enum(FINDING_CODES);
const tlsVersion = z.enum(TLS_VERSIONS as unknown as [(typeof TLS_VERSIONS)[number], ...(typeof TLS_VERSIONS)[number][]]);
const opt = z.optional;

const stepErrorSchema = z.object({
  code: findingCode,
  message: z.string(),
  replyCode: opt(z.number()),
  enhanced: opt(z.string()),
  observed: opt(findingCode),
});

const stepResultSchema = z.object({
  step: stepName,
  status: z.enum(['pass', 'warn', 'fail', 'skip']),
  startedAt: z.number(),
  durationMs: z.number(),
  data: opt(z.unknown()),
  error: opt(stepErrorSchema),
  reason: opt(z.string()),
});

const transcriptLineSchema = z.object({
  t: z.number(),
  dir: z.enum(['>', '<', '*']),
  text: z.string(),
});

const findingSchema = z.object({
  code: findingCode,
  severity: z.enum(['info', 'warning', 'critical']),
  title: z.string(),
  evidence: z.array(z.string()),
  cause: z.string(),
  fix: z.array(z.string()),
  exchange: opt(z.object({ setting: z.string(), command: z.string() })),
  step: opt(stepName),
});

const summarySchema = z.object({
  failedStep: opt(z.object({ step: stepName, code: z.string() })),
  tlsProtocol: opt(z.string()),
  tlsCipher: opt(z.string()),
  certNotAfter: opt(z.string()),
  certDaysLeft: opt(z.number()),
  authMechanism: opt(z.string()),
  capabilityDiff: opt(z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) })),
  replyCodes: z.partialRecord(stepName, z.number()),
  goalReached: opt(z.boolean()),
});

const rttSchema = z.object({ min: z.number(), avg: z.number(), max: z.number(), stddev: z.number(), p95: z.number() });

const hopSchema = z.object({
  ttl: z.number(),
  address: z.nullable(z.string()),
  name: opt(z.string()),
  sent: z.number(),
  received: z.number(),
  lossPct: z.number(),
  linkLossPct: z.number(),
  sourceLossPct: z.number(),
  rttMs: z.nullable(rttSchema),
  destination: opt(z.boolean()),
  unreachable: opt(z.boolean()),
});

/** The probed target without its secrets: only whether a password, token or client certificate was given. */
const publicTargetSchema = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number(),
  tls: z.enum(['implicit', 'starttls', 'starttls-optional', 'none']),
  tlsVerify: z.enum(['none', 'chain', 'domain']),
  tlsDomain: opt(z.string()),
  caFiles: z.array(z.string()),
  tlsMin: opt(tlsVersion),
  tlsMax: opt(tlsVersion),
  tlsScan: z.boolean(),
  certWarnDays: z.number(),
  certCritDays: z.number(),
  certWarnLifetimePct: opt(z.number()),
  warnMs: opt(z.number()),
  critMs: opt(z.number()),
  stepWarnMs: opt(z.partialRecord(stepName, z.number())),
  stepCritMs: opt(z.partialRecord(stepName, z.number())),
  pingWarn: opt(z.object({ rttMs: z.number(), lossPct: z.number() })),
  pingCrit: opt(z.object({ rttMs: z.number(), lossPct: z.number() })),
  ehlo: z.string(),
  auth: z.enum(['auto', 'none', ...ATTEMPTABLE_MECHANISMS]),
  user: opt(z.string()),
  allowPlaintextAuth: z.boolean(),
  mailFrom: opt(z.string()),
  rcpt: z.array(z.string()),
  client: z.enum(['generic', 'exchange']),
  timeouts: z.object({ totalMs: z.number(), phaseMs: z.number() }),
  connectivity: z.object({
    icmp: z.enum(['auto', 'off']),
    icmpCount: z.number(),
    path: z.boolean(),
    pathCount: z.number(),
    dnsServer: opt(z.string()),
    mx: opt(z.string()),
    pathMaxHops: opt(z.number()),
    pathIntervalMs: opt(z.number()),
    pathNames: opt(z.boolean()),
    addressFamily: opt(z.union([z.literal(4), z.literal(6)])),
    sourceAddress: opt(z.string()),
  }),
  labels: z.record(z.string(), z.string()),
  allAddresses: opt(z.boolean()),
  connectorName: opt(z.string()),
  smartHostAuthMechanism: opt(z.enum(['None', 'BasicAuth', 'BasicAuthRequireTLS', 'ExchangeServer', 'ExternalAuthoritative'])),
  authPolicy: opt(z.object({ failLimit: opt(z.number()), retryAfterMs: opt(z.number()), everyMs: opt(z.number()) })),
  hasPassword: z.boolean(),
  hasToken: z.boolean(),
  hasClientCert: z.boolean(),
  oauth: opt(z.object({
    provider: z.enum(['microsoft', 'google', 'generic']),
    grant: z.enum(['client_credentials', 'refresh_token', 'jwt_bearer']),
    clientId: opt(z.string()),
    tenant: opt(z.string()),
    tokenUrl: z.string(),
    scope: opt(z.string()),
    clientAuth: z.enum(['secret', 'certificate', 'service-account', 'none']),
    serviceAccountEmail: opt(z.string()),
  })),
});

export const reportSchema = z.object({
  schema: z.literal(1),
  target: publicTargetSchema,
  startedAt: z.string(),
  durationMs: z.number(),
  steps: z.array(stepResultSchema),
  transcript: z.array(transcriptLineSchema),
  findings: z.array(findingSchema),
  verdict: z.enum(['ok', 'warning', 'critical', 'unknown']),
  summary: summarySchema,
  hops: opt(z.array(hopSchema)),
  addresses: opt(z.array(z.object({
    address: z.string(),
    family: z.union([z.literal(4), z.literal(6)]),
    verdict: z.enum(['ok', 'warning', 'critical', 'unknown']),
    durationMs: z.number(),
    steps: z.array(z.object({ step: stepName, status: z.enum(['pass', 'warn', 'fail', 'skip']), durationMs: z.number(), code: opt(z.string()) })),
    summary: summarySchema,
    certFingerprint256: opt(z.string()),
    capabilities: opt(z.array(z.string())),
    findings: z.array(z.string()),
    odd: opt(z.boolean()),
    transcript: opt(z.array(transcriptLineSchema)),
  }))),
});
