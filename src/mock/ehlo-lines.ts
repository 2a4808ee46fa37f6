import type { Scenario } from './scenario-schema.js';

/** Keywords a server advertises when a scenario does not list its own (mirrors smtp-server's). */
export const DEFAULT_EXTENSIONS: readonly string[] = ['PIPELINING', 'SIZE 10240000', '8BITMIME', 'SMTPUTF8'];

/** Message size limit advertised by default (RFC 1870 SIZE), shared by both engines. */
export const DEFAULT_SIZE = 10_240_000;

/**
 * authOffered: whether AUTH is advertised and accepted in a session that is (or is not)
 * encrypted. `after-starttls` means after TLS of any kind: always on an implicit-TLS port,
 * never on a port without TLS (RFC 4954 §4 lets a server offer AUTH only under TLS).
 */
export function authOffered(server: Scenario['server'], secure: boolean): boolean {
  if (server.auth.mechanisms.length === 0) return false;
  switch (server.auth.advertise) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'after-starttls':
      return secure;
  }
}

/** authEverOffered: whether some session state of this server offers AUTH at all. */
export function authEverOffered(server: Scenario['server']): boolean {
  return authOffered(server, false) || (server.tls !== 'none' && authOffered(server, true));
}

/**
 * ehloKeywords: the EHLO reply lines after the domain line (RFC 5321 §4.1.1.1). The listed
 * extensions come first; STARTTLS (RFC 3207 §4: never after TLS is up) and AUTH (RFC 4954 §3)
 * are derived unless a listed line already starts with that keyword. A listed `!KEYWORD`
 * suppresses the derived line (e.g. `!STARTTLS`: a firewall that masks the verb, while the
 * server still accepts the command).
 */
export function ehloKeywords(server: Scenario['server'], secure: boolean, tlsMode: Scenario['server']['tls']): string[] {
  const listed = secure ? (server.extensions.tls ?? server.extensions.plain ?? DEFAULT_EXTENSIONS) : (server.extensions.plain ?? DEFAULT_EXTENSIONS);
  const suppressed = new Set(listed.filter((l) => l.startsWith('!')).map((l) => l.slice(1).toUpperCase()));
  const lines = listed.filter((l) => !l.startsWith('!'));
  const has = (kw: string): boolean => lines.some((l) => l.toUpperCase() === kw || l.toUpperCase().startsWith(kw + ' ') || l.toUpperCase().startsWith(kw + '='));
  const mechs = server.auth.mechanisms.join(' ');
  if (authOffered(server, secure) && !has('AUTH') && !suppressed.has('AUTH')) {
    lines.push(`AUTH ${mechs}`);
    if (server.auth.legacyAuthEquals) lines.push(`AUTH=${mechs}`);
  }
  if (!secure && tlsMode === 'starttls' && !has('STARTTLS') && !suppressed.has('STARTTLS')) lines.push('STARTTLS');
  return lines;
}
