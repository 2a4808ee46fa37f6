import type { ProtocolLogRow } from '../exchange/protocol-log.js';
import type { FindingCode } from '../model/finding-codes.js';
import type { TranscriptLine, Verdict } from '../model/report.js';
import { parseDialogue, type RecordedExchange } from './dialogue.js';
import { authTokens, keywordLines, literalExtensions, mockMechanisms, startsWithKeyword } from './ehlo-extensions.js';
import type { SelectedSession } from './exchange-log.js';
import { REPLAY_PASSWORD, Redactor, USER_PLACEHOLDER } from './redact.js';
import { scriptFor, type ScenarioDocument } from './transcript-to-scenario.js';

/**
 * An Exchange SMTP Send protocol log session (docs/domain.md, "Exchange SMTP Send protocol log") as a scenario: the remote
 * server's greeting, EHLO lines before and after STARTTLS and replies, replayed by the mock;
 * a probe with the Exchange client profile (`client: exchange`) that behaves as the Send
 * connector did as far as the log shows it; and `expect`, the finding the log means.
 */

export interface ExchangeImport {
  document: ScenarioDocument;
  /** What was read and inferred, for the recording's comment block. */
  notes: string[];
  /**
   * Whether `expect` states the log's meaning. False when the session shows no failure the
   * import knows: `expect` is then a placeholder the caller should fill from a replay.
   */
  expectKnown: boolean;
}

type ServerDocument = NonNullable<ScenarioDocument['server']>;
type ProbeDocument = NonNullable<ScenarioDocument['probe']>;

/** Info rows that show a TLS session (or an attempt at one) has begun. */
const TLS_MARK = /TLS protocol \S+ negotiation succeeded|TLS negotiation failed|^(Sending|Received) certificate/i;
/** A plausible DNS name (the certificate is issued for it); masked or IP-only values are not. */
const DNS_NAME = /^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
/** Exchange's SCHANNEL protocol names (SP_PROT_TLS1_2_CLIENT) → Node's names. */
const SCHANNEL_VERSION: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = {
  TLS1_0: 'TLSv1', TLS1: 'TLSv1', TLS1_1: 'TLSv1.1', TLS1_2: 'TLSv1.2', TLS1_3: 'TLSv1.3',
};
/** SSPI statuses of a failed TLS negotiation that mean "no protocol version or cipher in common" (docs/domain.md, "Root causes" row 8). */
const VERSION_STATUSES = new Set(['InvalidToken', 'AlgorithmMismatch']);
/** Mechanisms X-EXPS negotiates that a SASL client can recognise (RFC 4752 GSSAPI; MS-SMTPNTLM). */
const EXPS_SASL = ['GSSAPI', 'NTLM'];

/** rowsToTranscript: log rows as transcript lines; `t` is the row's position (logs have ms resolution at best). */
function rowsToTranscript(rows: readonly ProtocolLogRow[]): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  rows.forEach((r, i) => {
    if (r.event === '<' || r.event === '>') out.push({ t: i, dir: r.event, text: r.data.trim() });
    else if (r.event === '*') out.push({ t: i, dir: '*', text: `${r.context} ${r.data}`.trim() });
  });
  return out;
}

/** noteRow: a row for the comment block; SASL client lines never appear (they carry credentials). */
function noteRow(r: ProtocolLogRow, inSasl: boolean): string {
  let data = r.data;
  if (r.event === '>') {
    if (inSasl) data = '<redacted:sasl>';
    else data = data.replace(/^(AUTH\s+\S+)\s+\S.*$/i, '$1 <redacted:initial-response>').replace(/^(X-EXPS\s+\S+)\s+\S.*$/i, '$1 <redacted:token>');
  }
  if (r.event === '<' && /^334[ -]/.test(data)) data = `${data.slice(0, 4)}<challenge>`;
  return `${r.event} ${[data, r.context].filter((x) => x !== '').join(' | ')}`;
}

/**
 * saslValues: what the client's SASL lines in the log carry, decoded (a verbose log may hold
 * them unmasked): LOGIN's first answer is the user name; PLAIN's is "authzid NUL user NUL
 * password" (RFC 4616); anything else is treated as secret.
 */
