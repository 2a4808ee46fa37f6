import { basicRetirementNote } from './basic-retirement.js';
import { ConfigError } from '../config/config-error.js';
import { matchProviderSignature } from '../diagnose/provider-signatures.js';
import type { ExchangeFix } from '../model/report.js';
import type { Capabilities } from '../model/step-data.js';
import { mechanismFamily, rankForEvent, rankForQueueError, rankForSession, type EventContext, type RankedCause } from './cause-ranking.js';
import { applyConnectorFacts, type ExcludedCause } from './connector-facts.js';
import type { SendConnector } from './connector-json.js';
import { CAUSES, type Basis, type CauseChecks, type CauseCode, type CauseContext } from './causes.js';
import {
  looksLikeEventXml, parseEventJson, parseEventText, parseEventXml, type ExchangeEvent,
} from './event-parser.js';
import { looksLikeProtocolLog, parseProtocolLog, type ProtocolLog } from './protocol-log.js';
import { looksLikeQueueError, parseQueueError, type QueueError } from './queue-error-parser.js';
import { sessionFacts, type SendSessionFacts } from './send-session-facts.js';
import { MECHANISM_MEANINGS, statusMeaning } from './sspi-status.js';

/**
 * explain: an event (text, XML or Get-WinEvent JSON), a queue LastError / SMTP response, or an
 * SmtpSend protocol log excerpt → the parameters it carries, each in plain words, and the
 * likely causes, most likely first, each with its fix in the admin's terms. Pure: no I/O.
 */

export type ExplainKind = 'event' | 'queue-error' | 'protocol-log';

/** ParameterNote: one parameter of the input and what it means. */
export interface ParameterNote {
  name: string;
  value: string;
  meaning: string;
}

/** ExplainedCause: a ranked cause with its words, fix and how a probe can check it. */
export interface ExplainedCause {
  code: CauseCode;
  title: string;
  fix: string[];
  /** What happens, in plain words. */
  why: string;
  /** What in the input put this cause on the list. */
  because: string;
  exchange?: ExchangeFix;
  basis: Basis;
  /** The "Root causes" table row in docs/domain.md. */
  row?: number;
  /** Provider whose reply signature matched, and the signature id. */
  provider?: string;
  signature?: string;
  checks: CauseChecks;
}

export type ParameterValue = string | number | boolean | string[];

/** Explanation: the `--json` contract is `{ parameters, causes: [{ code, title, fix }] }` (more fields allowed). */
export interface Explanation {
  input: { kind: ExplainKind; form?: 'text' | 'xml' | 'json'; eventId?: number };
  parameters: Record<string, ParameterValue>;
  notes: ParameterNote[];
  causes: ExplainedCause[];
  /** Causes the given connector's settings rule out, with the setting that does. */
  excluded?: ExcludedCause[];
  /** Connector name, user and host the fixes were written for (to word causes added later, e.g. by a probe). */
  context: CauseContext;
  /** One sentence: what the input says happened. */
  summary: string;
}

export interface ExplainOptions {
  /** Connector name to use in PowerShell lines when the input does not name one. */
  connector?: string;
  /** User name for credential lines. */
  user?: string;
  /**
   * The Send connector's exported settings (`--connector FILE`): facts, so causes that
   * contradict them are left out (listed in `excluded`), and its name and user fill the
   * PowerShell lines when the input does not give them.
   */
  sendConnector?: SendConnector;
}

/** ParsedInput: what the input was recognised as. */
export type ParsedInput =
  | { kind: 'event'; event: ExchangeEvent; others: number }
  | { kind: 'queue-error'; error: QueueError }
  | { kind: 'protocol-log'; log: ProtocolLog; facts: SendSessionFacts[] };

