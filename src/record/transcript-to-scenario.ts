import { isIP } from 'node:net';
import type * as z from 'zod';
import { SCRIPTABLE_VERBS, type replyStepSchema, type ScriptableVerb, type scenarioObjectSchema } from '../mock/scenario-schema.js';
import { verdictOf } from '../diagnose/verdict.js';
import { CONNECTIVITY_CODES, type FindingCode } from '../model/finding-codes.js';
import type { AddressResult, Report, StepName } from '../model/report.js';
import type { AuthData, BannerData, Capabilities, EhloData, TlsData, TlsScanData } from '../model/step-data.js';
import { parseDialogue, type RecordedExchange } from './dialogue.js';
import { keywordLines, literalExtensions, mockMechanisms, startsWithKeyword } from './ehlo-extensions.js';
import { inferFailure } from './failure-inference.js';
import { REPLAY_PASSWORD, Redactor, redactChallenge, type RedactOptions } from './redact.js';
import { certificateFor, SERVER_DEFAULT_VERSIONS, tlsVersionsFor } from './tls-profile.js';
import { InputError } from '../config/input-error.js';
import { oauthRecording } from './oauth-recording.js';

/** ScenarioDocument: a scenario as written in a file (before defaults are filled in). */
export type ScenarioDocument = z.input<typeof scenarioObjectSchema>;
type ServerDocument = NonNullable<ScenarioDocument['server']>;
type ProbeDocument = NonNullable<ScenarioDocument['probe']>;
type ReplyStep = z.input<typeof replyStepSchema>;
type ScriptedDocument = Exclude<ReplyStep, 'default'>;

/** RecordOptions: how a Report becomes a scenario (name, redaction, timings). */
export interface RecordOptions {
  /** Scenario name (the file name without .yaml). */
  name: string;
  /** Keep the recorded user name instead of the placeholder. */
  keepUsernames?: boolean;
  /** Multiply recorded delays by this factor (0 drops them; default 1). */
  timeScale?: number;
  /** Delays shorter than this (after scaling) are not replayed: they are network noise. Default 1000 ms. */
  minDelayMs?: number;
  /** Secrets known to the caller (the password, the token): scrubbed wherever they might appear. */
  secrets?: RedactOptions['secrets'];
}

/**
 * RecordError: a Report with no SMTP session to replay (DNS or TCP failed): the mock replays
 * a server's side of a conversation, not the network in front of it.
 */
export class RecordError extends InputError {
  override readonly name = 'RecordError';
}

/**
 * NOT_REPLAYED: findings about the network, not the server (DNS, ICMP, the path). A replay runs
 * on loopback without them, so they are left out of `expect` and of its verdict.
 */
const NOT_REPLAYED: ReadonlySet<FindingCode> = new Set(CONNECTIVITY_CODES);

/** DEFAULT_MIN_DELAY_MS: below this a reply's latency is not server behaviour worth replaying. */
export const DEFAULT_MIN_DELAY_MS = 1000;

/** Step data by step name (the Report's steps are typed `unknown`). */
function dataOf<D>(report: Report, step: StepName): D | undefined {
  return report.steps.find((s) => s.step === step)?.data as D | undefined;
}

/** replyText: one line as a string, several as a list (the scenario language's two forms). */
function replyText(text: readonly string[]): string | string[] {
  return text.length === 1 ? (text[0] ?? '') : [...text];
}

function isScriptable(verb: string): verb is ScriptableVerb {
  return (SCRIPTABLE_VERBS as readonly string[]).includes(verb);
}

/** The normal reply a stalled verb finally sends, too late. */
function lateReply(verb: ScriptableVerb, hostname: string): { code: number; text: string | string[] } {
  switch (verb) {
    case 'EHLO':
    case 'HELO':
      return { code: 250, text: hostname };
    case 'STARTTLS':
      return { code: 220, text: '2.0.0 Ready to start TLS' };
    case 'AUTH':
      return { code: 235, text: '2.7.0 Authentication successful' };
    case 'QUIT':
      return { code: 221, text: '2.0.0 Bye' };
    default:
      return { code: 250, text: '2.0.0 Ok' };
  }
}

