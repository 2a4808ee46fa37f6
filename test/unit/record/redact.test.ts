import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/model/secret.js';
import { Redactor, SECRET_PLACEHOLDER, USER_PLACEHOLDER, redactChallenge, CHALLENGE_PLACEHOLDER } from '../../../src/record/redact.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('Redactor', () => {
  const r = new Redactor({ username: 'alice@corp.test', secrets: ['Hunter2-Pw!', new Secret('tok-XYZ-123456'), undefined] });

  it('replaces secrets, given as strings or Secret', () => {
    expect(r.text('pw Hunter2-Pw! and tok-XYZ-123456')).toBe(`pw ${SECRET_PLACEHOLDER} and ${SECRET_PLACEHOLDER}`);
  });

  it('replaces base64 of a secret, alone or inside a SASL message, padded or not', () => {
    for (const blob of [b64('Hunter2-Pw!'), b64('Hunter2-Pw!').replace(/=+$/, ''), b64('\0alice@corp.test\0Hunter2-Pw!'), b64('user=x\x01auth=Bearer tok-XYZ-123456\x01\x01')]) {
      const out = r.text(`AUTH PLAIN ${blob}`);
      expect(out).not.toContain(blob);
      expect(out).toContain(SECRET_PLACEHOLDER);
    }
  });

  it('replaces the user name (whole names, any case) and its base64 unless kept', () => {
    expect(r.text('535 5.7.8 ALICE@corp.test: authentication failed')).toBe(`535 5.7.8 ${USER_PLACEHOLDER}: authentication failed`);
    expect(r.text(b64('alice@corp.test'))).toBe(SECRET_PLACEHOLDER);
    expect(r.userName()).toBe(USER_PLACEHOLDER);
    const keep = new Redactor({ username: 'alice@corp.test', keepUsernames: true, secrets: ['Hunter2-Pw!'] });
    expect(keep.text('user alice@corp.test pw Hunter2-Pw!')).toBe(`user alice@corp.test pw ${SECRET_PLACEHOLDER}`);
    expect(keep.userName()).toBe('alice@corp.test');
  });

  it('does not mangle words that merely contain a short user name', () => {
    const bob = new Redactor({ username: 'bob' });
    expect(bob.text('bobcat <bob> bob@example.com')).toBe(`bobcat <${USER_PLACEHOLDER}> ${USER_PLACEHOLDER}@example.com`);
  });

  it('leaves ordinary text and EHLO keywords alone', () => {
    expect(r.text('250-PIPELINING')).toBe('250-PIPELINING');
    expect(r.text('AUTH PLAIN LOGIN CRAM-MD5')).toBe('AUTH PLAIN LOGIN CRAM-MD5');
  });

  it('deep-copies values and keeps keys', () => {
    const input = { user: 'alice@corp.test', list: ['Hunter2-Pw!', 3], nested: { ok: true } };
    expect(r.deep(input)).toEqual({ user: USER_PLACEHOLDER, list: [SECRET_PLACEHOLDER, 3], nested: { ok: true } });
    expect(input.user).toBe('alice@corp.test');
  });

  it('replaces SASL challenges by a placeholder', () => {
    expect(redactChallenge('PDEyMzQ1QGhvc3Q+')).toBe(CHALLENGE_PLACEHOLDER);
    expect(redactChallenge('')).toBe('');
  });
});
