import { parseProtocolLog, type ProtocolLog, type ProtocolLogSession } from '../exchange/protocol-log.js';
import { sessionFacts, type SendSessionFacts } from '../exchange/send-session-facts.js';
import { canonicalStatus } from '../exchange/sspi-status.js';
import { InputError } from '../config/input-error.js';

/**
 * Reading an Exchange SMTP Send protocol log for `smtprobe record --from-exchange-log`
 * (docs/domain.md, "Exchange SMTP Send protocol log"). The CSV itself (#Fields header, quoted fields, full or stripped rows) is
 * parsed by src/exchange/protocol-log.ts, shared with `smtprobe explain`; this file picks the
 * session to replay and reads what it shows.
 */

/** ExchangeLogError: a log that cannot become a scenario; `message` says why, for the CLI. */
export class ExchangeLogError extends InputError {
  override readonly name = 'ExchangeLogError';
}

/** SelectedSession: one session of the log with what it shows. */
export interface SelectedSession {
  session: ProtocolLogSession;
  facts: SendSessionFacts;
  failing: boolean;
  /** Failure statuses quoted only in the file's comments (excerpts pasted with a note). */
  notedFailures: { tls?: string; auth?: string };
  /** Ids of every session in the log, in order, for messages. */
  available: string[];
}

/** failingSession: the session ended in a failure Exchange would log or queue. */
export function isFailing(f: SendSessionFacts): boolean {
  return (
    f.tlsFailure !== undefined || f.authInitFailure !== undefined || f.authFailure !== undefined ||
    f.tlsRequiredNotOffered || f.quitAfterEhlo || f.errorReplies.length > 0 || f.disconnect === 'SocketError'
  );
}

/**
 * notedFailures: statuses quoted in `#` comment lines that are not log headers. Excerpts
 * posted in forums and tickets often leave the failing row out and say it in a note
 * ("later lines showed TLS negotiation failed with error InvalidToken").
 */
export function notedFailures(text: string): { tls?: string; auth?: string } {
  const out: { tls?: string; auth?: string } = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('#') || /^#(Software|Version|Log-type|Date|Fields):/i.test(line)) continue;
    const tls = /TLS negotiation failed with error (\w+)/i.exec(line);
    if (tls?.[1]) out.tls ??= canonicalStatus(tls[1]);
    const auth = /Outbound Authentication failed (?:to initialize )?with (\w+)/i.exec(line);
    if (auth?.[1]) out.auth ??= canonicalStatus(auth[1]);
  }
  return out;
}

const sessionId = (s: ProtocolLogSession): string => s.sessionId ?? s.key;

/**
 * readSendLog parses a log and picks one session: the one named by `session` (its session-id,
 * case-insensitive; or `first` / `last` for the first or last failing one), else the last
 * failing one, else the last one.
 * @throws ExchangeLogError for a Receive log, a log without rows, or an unknown session id.
 */
export function readSendLog(text: string, opts: { session?: string | undefined } = {}): SelectedSession {
  const log: ProtocolLog = parseProtocolLog(text);
  if (log.direction === 'receive') {
    throw new ExchangeLogError('this is an SMTP Receive protocol log (#Log-type); record needs the Send log of the server that failed to relay (TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend)');
  }
  if (log.sessions.length === 0) throw new ExchangeLogError('no protocol log rows found (expected CSV rows: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context)');
  const available = log.sessions.map(sessionId);
  let chosen: ProtocolLogSession | undefined;
  const all = log.sessions.map((session) => ({ session, facts: sessionFacts(session) }));
  const failing = all.filter((s) => isFailing(s.facts));
  if (opts.session === 'first' || opts.session === 'last') {
    // "first"/"last": the first or last failing session (the last session when none failed).
    chosen = (opts.session === 'first' ? failing[0] : failing[failing.length - 1])?.session ?? all[all.length - 1]?.session;
  } else if (opts.session !== undefined) {
    const want = opts.session.toLowerCase();
    chosen = log.sessions.find((s) => sessionId(s).toLowerCase() === want || s.key.toLowerCase() === want);
    if (!chosen) throw new ExchangeLogError(`no session "${opts.session}" in the log; sessions: ${available.join(', ')}`);
  }
  const picked = chosen ? all.find((s) => s.session === chosen) : (failing[failing.length - 1] ?? all[all.length - 1]);
  if (!picked) throw new ExchangeLogError('no session to record');
  const noted = notedFailures(text);
  return { ...picked, failing: isFailing(picked.facts) || noted.tls !== undefined || noted.auth !== undefined, notedFailures: noted, available };
}