/**
 * reportToScenario turns a Report into a scenario that replays the server's side of it:
 * greeting (code, text, delay), EHLO lines before and after STARTTLS, the reply to each
 * command (AUTH at the stage it was given; MAIL and RCPT always), TLS mode, a certificate
 * profile and names that reproduce the certificate problems, TLS versions, client
 * certificate requirement, and the fault the failing step implies. Its probe section runs
 * the check the Report came from, with a placeholder user and a fixed test password; its
 * `expect` is the Report's findings and verdict. Every string goes through the Redactor.
 */
export function reportToScenario(report: Report, opts: RecordOptions): ScenarioDocument {
  const tcp = report.steps.find((s) => s.step === 'tcp');
  if (tcp?.status !== 'pass') {
    const failed = report.steps.find((s) => s.status === 'fail');
    throw new RecordError(`no SMTP session to record: the probe stopped at ${failed ? `${failed.step} (${failed.error?.code ?? 'failed'})` : 'the connection'}; the mock replays a server's side of a session, not the network in front of it`);
  }
  const redactor = new Redactor({ username: report.target.user, keepUsernames: opts.keepUsernames === true, secrets: opts.secrets ?? [] });
  const dialogue = parseDialogue(report.transcript);
  const target = report.target;
  const scale = opts.timeScale ?? 1;
  const minDelay = opts.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
  const phaseMs = target.timeouts.phaseMs;
  /** A delay worth replaying: scaled, above the noise floor, and short enough to stay within the phase deadline. */
  const delay = (latencyMs: number): number => {
    const d = Math.round(latencyMs * scale);
    return d >= minDelay ? Math.min(d, Math.floor(phaseMs / 2)) : 0;
  };

  const banner = dataOf<BannerData>(report, 'banner');
  const ehloData = dataOf<EhloData>(report, 'ehlo');
  const ehloTls = dataOf<EhloData>(report, 'ehlo-tls');
  const tlsData = dataOf<TlsData>(report, 'tls');
  const scan = dataOf<TlsScanData>(report, 'tls-scan');
  const auth = dataOf<AuthData>(report, 'auth');
  const capsBefore: Capabilities | undefined = ehloData?.capabilities;
  const capsAfter: Capabilities | undefined = ehloTls?.capabilities;

  const hostname = capsBefore?.domain || capsAfter?.domain || banner?.greetingHost || target.tlsDomain || (isIP(target.host) ? 'smarthost.test' : target.host);
  const probedName = target.tlsDomain ?? (isIP(target.host) ? hostname : target.host);
  const failure = inferFailure(report, dialogue);
  const findingCodes = new Set(report.findings.map((f) => f.code));
  const stepErrors = new Set(report.steps.flatMap((s) => [s.error?.code, s.error?.observed]));
  const has = (code: FindingCode): boolean => findingCodes.has(code) || stepErrors.has(code);

  const server: ServerDocument = { hostname };

  // Greeting (RFC 5321 §4.2): code, text and how long the server took.
  if (dialogue.greeting) {
    const g = dialogue.greeting;
    server.greeting = { code: g.code, text: replyText(g.text) };
    const d = delay(g.latencyMs);
    if (d > 0) server.greeting.delayMs = d;
  }

  // TLS mode: implicit as probed; STARTTLS when the server offered or answered it; else none.
  const starttlsSeen = dialogue.exchanges.some((e) => e.verb === 'STARTTLS' && e.reply) || capsBefore?.starttls === true;
  const implicit = target.tls === 'implicit';
  const noEhloSeen = !dialogue.exchanges.some((e) => (e.verb === 'EHLO' || e.verb === 'HELO') && e.reply);
  // Nothing said whether STARTTLS exists (the session failed before EHLO): keep the mode the probe expected.
  const expected = noEhloSeen && (target.tls === 'starttls' || target.tls === 'starttls-optional');
  if (failure.plaintext) {
    // An implicit-TLS probe met a plaintext server: it greets in clear, as a STARTTLS port does.
    server.greeting ??= { code: failure.plaintext.code, text: failure.plaintext.text };
    server.tls = 'starttls';
  } else server.tls = implicit ? 'implicit' : starttlsSeen || expected || failure.fault?.kind === 'reset-after-starttls' || failure.fault?.kind === 'abort-mid-handshake' ? 'starttls' : 'none';

  // EHLO lines, literal, per TLS state (the mock picks them by state, so a side connection sees the same).
  // Before and after a STARTTLS the server accepted (RFC 3207 §4.2: the client must EHLO again).
  // By the exchanges' order, not their times: on a fast link EHLO, STARTTLS and the next EHLO share a millisecond.
  const started = implicit ? -1 : dialogue.exchanges.findIndex((e) => e.verb === 'STARTTLS' && e.reply?.code === 220);
  const tlsAt = implicit ? -Infinity : started >= 0 ? started : Infinity;
  const ehloReplies = dialogue.exchanges.flatMap((e, i) => (e.verb === 'EHLO' && e.reply && e.reply.code < 400 ? [{ reply: e.reply, i }] : []));
  const beforeLines = keywordLines(ehloReplies.find((e) => e.i < tlsAt)?.reply);
  const afterLines = keywordLines(ehloReplies.find((e) => e.i > tlsAt)?.reply);
  const offeredAfter = auth?.offeredAfterTls ?? capsAfter?.auth ?? [];
  if (beforeLines || afterLines) {
    const extensions: NonNullable<ServerDocument['extensions']> = {};
    if (beforeLines) extensions.plain = literalExtensions(beforeLines);
    if (afterLines) extensions.tls = literalExtensions(afterLines);
    else if (beforeLines) {
      // No EHLO inside TLS was recorded: the same lines without STARTTLS (RFC 3207 §4.2), and the
      // AUTH line a side connection saw inside TLS, if any.
      const inside = beforeLines.filter((l) => !startsWithKeyword(l, 'STARTTLS') && (offeredAfter.length === 0 || !startsWithKeyword(l, 'AUTH')));
      if (offeredAfter.length > 0) inside.push(`AUTH ${offeredAfter.join(' ')}`);
      extensions.tls = literalExtensions(inside);
    }
    if (implicit && extensions.tls) extensions.plain = extensions.tls;
    server.extensions = extensions;
  }

  // Certificate and TLS versions.
  const cert = certificateFor(tlsData, probedName, report.steps.find((s) => s.step === 'tls')?.startedAt);
  if (server.tls !== 'none') {
    if (cert.certificate !== 'valid') server.certificate = cert.certificate;
    if (cert.certificateHostnames) server.certificateHostnames = cert.certificateHostnames;
    if (cert.expiresInDays !== undefined) server.expiresInDays = cert.expiresInDays;
    if (cert.certificateSubject !== undefined) server.certificateSubject = cert.certificateSubject;
    const versions = tlsVersionsFor({ tls: tlsData, scan, mismatch: has('TLS_VERSION_MISMATCH'), clientMin: target.tlsMin, clientMax: target.tlsMax });
    if (versions.min !== SERVER_DEFAULT_VERSIONS.min || versions.max !== SERVER_DEFAULT_VERSIONS.max) server.tlsVersions = versions;
    if (has('CLIENT_CERT_REQUIRED') || has('CLIENT_CERT_REJECTED')) server.clientCert = 'require';
    else if (target.hasClientCert) server.clientCert = 'request';
  }

  // AUTH: the mechanisms advertised anywhere, when, and one user the replay's probe logs in as.
  const advertised = [...(capsBefore?.auth ?? []), ...(capsBefore?.authLegacy ?? []), ...offeredAfter, ...(capsAfter?.authLegacy ?? [])];
  const mechanisms = mockMechanisms(advertised);
  const beforeHasAuth = (capsBefore?.auth.length ?? 0) + (capsBefore?.authLegacy.length ?? 0) > 0;
  const afterHasAuth = offeredAfter.length + (capsAfter?.authLegacy.length ?? 0) > 0;
  const user = target.user !== undefined || auth?.attempted === true ? redactor.userName() : undefined;
  server.auth = {
    mechanisms,
    advertise: mechanisms.length === 0 ? 'never' : beforeHasAuth || implicit ? 'always' : afterHasAuth ? 'after-starttls' : 'never',
    users: user ? [{ username: user, password: REPLAY_PASSWORD }] : [],
  };

  // Reply scripts: per verb, one step per attempt in the order the probe sent them.
  const replies: Partial<Record<ScriptableVerb, ReplyStep[]>> = {};
  const attempts = new Map<ScriptableVerb, number>();
  const startTlsFault = failure.fault?.kind === 'reset-after-starttls' || failure.fault?.kind === 'abort-mid-handshake';
  for (const e of dialogue.exchanges) {
    if (!isScriptable(e.verb)) continue;
    const attempt = attempts.get(e.verb) ?? 0;
    attempts.set(e.verb, attempt + 1);
    const step = scriptFor(e, { delay, startTlsFault });
    const stalled = failure.stall && failure.stall.verb === e.verb && failure.stall.attempt === attempt && !e.reply;
    const list = (replies[e.verb] ??= []);
    if (stalled && failure.stall) list.push({ ...lateReply(e.verb, hostname), delayMs: failure.stall.delayMs });
    else list.push(step);
  }
  for (const verb of Object.keys(replies) as ScriptableVerb[]) {
    if (replies[verb]?.every((s) => s === 'default')) delete replies[verb];
  }
  if (Object.keys(replies).length > 0) server.replies = replies;
  // MAIL is answered as recorded; the mock's own "530 Authentication required" must not pre-empt it.
  if (replies.MAIL) server.auth.required = false;

  if (failure.fault) server.fault = failure.fault;

  const probe = probeFor(report, { user, probedName, untrustedRoot: cert.untrustedRoot, clientCertRejected: has('CLIENT_CERT_REJECTED'), clientCertNoClientAuth: has('CLIENT_CERT_NO_CLIENT_AUTH') });
  // A token smtprobe fetched itself is fetched again in the replay, from the mock's token endpoint.
  const oauth = oauthRecording(report, user);
  if (oauth) Object.assign(probe, oauth.probe);
  // With --all-addresses the dialogue and steps are the first address's, while the findings
  // are every address's: only the first's own are what a replay of its session reproduces.
  const first = recordedAddress(report);
  const own = first ? report.findings.filter((f) => first.findings.includes(f.code)) : report.findings;
  const replayed = own.filter((f) => !NOT_REPLAYED.has(f.code));
  const codes = [...new Set(replayed.map((f) => f.code))].sort();
  const verdict = replayed.length === report.findings.length ? report.verdict : verdictOf(replayed, report.steps);
  const address = `${target.host}:${target.port}`;
  const named = target.name === address ? address : `${target.name} (${address})`;
  const where = first ? `${named}, address ${first.address} (the first of ${report.addresses?.length ?? 0} probed with --all-addresses)` : named;
  const doc: ScenarioDocument = {
    name: opts.name,
    description: `Recorded from ${where} at ${report.startedAt}: ${verdict}${codes.length ? ` — ${codes.join(', ')}` : ''}.`,
    server: oauth?.bearerServer ? bearerFace(server) : server,
    probe,
    ...(oauth ? { oauth: oauth.oauth } : {}),
    expect: { codes, verdict },
  };
  return redactor.deep(doc);
}

