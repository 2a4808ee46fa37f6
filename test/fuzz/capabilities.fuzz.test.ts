import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffCapabilities, parseCapabilities } from '../../src/probe/smtp/capabilities.js';
import type { SmtpReply } from '../../src/model/step-data.js';

const RUNS = 300;

const word = fc.oneof(
  fc.constantFrom('AUTH', 'auth', 'AUTH=LOGIN', 'Auth=plain', 'STARTTLS', 'SIZE', 'PLAIN', 'LOGIN', 'cram-md5', 'XOAUTH2', 'NTLM', '8BITMIME', '123', 'x-y', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
);
const line = fc.oneof(
  fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' ')),
  fc.string({ maxLength: 40 }),
  fc.array(word, { maxLength: 6 }).map((ws) => ws.join('\t  ')),
);
const reply = fc.array(line, { maxLength: 15 }).map((lines): SmtpReply => ({ code: 250, lines }));

/** Upper-cased whitespace tokens of the lines whose keyword satisfies `pick`. */
function tokensOf(r: SmtpReply, pick: (first: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const l of r.lines.slice(1)) {
    const tokens = l.split(/[ \t]+/).filter(Boolean).map((t) => t.toUpperCase());
    if (tokens[0] !== undefined && pick(tokens[0])) tokens.forEach((t) => out.add(t));
  }
  return out;
}

describe('parseCapabilities (property-based)', () => {
  it('never throws; keywords are upper-case; auth comes only from AUTH lines, authLegacy only from AUTH= lines', () => {
    fc.assert(
      fc.property(reply, (r) => {
        const caps = parseCapabilities(r);
        for (const k of Object.keys(caps.keywords)) expect(k).toBe(k.toUpperCase());
        const authTokens = tokensOf(r, (w) => w === 'AUTH');
        for (const m of caps.auth) expect(authTokens.has(m)).toBe(true);
        const legacyTokens = new Set([...tokensOf(r, (w) => w.startsWith('AUTH='))].map((t) => t.replace(/^AUTH=/, '')));
        for (const m of caps.authLegacy) expect(legacyTokens.has(m)).toBe(true);
        for (const m of [...caps.auth, ...caps.authLegacy]) expect(m).toBe(m.toUpperCase());
        expect(new Set(caps.auth).size).toBe(caps.auth.length);
        expect(caps.starttls).toBe(Object.hasOwn(caps.keywords, 'STARTTLS'));
      }),
      { numRuns: RUNS },
    );
  });

  it('diffs without throwing; a set compared with itself has no difference', () => {
    fc.assert(
      fc.property(reply, reply, (a, b) => {
        const ca = parseCapabilities(a);
        const cb = parseCapabilities(b);
        diffCapabilities(ca, cb);
        diffCapabilities(undefined, cb);
        expect(diffCapabilities(ca, ca)).toEqual({ added: [], removed: [], changed: [] });
      }),
      { numRuns: RUNS },
    );
  });
});
