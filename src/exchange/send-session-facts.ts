import type { Capabilities } from '../model/step-data.js';
import { parseCapabilities } from '../probe/smtp/capabilities.js';
import type { ProtocolLogRow, ProtocolLogSession } from './protocol-log.js';
import { canonicalStatus } from './sspi-status.js';

/**
 * What one SmtpSend session shows, read the way Exchange's own client logic works (docs/domain.md
 * (a) wire logic, (e) info lines): which EHLO lists Exchange saw before and after STARTTLS,
 * whether it QUIT without trying AUTH, and the status of any TLS or authentication failure.
 */
export interface SendSessionFacts {
  connector?: string;
  sessionId?: string;
  localEndpoint?: string;
  remoteEndpoint?: string;
  /** Name Exchange sent in EHLO/HELO (the connector Fqdn). */
  ehloName?: string;
  heloOnly: boolean;
  greeting?: string;
  /** First word of the greeting: the host Exchange builds SMTPSVC/<host> from. */
  greetingHost?: string;
  ehloBeforeTls?: Capabilities;
  ehloAfterTls?: Capabilities;
  starttlsSent: boolean;
  tlsProtocol?: string;
  tlsSucceeded: boolean;
  /** Status of "TLS negotiation failed with error <status>". */
  tlsFailure?: string;
  /** Status of "Outbound Authentication failed to initialize with <status>" (event 2016). */
  authInitFailure?: string;
  /** Status of "Outbound Authentication failed with <status>" (event 2017). */
  authFailure?: string;
  /** Mechanism of the AUTH / X-EXPS command Exchange sent, if any. */
  authCommand?: string;
  /** Exchange sent QUIT right after an EHLO reply, without AUTH or MAIL. */
  quitAfterEhlo: boolean;
  /** "Connector is configured to send mail only over TLS connections and remote doesn't support TLS". */
  tlsRequiredNotOffered: boolean;
  /** EHLO keywords masked by a firewall's SMTP inspection ("XXXA", "XXXXXXXA"). */
  maskedKeywords: string[];
  /** Error replies (4xx/5xx) from the remote, in order. */
  errorReplies: string[];
  /** Context of the `-` disconnect row (Local, Remote, SocketError). */
  disconnect?: string;
  certificates: { sent: boolean; received: boolean; subject?: string; thumbprint?: string };
}

/** A reply line "250-AUTH PLAIN" → code, separator, text. */
const REPLY_LINE = /^(\d{3})([ -]?)(.*)$/;
/** Firewall SMTP inspection replaces unknown verbs with X characters (keeping the last letter). */
const MASKED = /^X{3,}[A-Z]?$/;

/** ehloCapabilities parses the consecutive `<` rows of an EHLO reply starting at index i. */
function readReply(rows: readonly ProtocolLogRow[], start: number): { lines: string[]; code: number; end: number } | undefined {
  const lines: string[] = [];
  let code = 0;
  let i = start;
  for (; i < rows.length; i++) {
    const r = rows[i];
    if (!r || r.event !== '<') break;
    const m = REPLY_LINE.exec(r.data.trim());
    if (!m) break;
    code = Number(m[1]);
    lines.push(m[3] ?? '');
    if (m[2] !== '-') {
      i++;
      break;
    }
  }
  return lines.length > 0 ? { lines, code, end: i } : undefined;
}