/**
 * bearerFace: the `server:` a bearer exchange is replayed with. The bearer-checking server
 * answers AUTH (and so decides the code), but greets, lists extensions and presents the
 * certificate as recorded (`oauth.smtp.presents: server`); reply scripts and faults are not
 * its to play, so they are left out.
 */
function bearerFace(server: ServerDocument): ServerDocument {
  const { replies: _replies, fault: _fault, ...face } = server;
  return face;
}

/**
 * scriptFor: the reply step one recorded exchange becomes — `default` where the mock's own
 * behaviour (extension lists, users) already reproduces it, else the recorded reply.
 */
export function scriptFor(e: RecordedExchange, ctx: { delay: (ms: number) => number; startTlsFault: boolean }): ReplyStep {
  const r = e.reply;
  if (!r) return 'default';
  const scripted = (extra: Partial<ScriptedDocument> = {}): ScriptedDocument => {
    const s: ScriptedDocument = { code: r.code, text: replyText(r.text), ...extra } as ScriptedDocument;
    const d = ctx.delay(r.latencyMs);
    if (d > 0) s.delayMs = d;
    return s;
  };
  switch (e.verb) {
    case 'EHLO':
    case 'HELO':
      // A successful EHLO is played from the extension lists (per TLS state), not per attempt.
      return r.code >= 400 ? scripted() : 'default';
    case 'STARTTLS':
      if (ctx.startTlsFault) return 'default';
      return r.code === 220 && ctx.delay(r.latencyMs) === 0 ? 'default' : scripted();
    case 'AUTH':
      if (r.code === 235) return 'default';
      // RFC 4954 §4: a reply before any challenge and without an initial response answers the command itself.
      return scripted(e.challenges.length === 0 && !e.initialResponse ? { stage: 'command' } : { stage: 'final' });
    case 'MAIL':
    case 'RCPT':
      return scripted();
    case 'QUIT':
      return 'default';
    default:
      return r.code >= 400 ? scripted() : 'default';
  }
}

