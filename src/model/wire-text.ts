/**
 * Characters no value that goes on the SMTP wire may contain:
 * - C0 controls U+0000–U+001F, among them CR and LF, which end a command line (RFC 5321
 *   §2.3.8): a value holding them would let the input add commands of its own (a `--rcpt` that
 *   smuggles `DATA` and a whole message); NUL separates the fields of SASL PLAIN (RFC 4616 §2)
 *   and U+0001 those of XOAUTH2, so a user name holding them would rewrite the credentials;
 * - DEL U+007F;
 * - C1 controls U+0080–U+009F: never meaningful in a host name, address or user name, excluded
 *   from text on the wire by RFC 5198 (Net-Unicode), NEL (U+0085) ends a line for some parsers,
 *   and CSI (U+009B) starts a terminal escape sequence when a transcript is printed;
 * - the Unicode line and paragraph separators U+2028 and U+2029, line ends for the same parsers.
 * HT (tab) is a C0 control too and is refused with the others: no probe value needs one.
 */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * controlCharacterProblem: why `value` may not go on the wire, or undefined when it may.
 * The message names the first offending character and where it is, never the whole value
 * (a value can be long, and printing its control characters is what this refuses).
 */
export function controlCharacterProblem(value: string): string | undefined {
  const m = FORBIDDEN.exec(value);
  if (!m) return undefined;
  const c = m[0].codePointAt(0) ?? 0;
  return `contains the control character ${describeCodePoint(c)} at position ${m.index + 1}: CR, LF, NUL and other control characters are refused, because on the SMTP wire they would end the command and start another`;
}

/** hasControlCharacter: true when `value` holds a character controlCharacterProblem refuses. */
export function hasControlCharacter(value: string): boolean {
  return FORBIDDEN.test(value);
}

const NAMES: Record<number, string> = { 0x00: 'NUL', 0x09: 'TAB', 0x0a: 'LF', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL', 0x85: 'NEL', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR' };

/** describeCodePoint: "U+000D (CR)" — how error messages and transcript events name a character. */
export function describeCodePoint(c: number): string {
  const hex = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[c];
  return name ? `${hex} (${name})` : hex;
}

/**
 * Characters that change how a command line is framed: CR and LF end it (RFC 5321 §2.3.8),
 * and NUL ends it early for a server that reads lines as C strings. The connection's write
 * path refuses a command holding any of them (input validation refuses the rest).
 */
const FRAMING = /[\r\n\u0000]/;

/** framingCharacter: the first CR, LF or NUL in `line`, named, or undefined when there is none. */
export function framingCharacter(line: string): { name: string; index: number } | undefined {
  const m = FRAMING.exec(line);
  return m ? { name: describeCodePoint(m[0].codePointAt(0) ?? 0), index: m.index } : undefined;
}