function saslValues(rows: readonly ProtocolLogRow[]): { username?: string; secrets: string[] } {
  const out: { username?: string; secrets: string[] } = { secrets: [] };
  let mechanism = '';
  let answers = 0;
  let inSasl = false;
  const decode = (b64: string): string => Buffer.from(b64.trim(), 'base64').toString('utf8');
  for (const r of rows) {
    if (r.event === '<') inSasl = /^334[ -]/.test(r.data);
    if (r.event !== '>') continue;
    const auth = /^AUTH\s+(\S+)(?:\s+(\S+))?/i.exec(r.data);
    const values: string[] = [];
    if (auth && !inSasl) {
      mechanism = (auth[1] ?? '').toUpperCase();
      answers = 0;
      if (auth[2]) values.push(auth[2]);
    } else if (inSasl) values.push(r.data.trim());
    for (const v of values) {
      if (v === '' || v === '*' || v === '=') continue;
      out.secrets.push(v);
      const text = decode(v);
      if (mechanism === 'LOGIN' && answers === 0 && text !== '') out.username ??= text;
      else if (mechanism === 'PLAIN') {
        const [, user, pass] = text.split('\0');
        if (user) out.username ??= user;
        if (pass) out.secrets.push(pass);
      } else if (text !== '') out.secrets.push(text);
      answers++;
    }
    inSasl = false;
  }
  return out;
}

function pickName(candidates: (string | undefined)[]): string | undefined {
  return candidates.find((c): c is string => c !== undefined && DNS_NAME.test(c));
}

/**
 * exchangeLogToScenario builds the scenario for one session of a Send log.
 * `name` is the scenario name (the output file's name).
 */