/** probeFor: the replay's probe, the recorded target's settings with test credentials. */
function probeFor(report: Report, ctx: { user: string | undefined; probedName: string; untrustedRoot: boolean; clientCertRejected: boolean; clientCertNoClientAuth: boolean }): ProbeDocument {
  const t = report.target;
  const p: ProbeDocument = { tls: t.tls, tlsVerify: t.tlsVerify, tlsDomain: ctx.probedName };
  if (t.tlsMin) p.tlsMin = t.tlsMin;
  if (t.tlsMax) p.tlsMax = t.tlsMax;
  if (t.tlsScan) p.tlsScan = true;
  p.certWarnDays = t.certWarnDays;
  p.certCritDays = t.certCritDays;
  p.ehlo = t.ehlo;
  if (t.auth !== 'auto') p.auth = t.auth;
  if (ctx.user) p.user = ctx.user;
  if (t.hasPassword) p.password = REPLAY_PASSWORD;
  // A token smtprobe fetched itself (--oauth-*) is fetched again from the mock's endpoint (oauth-recording.ts).
  if (t.hasToken && !t.oauth) p.token = REPLAY_PASSWORD;
  if (t.allowPlaintextAuth) p.allowPlaintextAuth = true;
  if (t.mailFrom) p.mailFrom = t.mailFrom;
  if (t.rcpt.length > 0) p.rcpt = [...t.rcpt];
  p.timeout = t.timeouts.totalMs / 1000;
  p.phaseTimeout = t.timeouts.phaseMs / 1000;
  if (t.client !== 'generic') p.client = t.client;
  // A client certificate without clientAuth is replayed as such: the finding comes from the certificate itself.
  if (t.hasClientCert) p.clientCert = ctx.clientCertNoClientAuth ? 'server-auth-only' : ctx.clientCertRejected ? 'untrusted' : 'trusted';
  if (ctx.untrustedRoot) p.useMockCa = false;
  return p;
}