/** sessionFacts reads one session of a Send log. */
export function sessionFacts(session: ProtocolLogSession): SendSessionFacts {
  const rows = session.rows;
  const f: SendSessionFacts = {
    heloOnly: false, starttlsSent: false, tlsSucceeded: false, quitAfterEhlo: false,
    tlsRequiredNotOffered: false, maskedKeywords: [], errorReplies: [], certificates: { sent: false, received: false },
  };
  if (session.connectorId) f.connector = session.connectorId;
  if (session.sessionId) f.sessionId = session.sessionId;
  if (session.localEndpoint) f.localEndpoint = session.localEndpoint;
  if (session.remoteEndpoint) f.remoteEndpoint = session.remoteEndpoint;
  let lastWasEhloReply = false;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!r) continue;
    const data = r.data.trim();
    const info = `${r.context} ${r.data}`.trim();
    switch (r.event) {
      case '>': {
        const verb = data.split(/\s+/)[0]?.toUpperCase() ?? '';
        if (verb === 'EHLO' || verb === 'HELO') {
          f.ehloName = data.split(/\s+/)[1] ?? f.ehloName;
          if (verb === 'HELO') f.heloOnly = true;
          const reply = readReply(rows, i + 1);
          if (reply) {
            if (reply.code >= 400) f.errorReplies.push(`${reply.code} ${reply.lines.join(' ')}`.trim());
            else if (verb === 'EHLO') {
              const caps = parseCapabilities({ code: reply.code, lines: reply.lines });
              if (f.tlsSucceeded || f.starttlsSent) f.ehloAfterTls = caps;
              else f.ehloBeforeTls = caps;
              for (const k of Object.keys(caps.keywords)) if (MASKED.test(k) && !f.maskedKeywords.includes(k)) f.maskedKeywords.push(k);
            }
            i = reply.end - 1;
            lastWasEhloReply = true;
            continue;
          }
        } else if (verb === 'STARTTLS') f.starttlsSent = true;
        else if (verb === 'AUTH') f.authCommand = data.split(/\s+/)[1]?.toUpperCase() ?? 'AUTH';
        else if (verb === 'X-EXPS') f.authCommand = `X-EXPS ${data.split(/\s+/)[1]?.toUpperCase() ?? ''}`.trim();
        else if (verb === 'QUIT' && lastWasEhloReply) f.quitAfterEhlo = true;
        lastWasEhloReply = false;
        break;
      }
      case '<': {
        const m = REPLY_LINE.exec(data);
        if (m && f.greeting === undefined && m[1] === '220' && !f.starttlsSent) {
          f.greeting = m[3]?.trim() ?? '';
          f.greetingHost = f.greeting.split(/\s+/)[0];
        } else if (m && Number(m[1]) >= 400) f.errorReplies.push(data);
        lastWasEhloReply = false;
        break;
      }
      case '*': {
        let m: RegExpExecArray | null;
        if ((m = /TLS protocol (\S+) negotiation succeeded/i.exec(info))) {
          f.tlsProtocol = m[1] ?? '';
          f.tlsSucceeded = true;
        } else if ((m = /TLS negotiation failed with error (\w+)/i.exec(info))) f.tlsFailure = canonicalStatus(m[1] ?? '');
        else if ((m = /Outbound Authentication failed to initialize with (\w+)/i.exec(info))) f.authInitFailure = canonicalStatus(m[1] ?? '');
        else if ((m = /Outbound Authentication failed with (\w+)/i.exec(info))) f.authFailure = canonicalStatus(m[1] ?? '');
        else if (/remote doesn't support TLS|remote does not support TLS/i.test(info)) f.tlsRequiredNotOffered = true;
        else if (/^Sending certificate$/i.test(r.context.trim())) f.certificates.sent = true;
        else if (/^Received certificate$/i.test(r.context.trim())) {
          f.certificates.received = true;
          // Exchange logs the received certificate only once the handshake worked.
          if (f.starttlsSent) f.tlsSucceeded = true;
        } else if (/^Certificate subject$/i.test(r.context.trim())) f.certificates.subject = data;
        else if (/^Certificate thumbprint$/i.test(r.context.trim())) f.certificates.thumbprint = data;
        break;
      }
      case '-':
        if (r.context) f.disconnect = r.context;
        break;
      case '+':
        break;
    }
  }
  return f;
}

/** authTokens: mechanisms of the `AUTH` line Exchange reads (legacy `AUTH=` is ignored, docs/domain.md, "Exchange Send connector"). */
export function authTokens(caps: Capabilities | undefined): string[] {
  return caps?.auth ?? [];
}

/** offersExchangeAuth: X-EXPS (and X-ANONYMOUSTLS) present — the relay is an Exchange server. */
export function offersExchangeAuth(caps: Capabilities | undefined): boolean {
  return caps !== undefined && ('X-EXPS' in caps.keywords || 'X-ANONYMOUSTLS' in caps.keywords);
}
