import type { ProtocolLogSession } from './protocol-log.js';

/**
 * The SMTP dialogue of one Send log session, as exchanges of a client command and the
 * server's reply — the shape a recorder needs to turn a field log into a mock scenario
 * (server side replayed, client side checked). In a Send log `>` is Exchange (the client)
 * and `<` the relay (the server); in a Receive log the roles are swapped (docs/domain.md, "Exchange SMTP Send protocol log").
 */
export interface DialogueExchange {
  /** The client's command (e.g. "EHLO mail.contoso.com"), or undefined for the greeting. */
  command?: string;
  /** Reply lines as logged ("250-AUTH PLAIN", "250 DSN"), one per row. */
  reply: string[];
  /** Information rows (`*`) logged between this command and the next, by their text. */
  info: string[];
}

export interface Dialogue {
  exchanges: DialogueExchange[];
  /** The session ended with a `-` row; its context (Local, Remote, SocketError). */
  disconnect?: string;
}

/**
 * dialogueOf pairs commands with replies. `direction` says which side is the client: in a
 * Send log Exchange sends (`>`), in a Receive log the remote client sends (`<`).
 * Credential lines are never copied: after `AUTH`, client lines are replaced by `<redacted>`
 * (Exchange masks them itself in newer versions; older logs may not).
 */
export function dialogueOf(session: ProtocolLogSession, direction: 'send' | 'receive' = 'send'): Dialogue {
  const clientDir = direction === 'send' ? '>' : '<';
  const serverDir = direction === 'send' ? '<' : '>';
  const out: Dialogue = { exchanges: [] };
  let current: DialogueExchange | undefined;
  let inAuth = false;
  for (const r of session.rows) {
    if (r.event === clientDir) {
      const verb = r.data.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
      // SASL responses (RFC 4954 §4) are bare base64 lines after AUTH; never keep them.
      const command = inAuth && !/^[A-Z-]{4,}$/.test(verb) ? '<redacted>' : verb === 'AUTH' ? r.data.trim().split(/\s+/).slice(0, 2).join(' ') : r.data.trim();
      current = { command, reply: [], info: [] };
      out.exchanges.push(current);
      if (verb === 'AUTH' || verb === 'X-EXPS') inAuth = true;
    } else if (r.event === serverDir) {
      if (!current) {
        current = { reply: [], info: [] };
        out.exchanges.push(current);
      }
      current.reply.push(r.data.trim());
      // AUTH ends at its final (non-334) reply.
      if (inAuth && /^[2-5]\d\d /.test(r.data.trim()) && !r.data.trim().startsWith('334')) inAuth = false;
    } else if (r.event === '*') {
      const text = [r.context, r.data].filter(Boolean).join(': ');
      if (current) current.info.push(text);
      else out.exchanges.push((current = { reply: [], info: [text] }));
    } else if (r.event === '-' && r.context) out.disconnect = r.context;
  }
  return out;
}
