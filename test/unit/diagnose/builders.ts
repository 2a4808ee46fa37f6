import type { FindingCode } from '../../../src/model/finding-codes.js';
import type { Status, StepName, StepResult, TranscriptLine } from '../../../src/model/report.js';
import type {
  AuthData, Capabilities, CertProblem, CertSummary, EhloData, SmtpReply, TlsData,
} from '../../../src/model/step-data.js';
import type { PublicTarget } from '../../../src/model/target.js';
import type { DiagnoseInput } from '../../../src/diagnose/index.js';

/** Small builders for hand-made Reports: a passing probe, then one change per test. */

export function target(over: Partial<PublicTarget> = {}): PublicTarget {
  return {
    name: 'relay.example.net:587',
    host: 'relay.example.net',
    port: 587,
    tls: 'starttls',
    tlsVerify: 'domain',
    caFiles: [],
    tlsScan: false,
    certWarnDays: 21,
    certCritDays: 7,
    ehlo: 'probe.example.org',
    auth: 'auto',
    user: 'alice@example.net',
    allowPlaintextAuth: false,
    rcpt: [],
    client: 'generic',
    timeouts: { totalMs: 60_000, phaseMs: 30_000 },
    connectivity: { icmp: 'off', icmpCount: 3, path: false, pathCount: 10 },
    labels: {},
    hasPassword: true,
    hasToken: false,
    hasClientCert: false,
    ...over,
  };
}

/** reply builds an SmtpReply; `lines` are texts without code and enhanced status. */
export function reply(code: number, enhanced: string | undefined, ...lines: string[]): SmtpReply {
  const r: SmtpReply = { code, lines: lines.length > 0 ? lines : [''] };
  if (enhanced) r.enhanced = enhanced;
  return r;
}

export function caps(over: Partial<Capabilities> = {}): Capabilities {
  const c: Capabilities = { domain: 'relay.example.net', keywords: {}, auth: [], authLegacy: [], starttls: false, ...over };
  const keywords: Record<string, string[]> = { PIPELINING: [], SIZE: ['10240000'], ...c.keywords };
  if (c.starttls) keywords.STARTTLS = [];
  if (c.auth.length > 0) keywords.AUTH = [...c.auth];
  c.keywords = keywords;
  return c;
}

export function step(name: StepName, status: Status, data?: unknown, error?: { code: FindingCode; message?: string; replyCode?: number; enhanced?: string }): StepResult {
  // Tests give only the data fields a rule reads; the whole result is typed once, here.
  const r: Omit<StepResult, 'data'> & { data?: unknown } = { step: name, status, startedAt: 1_000, durationMs: 5 };
  if (data !== undefined) r.data = data;
  if (error) r.error = { message: error.message ?? `${name} failed`, ...error };
  return r as StepResult;
}

export function cert(over: Partial<CertSummary> = {}): CertSummary {
  return {
    subject: 'CN=relay.example.net',
    issuer: 'CN=Test Intermediate CA',
    serial: '01',
    fingerprint256: 'AA:BB',
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2027-01-01T00:00:00Z',
    san: ['relay.example.net'],
    keyType: 'rsa',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    selfSigned: false,
    ...over,
  };
}

export function tlsData(over: Partial<TlsData> = {}): TlsData {
  return {
    mode: 'starttls',
    servername: 'relay.example.net',
    verify: 'domain',
    protocol: 'TLSv1.3',
    cipher: { name: 'TLS_AES_256_GCM_SHA384' },
    authorized: true,
    chain: [cert(), cert({ subject: 'CN=Test Intermediate CA', issuer: 'CN=Test Root CA', san: [] })],
    problems: [],
    verifyPassed: true,
    clientCertSent: false,
    ...over,
  };
}

export function problem(code: CertProblem['code'], severity: CertProblem['severity'] = 'critical', certIndex = 0): CertProblem {
  return { code, severity, certIndex, detail: `${code} detail` };
}

export function ehloData(c: Capabilities): EhloData {
  return { command: 'EHLO', reply: reply(250, undefined, c.domain), capabilities: c };
}

export function authData(over: Partial<AuthData> = {}): AuthData {
  return {
    offered: ['PLAIN', 'LOGIN'],
    offeredBeforeTls: [],
    offeredAfterTls: ['PLAIN', 'LOGIN'],
    usable: ['PLAIN', 'LOGIN'],
    detectedOnly: [],
    mechanism: 'PLAIN',
    attempted: true,
    reply: reply(235, '2.7.0', 'Authentication successful'),
    rounds: 0,
    ...over,
  };
}

/** passingSteps: a clean STARTTLS probe: AUTH only after TLS, valid certificate, AUTH accepted. */
export function passingSteps(): StepResult[] {
  const plain = caps({ starttls: true });
  const secured = caps({ auth: ['PLAIN', 'LOGIN'] });
  return [
    step('dns', 'pass', { host: 'relay.example.net', addresses: [{ address: '127.0.0.1', family: 4 }] }),
    step('tcp', 'pass', { address: '127.0.0.1', family: 4, port: 587 }),
    step('banner', 'pass', { reply: reply(220, undefined, 'relay.example.net ESMTP'), greetingHost: 'relay.example.net' }),
    step('ehlo', 'pass', ehloData(plain)),
    step('starttls', 'pass', { offered: true, reply: reply(220, '2.0.0', 'Ready to start TLS') }),
    step('tls', 'pass', tlsData()),
    step('ehlo-tls', 'pass', ehloData(secured)),
    step('auth', 'pass', authData()),
    step('quit', 'pass', { reply: reply(221, '2.0.0', 'Bye') }),
  ];
}

/** passingTranscript: the dialogue of passingSteps, as the connection records it. */
export function passingTranscript(): TranscriptLine[] {
  const lines: [TranscriptLine['dir'], string][] = [
    ['*', 'connected to 127.0.0.1:587'],
    ['<', '220 relay.example.net ESMTP'],
    ['>', 'EHLO probe.example.org'],
    ['<', '250-relay.example.net'],
    ['<', '250-PIPELINING'],
    ['<', '250-SIZE 10240000'],
    ['<', '250 STARTTLS'],
    ['>', 'STARTTLS'],
    ['<', '220 2.0.0 Ready to start TLS'],
    ['>', 'EHLO probe.example.org'],
    ['<', '250-relay.example.net'],
    ['<', '250 AUTH PLAIN LOGIN'],
    ['>', 'AUTH PLAIN [redacted]'],
    ['<', '235 2.7.0 Authentication successful'],
    ['>', 'QUIT'],
    ['<', '221 2.0.0 Bye'],
  ];
  return lines.map(([dir, text], i) => ({ t: i, dir, text }));
}

/** input: a diagnosis input from steps (default: passing) with one or more steps replaced. */
export function input(replace: StepResult[] = [], over: { target?: Partial<PublicTarget>; transcript?: TranscriptLine[]; drop?: StepName[] } = {}): DiagnoseInput {
  const steps = passingSteps()
    .filter((s) => !over.drop?.includes(s.step))
    .map((s) => replace.find((r) => r.step === s.step) ?? s);
  for (const r of replace) if (!steps.some((s) => s.step === r.step)) steps.push(r);
  return { target: target(over.target), steps, transcript: over.transcript ?? passingTranscript() };
}

/** authFail: the AUTH step refused with `r`, classified the way the probe does by reply code. */
export function authFail(r: SmtpReply, code: FindingCode): StepResult {
  return step('auth', 'fail', authData({ reply: r }), { code, replyCode: r.code, ...(r.enhanced ? { enhanced: r.enhanced } : {}) });
}
