import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnose/index.js';
import type { TranscriptLine } from '../../../src/model/report.js';
import { authData, authFail, caps, ehloData, input, passingTranscript, reply, step } from './builders.js';

describe('AUTH mechanisms on each side of TLS', () => {
  it('AUTH_ONLY_AFTER_STARTTLS names what was offered before and after STARTTLS', () => {
    const auth = step('auth', 'fail', authData({
      offered: [], offeredBeforeTls: [], offeredAfterTls: ['PLAIN', 'LOGIN'], usable: [], attempted: false, skipped: 'not-offered',
    }), { code: 'AUTH_ONLY_AFTER_STARTTLS' });
    const [f] = diagnose(input([auth], { target: { tls: 'none' }, drop: ['starttls', 'tls', 'ehlo-tls'] }));
    expect(f?.code).toBe('AUTH_ONLY_AFTER_STARTTLS');
    expect(f?.evidence).toContain('before STARTTLS: AUTH (none)');
    expect(f?.evidence).toContain('after STARTTLS: AUTH PLAIN LOGIN');
  });

  it('AUTH_NO_COMMON_MECHANISM names both sides and what smtprobe could use', () => {
    const auth = step('auth', 'fail', authData({
      offered: ['CRAM-MD5'], offeredBeforeTls: [], offeredAfterTls: ['CRAM-MD5'], usable: [], attempted: false, skipped: 'no-common-mechanism',
    }), { code: 'AUTH_NO_COMMON_MECHANISM' });
    const [f] = diagnose(input([auth], { target: { auth: 'LOGIN' } }));
    expect(f?.code).toBe('AUTH_NO_COMMON_MECHANISM');
    expect(f?.evidence).toEqual(expect.arrayContaining(['before STARTTLS: AUTH (none)', 'after STARTTLS: AUTH CRAM-MD5', 'usable by smtprobe: (none)']));
  });

  it('only NTLM/GSSAPI offered → a note that they were not attempted, plus no common mechanism', () => {
    const auth = step('auth', 'fail', authData({
      offered: ['NTLM', 'GSSAPI'], offeredAfterTls: ['NTLM', 'GSSAPI'], usable: [], detectedOnly: ['NTLM', 'GSSAPI'], attempted: false, skipped: 'no-common-mechanism',
    }), { code: 'AUTH_NO_COMMON_MECHANISM' });
    const f = diagnose(input([auth]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([['AUTH_NO_COMMON_MECHANISM', 'critical'], ['AUTH_MECHANISM_NOT_ATTEMPTED', 'info']]);
    expect(f[0]?.evidence).toContain('detected, not attempted: NTLM GSSAPI');
  });

  it('NTLM beside LOGIN is no finding', () => {
    expect(diagnose(input([step('auth', 'pass', authData({ offered: ['NTLM', 'LOGIN'], usable: ['LOGIN'], detectedOnly: ['NTLM'], mechanism: 'LOGIN' }))]))).toEqual([]);
  });

  it('nothing about AUTH when no credentials were given', () => {
    const auth = step('auth', 'skip', authData({ offered: ['GSSAPI'], usable: [], detectedOnly: ['GSSAPI'], attempted: false, skipped: 'no-credentials' }));
    expect(diagnose(input([auth]))).toEqual([]);
  });

  it('with implicit TLS, the mechanisms are those of the TLS connection', () => {
    const auth = step('auth', 'fail', authData({ offered: ['CRAM-MD5'], offeredBeforeTls: ['CRAM-MD5'], offeredAfterTls: undefined, usable: [], attempted: false }), { code: 'AUTH_NO_COMMON_MECHANISM' });
    const [f] = diagnose(input([auth], { target: { tls: 'implicit', port: 465 } }));
    expect(f?.evidence).toContain('on the implicit-TLS connection: AUTH CRAM-MD5');
  });
});

describe('evidence', () => {
  it('quotes the reply and the AUTH command name only — never an AUTH payload', () => {
    const secretish = 'AGFsaWNlAHMzY3JldA==';
    const transcript: TranscriptLine[] = [
      ...passingTranscript().slice(0, 12),
      { t: 20, dir: '>', text: 'AUTH LOGIN' },
      { t: 21, dir: '<', text: '334 VXNlcm5hbWU6' },
      { t: 22, dir: '>', text: secretish },
      { t: 23, dir: '<', text: '334 UGFzc3dvcmQ6' },
      { t: 24, dir: '>', text: `[redacted] ${secretish}` },
      { t: 25, dir: '<', text: '535 5.7.8 Error: authentication failed: authentication failure' },
      { t: 26, dir: '>', text: 'QUIT' },
    ];
    const r = reply(535, '5.7.8', 'Error: authentication failed: authentication failure');
    const f = diagnose(input([authFail(r, 'AUTH_CREDENTIALS_REJECTED')], { transcript }));
    const all = f.flatMap((x) => x.evidence);
    expect(all).toContain('> AUTH LOGIN');
    expect(all).toContain('< 535 5.7.8 Error: authentication failed: authentication failure');
    expect(all.join('\n')).not.toContain(secretish);
    for (const line of all.filter((l) => l.startsWith('>'))) {
      expect(line).toMatch(/^> (EHLO|HELO|STARTTLS|MAIL|RCPT|RSET|QUIT|NOOP)\b|^> AUTH( \S+)?$/);
    }
  });

  it('an AUTH command with an initial response is cut to its mechanism', () => {
    const transcript: TranscriptLine[] = [
      { t: 1, dir: '>', text: 'AUTH PLAIN AGFsaWNlAHMzY3JldA==' },
      { t: 2, dir: '<', text: '535 5.7.8 Authentication credentials invalid' },
    ];
    const f = diagnose(input([authFail(reply(535, '5.7.8', 'Authentication credentials invalid'), 'AUTH_CREDENTIALS_REJECTED')], { transcript }));
    const all = f.flatMap((x) => x.evidence).join('\n');
    expect(all).toContain('> AUTH PLAIN');
    expect(all).not.toContain('AGFsaWNlAHMzY3JldA==');
  });

  it('quotes a multi-line reply from the transcript as the server sent it', () => {
    const transcript: TranscriptLine[] = [
      { t: 1, dir: '>', text: 'AUTH LOGIN' },
      { t: 2, dir: '<', text: '534-5.7.9 Application-specific password required. Learn more at' },
      { t: 3, dir: '<', text: '534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp' },
    ];
    const r = reply(534, '5.7.9', 'Application-specific password required. Learn more at', ' https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp');
    const [f] = diagnose(input([authFail(r, 'AUTH_MECHANISM_TOO_WEAK')], { transcript }));
    expect(f?.code).toBe('AUTH_APP_PASSWORD_REQUIRED');
    expect(f?.evidence).toEqual(expect.arrayContaining([
      '< 534-5.7.9 Application-specific password required. Learn more at',
      '< 534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp',
    ]));
  });

  it('STARTTLS not offered shows what EHLO did offer, and spots a firewall masking it', () => {
    const ehlo = step('ehlo', 'pass', ehloData(caps({ keywords: { XXXA: [], '8BITMIME': [] } })));
    const st = step('starttls', 'fail', { offered: false }, { code: 'STARTTLS_NOT_OFFERED' });
    const [f] = diagnose(input([ehlo, st], { target: { port: 25 }, drop: ['tls', 'ehlo-tls', 'auth'] }));
    expect(f?.code).toBe('STARTTLS_NOT_OFFERED');
    expect(f?.evidence.join('\n')).toContain('XXXA');
    expect(f?.fix.join('\n')).toMatch(/inspection/i);
    expect(f?.exchange).toBeUndefined();
  });
});
