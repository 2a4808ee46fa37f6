import { MOCK_MECHANISMS, type MockMechanism } from '../mock/scenario-schema.js';
import type { RecordedReply } from './dialogue.js';

/**
 * EHLO lines for a recording (RFC 5321 §4.1.1.1): the mock plays a recorded server's
 * extensions literally, per TLS state, so a probe parses exactly what it parsed in the field.
 */

/** keywordLines: the EHLO reply's lines after the domain line (RFC 5321 §4.1.1.1). */
export function keywordLines(reply: RecordedReply | undefined): string[] | undefined {
  return reply && reply.code < 400 && reply.text.length > 0 ? reply.text.slice(1).filter((l) => l.trim() !== '') : undefined;
}

/** startsWithKeyword: an EHLO line for `kw` ("AUTH PLAIN", "AUTH=LOGIN", "STARTTLS"). */
export const startsWithKeyword = (line: string, kw: string): boolean => {
  const u = line.toUpperCase();
  return u === kw || u.startsWith(kw + ' ') || u.startsWith(kw + '=');
};

/**
 * literalExtensions: recorded EHLO lines, with `!AUTH` / `!STARTTLS` added where the server
 * did not list them, so the mock does not derive its own (ehlo-lines.ts).
 */
export function literalExtensions(lines: string[]): string[] {
  const out = [...lines];
  if (!out.some((l) => startsWithKeyword(l, 'AUTH'))) out.push('!AUTH');
  if (!out.some((l) => startsWithKeyword(l, 'STARTTLS'))) out.push('!STARTTLS');
  return out;
}

/** mockMechanisms: the advertised mechanisms the mock can run or advertise, upper case, once each. */
export function mockMechanisms(names: readonly string[]): MockMechanism[] {
  const out: MockMechanism[] = [];
  for (const n of names) {
    const m = MOCK_MECHANISMS.find((x) => x === n.toUpperCase());
    if (m && !out.includes(m)) out.push(m);
  }
  return out;
}

/** authTokens: mechanisms on the RFC 4954 "AUTH" lines and on legacy "AUTH=" lines. */
export function authTokens(lines: readonly string[]): { auth: string[]; legacy: string[] } {
  const auth: string[] = [];
  const legacy: string[] = [];
  for (const l of lines) {
    const m = /^AUTH([ =])(.*)$/i.exec(l.trim());
    if (!m) continue;
    const names = (m[2] ?? '').split(/\s+/).filter(Boolean).map((n) => n.toUpperCase());
    (m[1] === '=' ? legacy : auth).push(...names);
  }
  return { auth, legacy };
}