export function exchangeLogToScenario(sel: SelectedSession, opts: { name: string; file?: string; keepUsernames?: boolean }): ExchangeImport {
  const { facts, session } = sel;
  const rows = session.rows;
  const lines = rowsToTranscript(rows);
  const dialogue = parseDialogue(lines);
  const notes: string[] = [];
  const tlsMark = lines.find((l) => (l.dir === '*' && TLS_MARK.test(l.text)) || (l.dir === '>' && /^STARTTLS$/i.test(l.text)))?.t ?? Infinity;
  const ehlos = dialogue.exchanges.filter((e) => e.verb === 'EHLO' && e.reply && e.reply.code < 400);
  const ehloBefore = ehlos.find((e) => e.at < tlsMark);
  const ehloAfter = ehlos.find((e) => e.at > tlsMark);
  let before = keywordLines(ehloBefore?.reply);
  let after = keywordLines(ehloAfter?.reply);
  const domainOf = (e: RecordedExchange | undefined): string | undefined => e?.reply?.text[0]?.split(/\s+/)[0];
  const hostname = pickName([facts.greetingHost, domainOf(ehloAfter), domainOf(ehloBefore), session.remoteEndpoint?.replace(/:\d+$/, '')]) ?? 'smarthost.test';

  const tlsStatus = facts.tlsFailure ?? sel.notedFailures.tls;
  const sspiStatus = facts.authInitFailure ?? facts.authFailure ?? sel.notedFailures.auth;
  const allLines = [...(before ?? []), ...(after ?? [])];
  const expsLine = allLines.find((l) => startsWithKeyword(l, 'X-EXPS'));
  const exchangeServerAuth = sspiStatus !== undefined || facts.authCommand?.startsWith('X-EXPS') === true;
  const tlsUsed = Number.isFinite(tlsMark) || facts.starttlsSent || facts.tlsSucceeded || tlsStatus !== undefined;
  const starttlsOffered = (before ?? []).some((l) => startsWithKeyword(l, 'STARTTLS'));

  notes.push(`connector ${JSON.stringify(facts.connector ?? '(not in the excerpt)')}, session ${facts.sessionId ?? '(excerpt)'}${sel.available.length > 1 ? ` (1 of ${sel.available.length}: ${sel.available.join(', ')})` : ''}`);
  if (facts.remoteEndpoint) notes.push(`remote ${facts.remoteEndpoint}${facts.localEndpoint ? `, local ${facts.localEndpoint}` : ''}`);
  if (facts.tlsProtocol) notes.push(`TLS negotiated: ${facts.tlsProtocol}`);
  if (facts.tlsFailure) notes.push(`TLS negotiation failed with error ${facts.tlsFailure}`);
  else if (sel.notedFailures.tls) notes.push(`TLS negotiation failed with error ${sel.notedFailures.tls} (quoted in a comment of the file, not in a row)`);
  if (sspiStatus) notes.push(`Outbound Authentication failed with ${sspiStatus}${facts.authInitFailure ? ' (to initialize: event 2016)' : ' (event 2017)'}`);
  if (facts.quitAfterEhlo) notes.push('Exchange sent QUIT right after the EHLO reply, without AUTH: its local error is "451 5.7.3 Require basic authentication" (or STARTTLS) — no 535 ever appears');
  if (facts.maskedKeywords.length > 0) notes.push(`EHLO keywords masked by a firewall's SMTP inspection: ${facts.maskedKeywords.join(', ')}`);

  // ExchangeServer authentication negotiates over X-EXPS, never the AUTH line. The replay puts
  // the X-EXPS mechanisms a SASL client can recognise on the AUTH line, so a probe meets what
  // Exchange met: Kerberos/NTLM, which it cannot complete from outside the domain either.
  if (exchangeServerAuth) {
    const exps = (expsLine?.split(/\s+/).slice(1) ?? []).map((m) => m.toUpperCase()).filter((m) => EXPS_SASL.includes(m));
    const mechs = exps.length > 0 ? exps : EXPS_SASL;
    const swap = (ls: string[] | undefined): string[] | undefined => ls && [...ls.filter((l) => !startsWithKeyword(l, 'AUTH')), `AUTH ${mechs.join(' ')}`];
    if (after) after = swap(after);
    else if (before) before = swap(before);
    notes.push(`ExchangeServer authentication (X-EXPS): the replay's AUTH line offers the X-EXPS mechanisms ${mechs.join(' ')} in place of the recorded AUTH line`);
  }

  const server: ServerDocument = { hostname };
  if (dialogue.greeting) server.greeting = { code: dialogue.greeting.code, text: dialogue.greeting.text.length === 1 ? (dialogue.greeting.text[0] ?? '') : dialogue.greeting.text };
  // STARTTLS when the log shows TLS or its offer; when it shows no EHLO at all, the usual relay.
  server.tls = tlsUsed || starttlsOffered || !(before || after) ? 'starttls' : 'none';
  if (before || after) {
    const ext: NonNullable<ServerDocument['extensions']> = {};
    if (before) ext.plain = literalExtensions(before);
    else if (after) {
      // The excerpt starts inside TLS: before it the server offered STARTTLS (and X-ANONYMOUSTLS, for X-EXPS), without AUTH.
      const plain = after.filter((l) => !startsWithKeyword(l, 'AUTH') && !startsWithKeyword(l, 'X-EXPS'));
      if (expsLine) plain.push('X-ANONYMOUSTLS');
      ext.plain = literalExtensions([...plain, 'STARTTLS']);
    }
    if (after) ext.tls = literalExtensions(after);
    else if (before) ext.tls = literalExtensions(before.filter((l) => !startsWithKeyword(l, 'STARTTLS')));
    server.extensions = ext;
    const tokens = authTokens([...(ext.plain ?? []), ...(ext.tls ?? [])]);
    const mechanisms = mockMechanisms([...tokens.auth, ...tokens.legacy]);
    const plainHas = authTokens(ext.plain ?? []);
    server.auth = {
      mechanisms,
      advertise: mechanisms.length === 0 ? 'never' : plainHas.auth.length + plainHas.legacy.length > 0 ? 'always' : 'after-starttls',
      users: [{ username: USER_PLACEHOLDER, password: REPLAY_PASSWORD }],
    };
  } else {
    server.auth = { users: [{ username: USER_PLACEHOLDER, password: REPLAY_PASSWORD }] };
  }

  const probe: ProbeDocument = {
    client: 'exchange',
    // Exchange has no implicit-TLS client; it uses STARTTLS when offered (opportunistic unless RequireTLS).
    tls: tlsUsed || facts.tlsRequiredNotOffered ? 'starttls' : 'starttls-optional',
    // The log does not show TlsAuthLevel: EncryptionOnly unless a certificate status says otherwise.
    tlsVerify: 'none',
    tlsDomain: hostname,
    user: USER_PLACEHOLDER,
    password: REPLAY_PASSWORD,
    timeout: 10,
    phaseTimeout: 5,
  };
  if (facts.ehloName && DNS_NAME.test(facts.ehloName)) probe.ehlo = facts.ehloName;

  const negotiated = /SP_PROT_(TLS1(?:_\d)?)_CLIENT/i.exec(facts.tlsProtocol ?? '')?.[1]?.toUpperCase();
  const negotiatedVersion = negotiated ? SCHANNEL_VERSION[negotiated] : undefined;
  if (negotiatedVersion && negotiatedVersion !== 'TLSv1.2' && negotiatedVersion !== 'TLSv1.3') server.tlsVersions = { min: negotiatedVersion, max: 'TLSv1.3' };

  let expect: { codes: FindingCode[]; verdict: Verdict } | undefined;
  if (tlsStatus !== undefined) {
    server.tls = 'starttls';
    probe.tls = 'starttls';
    if (VERSION_STATUSES.has(tlsStatus)) {
      // docs/domain.md, "Root causes" row 8: an Exchange that speaks only TLS 1.0 against a relay requiring TLS 1.2+.
      server.tlsVersions = { min: 'TLSv1.2', max: 'TLSv1.3' };
      probe.tlsMin = 'TLSv1';
      probe.tlsMax = 'TLSv1';
      notes.push(`${tlsStatus}: replayed as the usual cause — Exchange offering TLS 1.0 only (--exchange-tls 1.0) to a relay that requires TLS 1.2 or later`);
      expect = { codes: ['TLS_VERSION_MISMATCH'], verdict: 'critical' };
    } else if (tlsStatus === 'NoCredentials') {
      // docs/domain.md, "Root causes" row 9: the certificate Exchange would present has no usable private key.
      server.clientCert = 'require';
      probe.clientCert = 'none';
      notes.push('NoCredentials: the certificate Exchange presents (Sending certificate) has no usable private key; replayed as a relay that requires a client certificate which never arrives');
      expect = { codes: ['CLIENT_CERT_REQUIRED'], verdict: 'critical' };
    } else if (tlsStatus === 'UntrustedRoot') {
      probe.tlsVerify = 'chain';
      probe.useMockCa = false;
      expect = { codes: ['CERT_UNTRUSTED_ROOT'], verdict: 'critical' };
    } else if (tlsStatus === 'CertExpired') {
      probe.tlsVerify = 'chain';
      server.certificate = 'expired';
      expect = { codes: ['CERT_EXPIRED'], verdict: 'critical' };
    } else if (tlsStatus === 'WrongPrincipal') {
      probe.tlsVerify = 'domain';
      server.certificateHostnames = ['wrong.invalid'];
      expect = { codes: ['CERT_HOSTNAME_MISMATCH'], verdict: 'critical' };
    } else {
      server.fault = { kind: 'abort-mid-handshake', how: 'reset' };
      expect = { codes: ['TLS_HANDSHAKE_FAILED'], verdict: 'critical' };
    }
  } else if (exchangeServerAuth) {
    expect = { codes: ['AUTH_MECHANISM_NOT_ATTEMPTED', 'AUTH_NO_COMMON_MECHANISM'], verdict: 'critical' };
  } else if (facts.tlsRequiredNotOffered || (!starttlsOffered && before !== undefined && facts.maskedKeywords.length > 0)) {
    probe.tls = 'starttls';
    expect = { codes: ['STARTTLS_NOT_OFFERED'], verdict: 'critical' };
  } else if (facts.quitAfterEhlo) {
    // Exchange Basic auth reads only the "AUTH" line of the last EHLO (docs/domain.md, "Exchange Send connector").
    const last = after ?? before ?? [];
    const tokens = authTokens(last);
    if (!tokens.auth.includes('LOGIN')) expect = { codes: [tokens.auth.length > 0 ? 'AUTH_NO_COMMON_MECHANISM' : 'AUTH_NOT_OFFERED'], verdict: 'critical' };
  }

  // Replies the remote gave (AUTH, MAIL, RCPT, a refused EHLO), as recorded.
  const replies: NonNullable<ServerDocument['replies']> = {};
  for (const e of dialogue.exchanges) {
    if (!['EHLO', 'HELO', 'STARTTLS', 'AUTH', 'MAIL', 'RCPT'].includes(e.verb)) continue;
    const verb = e.verb as 'EHLO' | 'HELO' | 'STARTTLS' | 'AUTH' | 'MAIL' | 'RCPT';
    (replies[verb] ??= []).push(scriptFor(e, { delay: () => 0, startTlsFault: server.fault !== undefined }));
  }
  for (const verb of Object.keys(replies) as (keyof typeof replies)[]) if (replies[verb]?.every((s) => s === 'default')) delete replies[verb];
  if (Object.keys(replies).length > 0) server.replies = replies;
  if (replies.MAIL) server.auth.required = false;

  let inSasl = false;
  const rowNotes = rows.map((r) => {
    const n = noteRow(r, inSasl);
    if (r.event === '<') inSasl = /^334[ -]/.test(r.data);
    return n;
  });
  const where = [facts.connector && `connector "${facts.connector}"`, facts.remoteEndpoint && `to ${facts.remoteEndpoint}`].filter(Boolean).join(' ');
  const document: ScenarioDocument = {
    name: opts.name,
    description: `Imported from an Exchange SMTP Send protocol log${opts.file ? ` (${opts.file.replace(/^.*[\\/]/, '')})` : ''}${where ? `, ${where}` : ''}${expect ? `: ${expect.codes.join(', ')}` : ''}.`,
    server,
    probe,
    expect: expect ?? { codes: [], verdict: 'unknown' },
  };
  // Nothing the client sent in SASL survives: not the lines, not what they decode to, not the user name.
  const sasl = saslValues(rows);
  const redactor = new Redactor({ username: sasl.username, keepUsernames: opts.keepUsernames === true, secrets: sasl.secrets });
  return {
    document: redactor.deep(document),
    notes: redactor.deep([...notes, '', 'Log rows (event data | context):', ...rowNotes]),
    expectKnown: expect !== undefined,
  };
}