/**
 * recordedAddress: with --all-addresses (two or more addresses in the Report), the address
 * whose session a recording replays — the first, whose steps and transcript the Report's are.
 */
export function recordedAddress(report: Report): AddressResult | undefined {
  return report.addresses && report.addresses.length > 1 ? report.addresses[0] : undefined;
}

/**
 * recordedDialogue: the transcript as comment lines for the recording ("<" server, ">" client,
 * "*" local), SASL challenges replaced by a placeholder and every line redacted, so a reader
 * sees what happened on the wire without any credential.
 */
export function recordedDialogue(report: Report, opts: Pick<RecordOptions, 'keepUsernames' | 'secrets'> = {}): string[] {
  return dialogueLines(report, report.transcript, opts);
}

/**
 * otherAddressDialogues: with --all-addresses, the sessions of the addresses after the first
 * as comment lines, each headed by its address: the recording replays only the first, but a
 * reader sees what every node said (redacted as recordedDialogue is).
 */
export function otherAddressDialogues(report: Report, opts: Pick<RecordOptions, 'keepUsernames' | 'secrets'> = {}): string[] {
  const list = recordedAddress(report) ? (report.addresses ?? []) : [];
  return list.slice(1).flatMap((a, i) => [
    '',
    `Not replayed: the dialogue of ${a.address} (address ${i + 2} of ${list.length}${a.odd ? ', the odd one out' : ''}; ${a.verdict}${a.findings.length ? ` — ${a.findings.join(', ')}` : ''}):`,
    ...(a.transcript ? dialogueLines(report, a.transcript, opts) : ['  (not in this report)']),
  ]);
}

function dialogueLines(report: Report, transcript: Report['transcript'], opts: Pick<RecordOptions, 'keepUsernames' | 'secrets'>): string[] {
  const redactor = new Redactor({ username: report.target.user, keepUsernames: opts.keepUsernames === true, secrets: opts.secrets ?? [] });
  return transcript.map((l) => {
    let text = l.text;
    // 334 is only ever a SASL challenge (RFC 4954 §4).
    const m = l.dir === '<' ? /^334([ -])(.*)$/.exec(text) : null;
    if (m) text = `334${m[1]}${redactChallenge(m[2] ?? '')}`;
    return `${String(l.t).padStart(6)} ${l.dir} ${redactor.text(text)}`;
  });
}
