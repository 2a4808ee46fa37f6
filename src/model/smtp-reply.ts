import type { SmtpReply } from './step-data.js';

/**
 * Renderings of a parsed SMTP reply, shared by the probe's error messages, diagnosis evidence
 * and the renderers, so that a reply reads the same everywhere.
 */

/** replyLine: the reply on one line as its first line was sent, e.g. "535 5.7.8 text (+1 lines)". */
export function replyLine(r: SmtpReply): string {
  const first = r.lines[0] ?? '';
  const more = r.lines.length > 1 ? ` (+${r.lines.length - 1} lines)` : '';
  return [String(r.code), r.enhanced, first].filter((s) => s !== undefined && s !== '').join(' ') + more;
}

/** replyWireLines: every line the way the wire showed it (RFC 5321 §4.2.1), each prefixed "< ". */
export function replyWireLines(reply: SmtpReply): string[] {
  const lines = reply.lines.length > 0 ? reply.lines : [''];
  const enh = reply.enhanced ? `${reply.enhanced} ` : '';
  return lines.map((l, i) => `< ${reply.code}${i < lines.length - 1 ? '-' : ' '}${enh}${l}`.trimEnd());
}

/** replyText joins a reply's lines into one string for matching and messages. */
export function replyText(reply: SmtpReply): string {
  return reply.lines.map((l) => l.trim()).join(' ').trim();
}
