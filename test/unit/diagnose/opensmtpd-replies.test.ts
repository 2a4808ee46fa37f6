/**
 * OpenSMTPD's own wording, as the real 6.8 answers (test/integration/opensmtpd.test.ts runs
 * it): identified by its replies alone, "Must issue an AUTH command first" read by the session
 * it came in (STARTTLS first on a plaintext session, AUTH first on an encrypted one), "550
 * Invalid recipient" read as a rule refusal, the silent close of `tls-require verify`, and the
 * fixes in smtpd.conf terms.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, identifyServer } from '../../../src/diagnose/index.js';
import type { Finding } from '../../../src/model/report.js';
import { input, reply, step, tlsData } from './builders.js';

const banner = step('banner', 'pass', { reply: reply(220, undefined, 'relay.test ESMTP OpenSMTPD'), greetingHost: 'relay.test' });
const AUTH_FIRST = reply(530, '5.5.1', 'Invalid command: Must issue an AUTH command first');
const POSTFIX_WORDS = /smtpd_|Postfix|Cyrus|mech_list/;
const only = (fs: Finding[]): Finding => {
  expect(fs).toHaveLength(1);
  return fs[0] as Finding;
};

describe('OpenSMTPD replies', () => {
  it('identified from "Must issue an AUTH command first" or "Invalid recipient" without a greeting', () => {
    expect(identifyServer({ host: 'x', replies: [AUTH_FIRST] })?.software).toBe('opensmtpd');
    expect(identifyServer({ host: 'x', replies: [reply(550, undefined, 'Invalid recipient: <b@example.org>')] })?.software).toBe('opensmtpd');
  });

  it('"Must issue an AUTH command first" on a plaintext session: AUTH_MUST_STARTTLS in OpenSMTPD\'s words, not RFC 3207\'s', () => {
    const mail = step('mail', 'fail', { mailFrom: 'a@relay.test', reply: AUTH_FIRST }, { code: 'AUTH_MUST_STARTTLS' });
    const f = only(diagnose(input([banner, mail], { drop: ['starttls', 'tls', 'ehlo-tls', 'auth'] })));
    expect(f.code).toBe('AUTH_MUST_STARTTLS');
    expect(f.cause).toMatch(/Must issue an AUTH command first/);
    expect(f.cause).not.toMatch(/Must issue a STARTTLS command first/);
    expect(f.fix[0]).toMatch(/^OpenSMTPD: tls-require and auth <table>/);
    expect(f.fix.join(' ')).not.toMatch(POSTFIX_WORDS);
  });

  it('"Must issue an AUTH command first" after TLS (AUTH not used): RELAY_DENIED — the sender was never the problem', () => {
    const mail = step('mail', 'fail', { mailFrom: 'a@relay.test', reply: AUTH_FIRST }, { code: 'SENDER_REJECTED' });
    const f = only(diagnose(input([banner, step('tls', 'pass', tlsData()), step('auth', 'skip'), mail])));
    expect(f.code).toBe('RELAY_DENIED');
    expect(f.title).toMatch(/^OpenSMTPD: AUTH/);
    expect(f.fix[0]).toMatch(/^OpenSMTPD: match auth from any for any action/);
  });

  it('"550 Invalid recipient": RELAY_DENIED, a match rule refusal, with the smtpd.conf rule to add', () => {
    const rcpt = step('rcpt', 'fail', { rcpt: [{ address: 'b@example.org', reply: reply(550, undefined, 'Invalid recipient: <b@example.org>') }] }, { code: 'RELAY_DENIED' });
    const f = only(diagnose(input([banner, rcpt])));
    expect(f.code).toBe('RELAY_DENIED');
    expect(f.cause).toMatch(/no match rule/);
    expect(f.fix[0]).toMatch(/^OpenSMTPD: match auth from any/);
    expect(f.fix.join(' ')).not.toMatch(POSTFIX_WORDS);
  });

  it('silent close right after a completed handshake without a client certificate: CLIENT_CERT_REQUIRED (tls-require verify), only for OpenSMTPD', () => {
    const dropped = step('ehlo-tls', 'fail', undefined, { code: 'CONNECTION_DROPPED', message: 'server closed the connection' });
    const tls = step('tls', 'pass', tlsData({ clientCertSent: false }));
    const f = only(diagnose(input([banner, tls, dropped], { drop: ['auth'] })));
    expect(f.code).toBe('CLIENT_CERT_REQUIRED');
    expect(f.cause).toMatch(/no-client-cert/);
    expect(f.fix[0]).toMatch(/^OpenSMTPD: listen on \.\.\. tls-require verify/);
    // Another server closing there has not said why.
    const other = step('banner', 'pass', { reply: reply(220, undefined, 'relay.test ESMTP Exim 4.96'), greetingHost: 'relay.test' });
    expect(only(diagnose(input([other, tls, dropped], { drop: ['auth'] }))).code).toBe('CONNECTION_DROPPED');
  });

  it('internal_error from OpenSMTPD: the OpenSSL 3 failure of 6.8 and the upgrade are named', () => {
    const tls = step('tls', 'fail', tlsData({ alert: 'internal_error' }), { code: 'TLS_HANDSHAKE_FAILED' });
    const f = only(diagnose(input([banner, tls, step('auth', 'skip')], { drop: ['ehlo-tls'] })));
    expect(f.fix.join(' ')).toMatch(/OpenSMTPD: .*EVP lib.*OpenSSL 3.*7\.3 or newer/);
  });
});
