import { describe, expect, it } from 'vitest';
import { chooseMechanism, type MechanismChoice } from '../../../src/probe/smtp/sasl/index.js';
import { isDetectedOnly } from '../../../src/probe/smtp/sasl/detected.js';
import type { MechanismName } from '../../../src/model/target.js';

const pw = { hasPassword: true, hasToken: false };
const tok = { hasPassword: false, hasToken: true };
const both = { hasPassword: true, hasToken: true };
const none = { hasPassword: false, hasToken: false };

type Row = [string, string[], 'auto' | MechanismName, typeof pw, 'generic' | 'exchange', Partial<MechanismChoice>];

const table: Row[] = [
  ['auto prefers CRAM-MD5 with a password', ['LOGIN', 'PLAIN', 'CRAM-MD5'], 'auto', pw, 'generic', { mechanism: 'CRAM-MD5', usable: ['CRAM-MD5', 'PLAIN', 'LOGIN'] }],
  ['auto prefers PLAIN over LOGIN', ['LOGIN', 'PLAIN'], 'auto', pw, 'generic', { mechanism: 'PLAIN' }],
  ['auto takes LOGIN when it is the only one', ['LOGIN'], 'auto', pw, 'generic', { mechanism: 'LOGIN' }],
  ['auto prefers OAUTHBEARER with a token', ['XOAUTH2', 'OAUTHBEARER', 'PLAIN'], 'auto', tok, 'generic', { mechanism: 'OAUTHBEARER' }],
  ['auto takes XOAUTH2 with a token', ['PLAIN', 'LOGIN', 'XOAUTH2'], 'auto', tok, 'generic', { mechanism: 'XOAUTH2' }],
  ['auto prefers a token when both are given', ['PLAIN', 'XOAUTH2'], 'auto', both, 'generic', { mechanism: 'XOAUTH2' }],
  ['auto falls back to a password mechanism', ['PLAIN'], 'auto', both, 'generic', { mechanism: 'PLAIN' }],
  ['a token with only password mechanisms', ['PLAIN', 'LOGIN'], 'auto', tok, 'generic', { reason: 'no-common-mechanism', usable: ['PLAIN', 'LOGIN'] }],
  ['only NTLM and GSSAPI offered', ['NTLM', 'GSSAPI'], 'auto', pw, 'generic', { reason: 'no-common-mechanism', usable: [], detectedOnly: ['NTLM', 'GSSAPI'] }],
  ['nothing offered', [], 'auto', pw, 'generic', { reason: 'not-offered', usable: [] }],
  ['no credentials', ['PLAIN'], 'auto', none, 'generic', { reason: 'no-credentials', usable: ['PLAIN'] }],
  ['forced LOGIN, offered', ['PLAIN', 'LOGIN', 'CRAM-MD5'], 'LOGIN', pw, 'generic', { mechanism: 'LOGIN' }],
  ['forced LOGIN, not offered', ['PLAIN', 'CRAM-MD5'], 'LOGIN', pw, 'generic', { reason: 'no-common-mechanism' }],
  ['forced XOAUTH2 without a token', ['XOAUTH2'], 'XOAUTH2', pw, 'generic', { reason: 'no-credentials' }],
  ['exchange: LOGIN only', ['PLAIN', 'LOGIN', 'CRAM-MD5'], 'auto', pw, 'exchange', { mechanism: 'LOGIN', usable: ['LOGIN'] }],
  ['exchange: PLAIN-only relay has no common mechanism', ['PLAIN', 'CRAM-MD5'], 'auto', pw, 'exchange', { reason: 'no-common-mechanism', usable: [] }],
  ['exchange: forced PLAIN is not used', ['PLAIN', 'LOGIN'], 'PLAIN', pw, 'exchange', { reason: 'no-common-mechanism' }],
  ['exchange: a token does not help', ['LOGIN', 'XOAUTH2'], 'auto', tok, 'exchange', { reason: 'no-common-mechanism', usable: ['LOGIN'] }],
  ['lower-case and duplicate offers', ['login', 'LOGIN', 'plain'], 'auto', pw, 'generic', { mechanism: 'PLAIN', usable: ['PLAIN', 'LOGIN'] }],
  ['unknown mechanisms are detected only', ['SCRAM-SHA-256', 'PLAIN', 'NTLM'], 'auto', pw, 'generic', { mechanism: 'PLAIN', detectedOnly: ['SCRAM-SHA-256', 'NTLM'] }],
];

describe('chooseMechanism', () => {
  it.each(table)('%s', (_name, offered, policy, creds, profile, expected) => {
    const choice = chooseMechanism(offered, policy, creds, profile);
    expect(choice).toMatchObject(expected);
    expect(choice.mechanism === undefined).toBe(choice.reason !== undefined);
  });
});

describe('isDetectedOnly', () => {
  it('recognises NTLM and GSSAPI only', () => {
    expect(isDetectedOnly('NTLM')).toBe(true);
    expect(isDetectedOnly('gssapi')).toBe(true);
    expect(isDetectedOnly('PLAIN')).toBe(false);
  });
});
