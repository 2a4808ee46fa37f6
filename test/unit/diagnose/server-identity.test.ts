/**
 * The fix in the server's own terms: the software is identified from the greeting, the EHLO
 * reply, command replies or the host name, its settings are named, and no other server's
 * settings appear — nor any server's when it is unknown.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, identifyServer } from '../../../src/diagnose/index.js';
import { remediesFor } from '../../../src/diagnose/server-remedies.js';
import { FINDING_CODES } from '../../../src/model/finding-codes.js';
import type { Finding } from '../../../src/model/report.js';
import { authData, authFail, caps, ehloData, input, reply, step, tlsData } from './builders.js';

const banner = (text: string) => step('banner', 'pass', { reply: reply(220, undefined, text), greetingHost: text.split(' ')[0] });
const fixes = (fs: Finding[], code: string): string => (fs.find((f) => f.code === code)?.fix ?? []).join(' | ');
const POSTFIX_WORDS = /smtpd_|Postfix|Cyrus|mech_list/;

describe('identifyServer', () => {
  it.each([
    ['mx.example.net ESMTP Exim 4.96 Sat, 05 Dec 2026 02:00:00 +0000', 'exim'],
    ['mx.example.net ESMTP Postfix (Debian/GNU)', 'postfix'],
    ['mx.example.net ESMTP OpenSMTPD', 'opensmtpd'],
    ['mx.example.net ESMTP Sendmail 8.15.2/8.15.2; Sat, 5 Dec 2026', 'sendmail'],
    ['mx.example.net Dovecot ready.', 'dovecot'],
    ['mx.example.net ESMTP Haraka/3.0.3 ready', 'haraka'],
    ['EX01.contoso.com Microsoft ESMTP MAIL Service ready at Sat, 5 Dec 2026', 'exchange'],
    ['AM0PR01CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready', 'm365'],
    ['smtp.gmail.com ESMTP a1-20020a05 - gsmtp', 'gmail'],
  ])('greeting %s → %s', (text, software) => {
    expect(identifyServer({ host: '127.0.0.1', greeting: reply(220, undefined, text) })?.software).toBe(software);
  });

  it('host names of hosted services, EHLO keywords and reply wording', () => {
    expect(identifyServer({ host: 'email-smtp.eu-west-1.amazonaws.com' })?.software).toBe('ses');
    expect(identifyServer({ host: 'smtp.sendgrid.net' })?.software).toBe('sendgrid');
    expect(identifyServer({ host: 'x', capabilities: [caps({ keywords: { PRDR: [] } })] })?.software).toBe('exim');
    expect(identifyServer({ host: 'x', capabilities: [caps({ keywords: { PIPECONNECT: [] } })] })?.software).toBe('exim');
    // A wording many servers share names none of them.
    expect(identifyServer({ host: 'x', replies: [reply(535, '5.7.8', 'Authentication failed')] })).toBeUndefined();
    expect(identifyServer({ host: 'x', capabilities: [caps({ keywords: { 'X-ANONYMOUSTLS': [] } })] })?.software).toBe('exchange');
    expect(identifyServer({ host: 'x', replies: [reply(535, '5.7.0', 'Incorrect authentication data')] })?.software).toBe('exim');
    expect(identifyServer({ host: 'x', replies: [reply(535, '5.7.8', 'Error: authentication failed: authentication failure')] })?.software).toBe('postfix');
    expect(identifyServer({ host: 'x', greeting: reply(220, undefined, 'mx.example.net ESMTP') })).toBeUndefined();
  });

  it('Haraka with its greeting changed: its EHLO line or its recipient refusal still names it', () => {
    const ehlo = { code: 250, lines: ['relay.test Hello localhost [127.0.0.1], Haraka is at your service.', 'PIPELINING', 'STARTTLS'] };
    const fromEhlo = identifyServer({ host: 'x', greeting: reply(220, undefined, 'relay.test ESMTP mail service'), replies: [ehlo] });
    expect(fromEhlo?.software).toBe('haraka');
    expect(fromEhlo?.evidence).toBe('reply "250 relay.test Hello localhost [127.0.0.1], Haraka is at your service."');
    expect(identifyServer({ host: 'x', replies: [reply(550, undefined, 'I cannot deliver mail for <b@elsewhere.example>')] })?.software).toBe('haraka');
    // Haraka's 535 is the generic wording, which names nobody.
    expect(identifyServer({ host: 'x', replies: [reply(535, '5.7.8', 'Authentication failed')] })).toBeUndefined();
  });
});

describe('server-specific remedies', () => {
  const noStarttls = (greeting: string) => diagnose(input([
    banner(greeting),
    step('ehlo', 'pass', ehloData(caps({ auth: ['PLAIN', 'LOGIN'] }))),
    step('starttls', 'fail', { offered: false }, { code: 'STARTTLS_NOT_OFFERED' }),
  ], { drop: ['tls', 'ehlo-tls', 'auth'] }));

  it('Exim without STARTTLS: tls_advertise_hosts, and no Postfix setting anywhere', () => {
    const fs = noStarttls('mx.example.net ESMTP Exim 4.96');
    expect(fixes(fs, 'STARTTLS_NOT_OFFERED')).toMatch(/^Exim: .*tls_advertise_hosts/);
    expect(fs.find((f) => f.code === 'STARTTLS_NOT_OFFERED')?.evidence.join(' ')).toMatch(/server: Exim \(greeting/);
    for (const f of fs) expect(f.fix.join(' '), f.code).not.toMatch(POSTFIX_WORDS);
  });

  it('AUTH only in clear on Dovecot: AUTH_PLAINTEXT_REFUSED with Dovecot\'s ssl settings', () => {
    const fs = noStarttls('mx.example.net Dovecot ready.');
    expect(fixes(fs, 'AUTH_PLAINTEXT_REFUSED')).toMatch(/Dovecot submission: ssl = yes/);
    expect(fixes(fs, 'AUTH_PLAINTEXT_ADVERTISED')).toMatch(/disable_plaintext_auth|auth_allow_cleartext/);
    for (const f of fs) expect(f.fix.join(' '), f.code).not.toMatch(POSTFIX_WORDS);
  });

  it('Haraka without STARTTLS: the tls plugin and no_starttls_ports; AUTH in clear explained by flat_file\'s exemption', () => {
    const fs = noStarttls('relay.test ESMTP Haraka/3.3.4 ready');
    expect(fixes(fs, 'STARTTLS_NOT_OFFERED')).toMatch(/^Haraka: list tls in config\/plugins .*no_starttls_ports/);
    expect(fixes(fs, 'AUTH_PLAINTEXT_ADVERTISED')).toMatch(/^Haraka: auth\/flat_file offers AUTH without TLS to clients on local and private/);
    for (const f of fs) expect(f.fix.join(' '), f.code).not.toMatch(POSTFIX_WORDS);
  });

  it('every Haraka remedy names Haraka\'s own files or plugins, never another server\'s settings', () => {
    const lines = FINDING_CODES.flatMap((code) => remediesFor(code, 'haraka').map((l) => [code, l] as const));
    expect(lines.length).toBeGreaterThan(15);
    for (const [code, l] of lines) {
      expect(l, code).toMatch(/config\/|tls\.ini|auth\/|Haraka/);
      expect(l, code).not.toMatch(/smtpd_|Postfix|Cyrus|mech_list|Exim|Dovecot|OpenSMTPD|doveadm|master\.cf/);
    }
  });

  it('OpenSMTPD: listen on ... tls pki ... auth', () => {
    expect(fixes(noStarttls('mx.example.net ESMTP OpenSMTPD'), 'STARTTLS_NOT_OFFERED')).toMatch(/listen on .* tls pki .* auth/);
  });

  it('an unknown server gets generic wording only', () => {
    const fs = noStarttls('mx.example.net ESMTP');
    expect(fixes(fs, 'STARTTLS_NOT_OFFERED')).toMatch(/Enable STARTTLS on the relay/);
    for (const f of fs) expect(f.fix.join(' '), f.code).not.toMatch(/Postfix|Exim|Dovecot|OpenSMTPD|Sendmail|Haraka|smtpd_|tls_advertise/);
  });

  it('Dovecot\'s 454: no Postfix SASL reading of "the text after the colon"', () => {
    const fs = diagnose(input([banner('mx.example.net Dovecot ready.'), authFail(reply(454, '4.7.0', 'Temporary authentication failure. [mx:2026-12-05 02:00:00]'), 'AUTH_TEMPFAIL')]));
    const f = fs.find((x) => x.code === 'AUTH_TEMPFAIL');
    expect(`${f?.cause} ${f?.fix.join(' ')}`).not.toMatch(POSTFIX_WORDS);
    expect(f?.fix.join(' ')).toMatch(/Dovecot submission: check the auth process/);
  });

  it('a Postfix-worded signature is not applied to a server identified as Exim', () => {
    const fs = diagnose(input([banner('mx.example.net ESMTP Exim 4.96'), authFail(reply(535, '5.7.8', 'Error: authentication failed: authentication failure'), 'AUTH_CREDENTIALS_REJECTED')]));
    expect(fs.find((f) => f.code === 'AUTH_CREDENTIALS_REJECTED')?.evidence.join(' ')).not.toMatch(/reply signature: Postfix/);
  });

  it('a server that breaks its own TLS (internal_error alert): server-side fix, not a client setting', () => {
    const fs = diagnose(input([
      banner('mx.example.net ESMTP OpenSMTPD'),
      step('tls', 'fail', tlsData({ alert: 'internal_error' }), { code: 'TLS_HANDSHAKE_FAILED' }),
      step('auth', 'skip', authData()),
    ], { drop: ['ehlo-tls'] }));
    const f = fs.find((x) => x.code === 'TLS_HANDSHAKE_FAILED');
    expect(f?.cause).toMatch(/its own TLS setup failed/);
    expect(f?.fix.join(' ')).toMatch(/^OpenSMTPD: check the pki cert\/key/);
    expect(f?.fix.join(' ')).not.toMatch(/--tls-min|--tls-max|client certificate|SCHANNEL/);
  });
});