/** parseExplainInput recognises the input; unrecognisable text is a ConfigError. */
export function parseExplainInput(text: string): ParsedInput {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t === '') throw new ConfigError('input', 'empty: give an event text, its XML or JSON, a queue LastError, or a protocol log');
  if (/^[[{]/.test(t) && !/^\[\{LRT=/i.test(t) && !/^\{\[\{LRT=/i.test(t)) {
    let events: ExchangeEvent[];
    try {
      events = parseEventJson(t);
    } catch (err) {
      throw new ConfigError('input', `looks like JSON but is not valid: ${(err as Error).message}`);
    }
    const [first] = events;
    if (!first) throw new ConfigError('input', `no known Exchange event in the JSON (known ids: 2016 2017 2003 2015 2000 12014 12013 12024 1035 1020)`);
    return { kind: 'event', event: first, others: events.length - 1 };
  }
  if (looksLikeEventXml(t)) {
    const event = parseEventXml(t);
    if (!event) throw new ConfigError('input', 'event XML with an event id smtprobe does not know (known: 2016 2017 2003 2015 2000 12014 12013 12024 1035 1020)');
    return { kind: 'event', event, others: 0 };
  }
  if (looksLikeProtocolLog(t)) {
    const log = parseProtocolLog(t);
    return { kind: 'protocol-log', log, facts: log.sessions.map(sessionFacts) };
  }
  if (looksLikeQueueError(t)) return { kind: 'queue-error', error: parseQueueError(t) };
  const event = parseEventText(t);
  if (event) return { kind: 'event', event, others: 0 };
  // A reply fragment without its code (as quoted in NDRs and forum posts) that a provider signature knows.
  if (!t.includes('\n') && matchProviderSignature({ code: 0, lines: [t] })) {
    return { kind: 'queue-error', error: { ...parseQueueError(t), response: { text: t.replace(/\.$/, ''), raw: t } } };
  }
  throw new ConfigError('input', 'not recognised: expected an Exchange event (text, XML or Get-WinEvent JSON), a queue LastError or SMTP response, or an SmtpSend protocol log');
}

const PARAM_MEANINGS: Record<string, string> = {
  connector: 'the Send connector involved (Get-SendConnector <name>)',
  target: 'the Kerberos target: SMTPSVC/ plus the first word of the remote server\'s greeting',
  targetHost: 'the remote server Exchange was talking to',
  user: 'the user name configured on the connector, or the transport service\'s identity when none is configured',
  response: 'the remote server\'s reply to the AUTH exchange',
  diagnostic: 'what the DNS lookup returned',
  fqdn: 'the FQDN Exchange needs a certificate for (connector Fqdn or server FQDN)',
  thumbprint: 'the certificate Exchange could not load',
  sourceIp: 'the address of the client that failed to authenticate',
  account: 'the account that authenticated without the submit right',
  lrt: 'last retry time of the queue',
  ip: 'the next-hop address of the queue',
  lastEndpoint: 'the last address:port Exchange tried',
  proxied: 'the session went through the front-end transport proxy; the real error is the one inside',
  failover: 'Exchange tried every smart host of the connector and all failed the same way',
  local: 'the response was generated by Exchange itself, not sent by the relay',
  ehloName: 'the name Exchange sent in EHLO (the connector Fqdn)',
  greetingHost: 'the first word of the remote greeting (Exchange builds SMTPSVC/<host> from it)',
  authBeforeTls: 'the AUTH line of the EHLO reply before STARTTLS (only "AUTH ... LOGIN" counts for Exchange)',
  authAfterTls: 'the AUTH line of the EHLO reply after STARTTLS',
  tlsProtocol: 'the TLS version the session negotiated',
  quitAfterEhlo: 'Exchange sent QUIT right after the EHLO reply, without trying AUTH',
  maskedKeywords: 'EHLO keywords replaced by X characters: a firewall inspects and rewrites SMTP',
  connectorFile: 'the Send connector whose exported settings (--connector) are taken as facts: causes that contradict them are left out',
  SmartHostAuthMechanism: 'from the connector file: how the connector authenticates to the smart host',
  AuthenticationCredential: 'from the connector file: the user name stored on the connector (the password is never exported)',
  Port: 'from the connector file: the port Exchange connects to',
  RequireTLS: 'from the connector file: whether Exchange insists on STARTTLS',
  IgnoreSTARTTLS: 'from the connector file: whether Exchange skips STARTTLS even when offered',
  TlsAuthLevel: 'from the connector file: how Exchange checks the smart host certificate',
};

/** Meanings that differ for a queue error (the same names mean other things in events). */
const QUEUE_MEANINGS: Record<string, string> = {
  response: 'the innermost response, under every wrapper: what actually failed',
  fqdn: 'the next-hop FQDN of the queue',
  wrappers: 'how Exchange wrapped the response, outside in (bracketed LastError, front-end proxy, failover text, tracking)',
};

/**
 * The implicit connector between Exchange servers of one organisation (English and localised
 * names). Built from strings, which the bundler writes as ASCII escapes; a regular expression
 * literal would keep the Chinese as is and make the executable's bundle slower to read.
 */
const INTRA_ORG_CONNECTOR = new RegExp(['Intra-?Organization SMTP Send Connector', '组织内 SMTP 发送连接器'].join('|'), 'i');

function meaningOf(name: string, value: ParameterValue, kind: ExplainKind, params: Record<string, ParameterValue>): string | undefined {
  if (kind === 'queue-error' && QUEUE_MEANINGS[name]) return QUEUE_MEANINGS[name];
  if (name === 'local') return value === true ? 'the response was generated by Exchange itself, not sent by the relay' : 'the response came from the remote server';
  if (name === 'status' && kind === 'event' && mechanismFamily(typeof params.mechanism === 'string' ? params.mechanism : undefined) === 'basic') {
    const m = statusMeaning(String(value));
    return `${String(value)}${m ? `: ${m}` : ''}. With mechanism Login no Kerberos or domain trust is involved: Exchange could not turn the connector's stored user name and password into a LOGIN credential`;
  }
  if (name === 'status' || name === 'tlsFailure' || name === 'authInitFailure' || name === 'authFailure') {
    const m = statusMeaning(String(value));
    return m ? `${String(value)}: ${m}` : 'a security status name (SSPI)';
  }
  if (name === 'connector' && INTRA_ORG_CONNECTOR.test(String(value))) {
    return 'the implicit intra-organisation connector between Exchange servers: it has no settings of its own (Set-SendConnector does not apply); the fix is on the servers, their certificates and Active Directory';
  }
  if (name === 'mechanism') return MECHANISM_MEANINGS[String(value)] ?? 'the authentication mechanism';
  return PARAM_MEANINGS[name];
}

function put(params: Record<string, ParameterValue>, name: string, value: ParameterValue | undefined): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
  params[name] = value;
}

const authLine = (caps: Capabilities | undefined): string | undefined => (caps ? (caps.auth.length ? `AUTH ${caps.auth.join(' ')}` : '(no AUTH)') : undefined);

function eventParameters(ev: ExchangeEvent, others: number): Record<string, ParameterValue> {
  const p: Record<string, ParameterValue> = { eventId: ev.id };
  put(p, 'source', ev.source);
  put(p, 'level', ev.level);
  put(p, 'time', ev.time);
  put(p, 'computer', ev.computer);
  for (const [k, v] of Object.entries(ev.params)) put(p, k, v);
  if (others > 0) p.otherEvents = others;
  return p;
}

function queueParameters(q: QueueError): Record<string, ParameterValue> {
  const p: Record<string, ParameterValue> = {};
  if (q.response) {
    put(p, 'response', q.response.raw.replace(/\s+/g, ' '));
    put(p, 'code', q.response.code);
    put(p, 'enhanced', q.response.enhanced);
    put(p, 'text', q.response.text);
  }
  put(p, 'wrappers', q.layers.map((l) => l.kind));
  put(p, 'lrt', q.lrt);
  put(p, 'fqdn', q.fqdn);
  put(p, 'ip', q.ip);
  put(p, 'lastEndpoint', q.lastEndpoint);
  put(p, 'dnsError', q.dnsError);
  p.local = q.local;
  if (q.proxied) p.proxied = true;
  if (q.failover) p.failover = true;
  return p;
}

function logParameters(log: ProtocolLog, f: SendSessionFacts | undefined): Record<string, ParameterValue> {
  const p: Record<string, ParameterValue> = { direction: log.direction, sessions: log.sessions.length };
  put(p, 'logType', log.headers.logType);
  put(p, 'software', log.headers.software);
  put(p, 'version', log.headers.version);
  if (!f) return p;
  put(p, 'connector', f.connector);
  put(p, 'sessionId', f.sessionId);
  put(p, 'localEndpoint', f.localEndpoint);
  put(p, 'remoteEndpoint', f.remoteEndpoint);
  put(p, 'ehloName', f.ehloName);
  put(p, 'greetingHost', f.greetingHost);
  put(p, 'authBeforeTls', authLine(f.ehloBeforeTls));
  put(p, 'authAfterTls', authLine(f.ehloAfterTls));
  if (f.ehloBeforeTls) p.starttlsOffered = f.ehloBeforeTls.starttls;
  if (f.starttlsSent) p.starttlsSent = true;
  put(p, 'tlsProtocol', f.tlsProtocol);
  put(p, 'tlsFailure', f.tlsFailure);
  put(p, 'authInitFailure', f.authInitFailure);
  put(p, 'authFailure', f.authFailure);
  put(p, 'authCommand', f.authCommand);
  if (f.quitAfterEhlo) p.quitAfterEhlo = true;
  put(p, 'maskedKeywords', f.maskedKeywords);
  put(p, 'errorReplies', f.errorReplies);
  put(p, 'disconnect', f.disconnect);
  return p;
}

/** connectorParameters: the connector settings that decide which causes can apply, under their Exchange names. */
function connectorParameters(p: Record<string, ParameterValue>, c: SendConnector): void {
  p.connectorFile = c.name;
  p.SmartHostAuthMechanism = c.smartHostAuthMechanism;
  put(p, 'AuthenticationCredential', c.userName);
  p.Port = c.port;
  p.RequireTLS = c.requireTls;
  p.IgnoreSTARTTLS = c.ignoreStartTls;
  put(p, 'TlsAuthLevel', c.tlsAuthLevel);
}

/** A 2016 %5 that is a host name, a machine account or NT AUTHORITY\\...: the transport's own identity, so no user is configured. */
function isServiceIdentity(v: ParameterValue | undefined): boolean {
  return typeof v === 'string' && (/^NT AUTHORITY\\/i.test(v) || /\$$/.test(v) || /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i.test(v));
}

/** A 2016 %5 is a user name only when it looks like one (else it is the service identity). */
function userOf(v: ParameterValue | undefined): string | undefined {
  return typeof v === 'string' && /[@\\]/.test(v) && !/^NT AUTHORITY\\/i.test(v) ? v : undefined;
}

function hostOfEndpoint(ep: string | undefined): string | undefined {
  if (!ep) return undefined;
  const m = /^\[?(.+?)\]?:(\d+)$/.exec(ep);
  return m?.[1];
}

/** buildCause: a ranked cause in words, with its fixes for this connector, user and host. */
export function buildCause(rc: RankedCause, ctx: CauseContext): ExplainedCause {
  const spec = CAUSES[rc.code];
  const sig = rc.signature;
  // A provider signature knows the provider's own setting: its words and fix go first.
  const fix = sig ? [...sig.fix, ...spec.fix(ctx)] : spec.fix(ctx);
  // Most signature titles already start with their provider ("Microsoft 365 refused ..."): not twice.
  const sigTitle = sig ? (sig.title.startsWith(sig.provider) ? sig.title : `${sig.provider}: ${sig.title}`) : '';
  const out: ExplainedCause = {
    code: rc.code,
    title: sig && rc.code !== 'REMOTE_REJECTED' ? `${spec.title} — ${sigTitle}` : sig ? sigTitle : spec.title,
    fix: [...new Set(fix)],
    why: sig ? `${sig.cause} ${spec.why}` : spec.why,
    because: rc.because,
    basis: spec.basis,
    checks: spec.checks,
  };
  const exchange = spec.exchange?.(ctx);
  if (exchange) out.exchange = exchange;
  if (spec.row !== undefined) out.row = spec.row;
  if (sig) {
    out.provider = sig.provider;
    out.signature = sig.id;
  }
  return out;
}

/** pickSession: the first session with something to explain, else the last one. */
function pickSession(facts: SendSessionFacts[]): { facts: SendSessionFacts | undefined; ranked: RankedCause[] } {
  for (const f of facts) {
    const ranked = rankForSession(f);
    if (ranked.length > 0) return { facts: f, ranked };
  }
  return { facts: facts[facts.length - 1], ranked: [] };
}

function summaryOf(parsed: ParsedInput, params: Record<string, ParameterValue>, causes: ExplainedCause[]): string {
  const first = causes[0];
  const likely = first ? ` Most likely: ${first.title}.` : ' Nothing in it points at a failure.';
  switch (parsed.kind) {
    case 'event':
      return `Event ${parsed.event.id}${params.connector ? ` on Send connector "${String(params.connector)}"` : ''}${params.status ? ` with status ${String(params.status)}` : ''}.${likely}`;
    case 'queue-error':
      return `Queue error ${parsed.error.response?.code ?? ''}${parsed.error.response?.enhanced ? ` ${parsed.error.response.enhanced}` : ''} "${parsed.error.response?.text ?? parsed.error.dnsError ?? parsed.error.raw}"${parsed.error.local ? ' (generated by Exchange itself)' : ''}.${likely}`.replace(/\s+/g, ' ');
    case 'protocol-log':
      return `${parsed.log.direction === 'receive' ? 'Receive' : 'Send'} protocol log, ${parsed.log.sessions.length} session(s)${params.connector ? ` on connector "${String(params.connector)}"` : ''}.${likely}`;
  }
}

/** explainParsed builds the explanation of an already recognised input. */
export function explainParsed(parsed: ParsedInput, opts: ExplainOptions = {}): Explanation {
  let parameters: Record<string, ParameterValue>;
  let ranked: RankedCause[];
  let input: Explanation['input'];
  switch (parsed.kind) {
    case 'event': {
      parameters = eventParameters(parsed.event, parsed.others);
      const facts: EventContext = {};
      if (opts.sendConnector) facts.mechanism = opts.sendConnector.smartHostAuthMechanism;
      const firstHost = opts.sendConnector?.smartHosts[0]?.host;
      if (firstHost) facts.host = firstHost;
      ranked = rankForEvent(parsed.event, undefined, facts);
      input = { kind: 'event', form: parsed.event.form, eventId: parsed.event.id };
      break;
    }
    case 'queue-error':
      parameters = queueParameters(parsed.error);
      ranked = rankForQueueError(parsed.error);
      input = { kind: 'queue-error' };
      break;
    case 'protocol-log': {
      const picked = pickSession(parsed.facts);
      parameters = logParameters(parsed.log, picked.facts);
      ranked = parsed.log.direction === 'send' ? picked.ranked : [];
      input = { kind: 'protocol-log' };
      break;
    }
  }
  if (parsed.kind === 'event' && parsed.event.id === 2016 && isServiceIdentity(parameters.user) && !opts.sendConnector?.userName) {
    ranked = ranked.map((rc) => (rc.code === 'BASIC_CREDENTIAL_UNUSABLE' || rc.code === 'CREDENTIAL_UNUSABLE'
      ? { ...rc, because: `${rc.because}; %5 is "${String(parameters.user)}", a server name rather than a user name: Exchange names its own identity there when the connector holds no credential` }
      : rc));
  }
  let excluded: ExcludedCause[] | undefined;
  const sc = opts.sendConnector;
  if (sc) {
    ({ kept: ranked, excluded } = applyConnectorFacts(ranked, sc, input.eventId));
    connectorParameters(parameters, sc);
  }
  const connector = opts.connector ?? (typeof parameters.connector === 'string' ? parameters.connector : undefined) ?? sc?.name;
  const ctx: CauseContext = {};
  if (connector) ctx.connector = connector;
  const user = opts.user ?? userOf(parameters.user) ?? sc?.userName;
  if (user) ctx.user = user;
  const host = (parameters.targetHost ?? parameters.fqdn ?? hostOfEndpoint(parameters.remoteEndpoint as string | undefined)) as string | undefined;
  if (host) ctx.host = host;
  if (typeof parameters.ehloName === 'string') ctx.ehlo = parameters.ehloName;
  const causes = ranked.map((rc) => buildCause(rc, ctx));
  const notes: ParameterNote[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const meaning = meaningOf(name, value, input.kind, parameters);
    if (meaning) notes.push({ name, value: Array.isArray(value) ? value.join(', ') : String(value), meaning });
  }
  const retirement = basicRetirementNote(parameters);
  if (retirement) notes.push(retirement);
  const out: Explanation = { input, parameters, notes, causes, context: ctx, summary: summaryOf(parsed, parameters, causes) };
  if (excluded && excluded.length > 0) out.excluded = excluded;
  return out;
}

/** explain: text in, explanation out. Throws ConfigError when the input is not recognised. */
export function explain(text: string, opts: ExplainOptions = {}): Explanation {
  return explainParsed(parseExplainInput(text), opts);
}
