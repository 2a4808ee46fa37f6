import type { StepResult, TranscriptLine } from '../model/report.js';
import type { AuthData, Capabilities, EhloData, SmtpReply } from '../model/step-data.js';
import type { RuleContext } from './rule.js';
import { replyWireLines } from '../model/smtp-reply.js';

/**
 * Client commands whose text is safe to quote in full. Anything else the client sent
 * (SASL continuation lines above all) is never quoted, even though the transcript is
 * redacted at capture: evidence should not even hint at where a credential went.
 */
const QUOTABLE_COMMANDS = ['EHLO', 'HELO', 'STARTTLS', 'MAIL', 'RCPT', 'RSET', 'QUIT', 'NOOP'] as const;

/**
 * quoteLine renders one transcript line as evidence ("< 535 5.7.8 ...", "> EHLO host"), or
 * undefined when it must not be quoted. An `AUTH` command is cut to its mechanism name.
 */
export function quoteLine(line: TranscriptLine): string | undefined {
  if (line.dir !== '>') return `${line.dir} ${line.text}`;
  const verb = line.text.split(' ', 1)[0]?.toUpperCase() ?? '';
  if (verb === 'AUTH') {
    const mech = line.text.split(/\s+/)[1];
    return mech ? `> AUTH ${mech}` : '> AUTH';
  }
  return (QUOTABLE_COMMANDS as readonly string[]).includes(verb) ? `> ${line.text}` : undefined;
}

/**
 * replyEvidence quotes the transcript lines of a reply: the last block of server lines that
 * carries this reply code and ends with the reply's last line. Falls back to rendering the
 * parsed reply when the transcript does not hold it (e.g. a unit test, a trimmed transcript).
 */
export function replyEvidence(ctx: RuleContext, reply: SmtpReply): string[] {
  const t = ctx.transcript;
  const lastText = (reply.lines[reply.lines.length - 1] ?? '').trim();
  const code = String(reply.code);
  for (let end = t.length - 1; end >= 0; end--) {
    const line = t[end];
    if (!line || line.dir !== '<') continue;
    const isFinal = line.text === code || line.text.startsWith(`${code} `);
    if (!isFinal || !line.text.includes(lastText)) continue;
    let start = end;
    while (start > 0) {
      const prev = t[start - 1];
      if (!prev || prev.dir !== '<' || !prev.text.startsWith(`${code}-`)) break;
      start--;
    }
    return t.slice(start, end + 1).map((l) => `< ${l.text}`);
  }
  return replyWireLines(reply);
}

/** commandEvidence quotes the last client command starting with `verb`, safely (see quoteLine). */
export function commandEvidence(ctx: RuleContext, verb: string): string[] {
  const upper = verb.toUpperCase();
  for (let i = ctx.transcript.length - 1; i >= 0; i--) {
    const line = ctx.transcript[i];
    if (line?.dir === '>' && line.text.toUpperCase().startsWith(upper)) {
      const q = quoteLine(line);
      return q ? [q] : [];
    }
  }
  return [];
}

/** stepErrorEvidence: the step's own message, with the SMTP status when there is one. */
export function stepErrorEvidence(r: StepResult): string[] {
  if (!r.error) return [];
  const status = r.error.replyCode !== undefined
    ? ` (${r.error.replyCode}${r.error.enhanced ? ` ${r.error.enhanced}` : ''})`
    : '';
  return [`${r.step}: ${r.error.message}${status}`];
}

/** authLine renders a list of SASL mechanisms as an EHLO AUTH line would read. */
export function authLine(mechs: readonly string[] | undefined): string {
  return mechs && mechs.length > 0 ? `AUTH ${mechs.join(' ')}` : 'AUTH (none)';
}

/** capabilityList names the EHLO keywords offered, for "what did the server offer" evidence. */
export function capabilityList(caps: Capabilities | undefined): string {
  if (!caps) return '(no EHLO capabilities)';
  const words = Object.keys(caps.keywords);
  return words.length > 0 ? words.join(' ') : '(none)';
}

/**
 * mechanismEvidence names the AUTH mechanisms seen on each side of TLS, so that
 * AUTH_ONLY_AFTER_STARTTLS and AUTH_NO_COMMON_MECHANISM show exactly what was offered where.
 * Reads AuthData first and falls back to the EHLO steps' capabilities.
 */
export function mechanismEvidence(ctx: RuleContext): string[] {
  const auth: AuthData | undefined = ctx.data('auth');
  const plain: EhloData | undefined = ctx.data('ehlo');
  const secured: EhloData | undefined = ctx.data('ehlo-tls');
  const out: string[] = [];
  if (ctx.target.tls === 'implicit') {
    const mechs = auth?.offeredAfterTls ?? auth?.offered ?? secured?.capabilities?.auth ?? plain?.capabilities?.auth;
    out.push(`on the implicit-TLS connection: ${authLine(mechs)}`);
  } else {
    const before = auth?.offeredBeforeTls ?? plain?.capabilities?.auth;
    out.push(`before STARTTLS: ${authLine(before)}`);
    const after = auth?.offeredAfterTls ?? secured?.capabilities?.auth;
    out.push(after !== undefined ? `after STARTTLS: ${authLine(after)}` : 'after STARTTLS: (TLS not reached)');
  }
  const legacy = [...(plain?.capabilities?.authLegacy ?? []), ...(secured?.capabilities?.authLegacy ?? [])];
  if (legacy.length > 0) out.push(`legacy AUTH= line: ${[...new Set(legacy)].join(' ')}`);
  if (auth) {
    out.push(`usable by smtprobe: ${auth.usable.length > 0 ? auth.usable.join(' ') : '(none)'}`);
    if (auth.detectedOnly.length > 0) out.push(`detected, not attempted: ${auth.detectedOnly.join(' ')}`);
  }
  return out;
}

/** uniq keeps the first occurrence of each evidence line, preserving order. */
export function uniq(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}
