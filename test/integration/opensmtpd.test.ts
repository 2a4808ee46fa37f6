/**
 * Against a real OpenSMTPD (Debian 12's opensmtpd 6.8.0p2, unpacked by
 * scripts/fetch-real-mtas.sh because it conflicts with postfix as a package): listeners with
 * `tls ... auth`, without TLS, with `tls-require`, `tls-require verify`, `auth-optional` and a
 * relay refused, and with an expired certificate — and the fixes must be OpenSMTPD's, never
 * Postfix's.
 *
 * Debian's build cannot finish a TLS handshake: linked against OpenSSL 3, its
 * privilege-separated signing fails ("io-error: ... EVP lib" in its log) and it aborts every
 * handshake with an internal_error alert, whatever the key. That is what its users meet, so
 * one daemon runs it as it is; the probe must blame the server's TLS, name the upgrade, and
 * never send a password. A second daemon runs the same binary with OpenSMTPD 7.3's fix for it
 * preloaded (test/support/opensmtpd-openssl3-key.c), so that TLS, AUTH and the rules after
 * them are OpenSMTPD's own code answering. Needs root; CI runs it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { writeCaFile } from '../support/ca-file.js';
import { opensmtpdAvailable, opensmtpdVersion, startOpensmtpd, type OpensmtpdInstance, type OpensmtpdPorts } from '../support/opensmtpd.js';
import { realMtaReady } from '../support/real-mta.js';
import { allFixes, codes, POSTFIX, probeRealMta } from '../support/real-mta-probe.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const USER = 'probe@relay.test';
const PASS = 'os-Secret-4711';

const ready = realMtaReady('OpenSMTPD', opensmtpdAvailable);

/** Debian's build as it is (TLS broken under OpenSSL 3), and the same with 7.3's key fix preloaded. */
let stock: OpensmtpdInstance | undefined;
let smtpd: OpensmtpdInstance | undefined;
let caFile = '';
let clientCertFile = '';
let clientKeyFile = '';
const ports = {} as OpensmtpdPorts;
let stockPort = 0;

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  for (const k of ['submission', 'noTls', 'tlsRequired', 'authOptional', 'expiredCert', 'clientCert'] as const) ports[k] = await freePort();
  stockPort = await freePort();
  const valid = await pki.issue('valid', { hostnames: [HOST] });
  const expired = await pki.issue('expired', { hostnames: [`expired.${HOST}`] });
  const client = await pki.issueClient('probe.relay.test');
  const dir = path.dirname(caFile);
  clientCertFile = path.join(dir, 'client.pem');
  clientKeyFile = path.join(dir, 'client-key.pem');
  writeFileSync(clientCertFile, client.chainPem);
  writeFileSync(clientKeyFile, client.keyPem, { mode: 0o600 });
  const common = {
    hostname: HOST, certChainPem: valid.chainPem, keyPem: valid.keyPem, expiredChainPem: expired.chainPem, expiredKeyPem: expired.keyPem,
    clientCaPem: pki.clientCaPem, user: USER, password: PASS,
  };
  [stock, smtpd] = await Promise.all([
    startOpensmtpd({ ...common, ports: { submission: stockPort }, keyFix: false }),
    startOpensmtpd({ ...common, ports, keyFix: true }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([stock?.stop(), smtpd?.stop()]);
}, 15_000);

function check(port: number, flags: Record<string, unknown> = {}, password: string | null = PASS): Promise<Report> {
  return probeRealMta({ port, tlsDomain: HOST, caFile, user: USER }, flags, password);
}

const finding = (r: Report, code: string) => r.findings.find((f) => f.code === code);
const sentData = (r: Report): boolean => r.transcript.some((l) => l.dir === '>' && /^DATA/i.test(l.text));
/** Every AUTH a daemon logged ("smtp authentication user=... result=..."), whichever listener. */
const authLines = (d: OpensmtpdInstance | undefined): string[] => (d?.log() ?? '').split('\n').filter((l) => /smtp authentication/.test(l));

describe.runIf(ready)('real OpenSMTPD 6.8 on loopback', () => {
  it('is the build these cases describe', () => {
    expect(opensmtpdVersion()).toBe('OpenSMTPD 6.8.0p2');
  });

  describe('Debian\'s build as it is: TLS never completes under OpenSSL 3', () => {
    it.each([
      ['PLAIN', PASS],
      ['LOGIN', 'wrong-password-x'],
    ])('STARTTLS then AUTH %s: smtpd aborts the handshake (internal_error); the fix is OpenSMTPD\'s upgrade; no credential sent', async (mech, password) => {
      const r = await check(stockPort, { auth: mech }, password);
      expect(codes(r)).toEqual(['TLS_HANDSHAKE_FAILED']);
      expect(r.summary.failedStep).toEqual({ step: 'tls', code: 'TLS_HANDSHAKE_FAILED' });
      const f = finding(r, 'TLS_HANDSHAKE_FAILED');
      expect(f?.evidence.join(' ')).toMatch(/server: OpenSMTPD \(greeting "220 relay\.test ESMTP OpenSMTPD"\)/);
      expect(f?.cause).toMatch(/its own TLS setup failed/);
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: .*pki/);
      expect(f?.fix.join(' ')).toMatch(/EVP lib.*OpenSSL 3.*7\.3 or newer/);
      expect(f?.fix.join(' ')).not.toMatch(/--tls-min|--tls-max|client certificate|SCHANNEL/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(JSON.stringify(r)).not.toContain(password);
      // smtpd's own log: the session ended in the handshake, and no AUTH reached it.
      expect(stock?.log()).toMatch(/smtp disconnected reason="io-error: .*EVP lib/);
      expect(authLines(stock)).toEqual([]);
    });
  });

  describe('with OpenSMTPD 7.3\'s key fix preloaded: TLS, AUTH and the rules', () => {
    it.each(['PLAIN', 'LOGIN'])('STARTTLS + AUTH %s with good credentials: ok, no findings', async (mech) => {
      const r = await check(ports.submission, { auth: mech });
      expect(codes(r)).toEqual([]);
      expect(r.verdict).toBe('ok');
      expect(authLines(smtpd).at(-1)).toMatch(/user=probe@relay\.test result=ok/);
    });

    it('bad password: AUTH_CREDENTIALS_REJECTED from OpenSMTPD\'s "535 Authentication failed", the credentials table named, never the password', async () => {
      const r = await check(ports.submission, { auth: 'LOGIN' }, 'wrong-password-x');
      expect(codes(r)).toEqual(['AUTH_CREDENTIALS_REJECTED']);
      expect(r.summary.failedStep).toEqual({ step: 'auth', code: 'AUTH_CREDENTIALS_REJECTED' });
      const f = finding(r, 'AUTH_CREDENTIALS_REJECTED');
      expect(f?.evidence).toContain('< 535 Authentication failed');
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: .*auth <table>.*smtpctl encrypt/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(JSON.stringify(r)).not.toContain('wrong-password-x');
      expect(authLines(smtpd).at(-1)).toMatch(/user=probe@relay\.test result=permfail/);
    });

    it('listener without tls: STARTTLS_NOT_OFFERED with "listen on ... tls pki ... auth"; OpenSMTPD offers no AUTH in clear, so nothing to refuse', async () => {
      const r = await check(ports.noTls);
      expect(codes(r)).toEqual(['STARTTLS_NOT_OFFERED']);
      const f = finding(r, 'STARTTLS_NOT_OFFERED');
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: pki .* listen on .* tls pki .* auth/);
      expect(f?.evidence.join(' ')).toMatch(/server: OpenSMTPD/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
    });

    it('listener without tls, probed without TLS: AUTH_NOT_OFFERED, and the fix says OpenSMTPD offers AUTH only with tls', async () => {
      const r = await check(ports.noTls, { tls: 'none' });
      expect(codes(r)).toEqual(['AUTH_NOT_OFFERED']);
      expect(finding(r, 'AUTH_NOT_OFFERED')?.fix[0]).toMatch(/^OpenSMTPD: .*only after STARTTLS.*listen on .* tls pki .* auth <table>/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
    });

    it('`tls ... auth` listener, MAIL without TLS: "Must issue an AUTH command first" read as STARTTLS-then-AUTH, in OpenSMTPD\'s words', async () => {
      const r = await check(ports.submission, { tls: 'none', auth: 'none', mailFrom: USER });
      expect(codes(r)).toEqual(['AUTH_MUST_STARTTLS']);
      expect(r.summary.failedStep).toEqual({ step: 'mail', code: 'AUTH_MUST_STARTTLS' });
      const f = finding(r, 'AUTH_MUST_STARTTLS');
      expect(f?.evidence).toContain('< 530 5.5.1 Invalid command: Must issue an AUTH command first');
      expect(f?.evidence.join(' ')).toMatch(/reply signature: OpenSMTPD/);
      // Not the RFC 3207 text the server never sent.
      expect(f?.cause).not.toMatch(/Must issue a STARTTLS command first/);
      expect(f?.cause).toMatch(/Must issue an AUTH command first/);
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: .*auth <table>.*listen on/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(sentData(r)).toBe(false);
    });

    it('`tls ... auth` listener, MAIL over TLS without AUTH: the same reply is RELAY_DENIED (authenticate), not a sender problem', async () => {
      const r = await check(ports.submission, { auth: 'none', mailFrom: USER });
      expect(codes(r)).toEqual(['RELAY_DENIED']);
      expect(r.summary.failedStep).toEqual({ step: 'mail', code: 'RELAY_DENIED' });
      const f = finding(r, 'RELAY_DENIED');
      expect(f?.evidence).toContain('< 530 5.5.1 Invalid command: Must issue an AUTH command first');
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: match auth from any for any action/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
    });

    it('`tls ... auth` listener, credentials without TLS: AUTH_ONLY_AFTER_STARTTLS, no password sent', async () => {
      const r = await check(ports.submission, { tls: 'none' });
      expect(codes(r)).toEqual(['AUTH_ONLY_AFTER_STARTTLS']);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(JSON.stringify(r)).not.toContain(PASS);
      expect(r.transcript.some((l) => l.dir === '>' && /^AUTH/i.test(l.text))).toBe(false);
    });

    it('tls-require, MAIL without TLS: AUTH_MUST_STARTTLS, the fix names tls-require; with STARTTLS and AUTH: ok', async () => {
      const r = await check(ports.tlsRequired, { tls: 'none', auth: 'none', mailFrom: USER });
      expect(codes(r)).toEqual(['AUTH_MUST_STARTTLS']);
      const f = finding(r, 'AUTH_MUST_STARTTLS');
      expect(f?.evidence).toContain('< 530 5.5.1 Invalid command: Must issue a STARTTLS command first');
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: .*tls-require/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(codes(await check(ports.tlsRequired, { mailFrom: USER }))).toEqual([]);
    });

    it('auth-optional listener, relay without AUTH: RELAY_DENIED from "550 Invalid recipient" with OpenSMTPD\'s match rule; authenticated it relays; never DATA', async () => {
      const denied = await check(ports.authOptional, { auth: 'none', mailFrom: USER, rcpt: 'someone@elsewhere.example' });
      expect(codes(denied)).toEqual(['RELAY_DENIED']);
      expect(denied.summary.failedStep).toEqual({ step: 'rcpt', code: 'RELAY_DENIED' });
      const f = finding(denied, 'RELAY_DENIED');
      expect(f?.evidence).toContain('< 550 Invalid recipient: <someone@elsewhere.example>');
      expect(f?.cause).toMatch(/no match rule/);
      expect(f?.fix[0]).toMatch(/^OpenSMTPD: match auth from any for any action/);
      expect(allFixes(denied)).not.toMatch(POSTFIX);
      expect(smtpd?.log()).toMatch(/failed-command command="RCPT TO:<someone@elsewhere\.example>" result="550 Invalid recipient/);
      const ok = await check(ports.authOptional, { mailFrom: USER, rcpt: 'someone@elsewhere.example' });
      expect(codes(ok)).toEqual([]);
      for (const r of [denied, ok]) expect(sentData(r)).toBe(false);
    });

    it('expired certificate: CERT_EXPIRED, and no AUTH reached smtpd (its log)', async () => {
      const before = authLines(smtpd).length;
      // smtpd picks the pki by the name the client asks for (SNI), whatever the listener names.
      const r = await check(ports.expiredCert, { tlsDomain: `expired.${HOST}` });
      expect(codes(r)).toContain('CERT_EXPIRED');
      expect(finding(r, 'CERT_EXPIRED')?.fix[0]).toMatch(/^OpenSMTPD: renew the file the pki <name> cert line names/);
      expect(r.transcript.some((l) => l.dir === '>' && /^AUTH/i.test(l.text))).toBe(false);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(JSON.stringify(r)).not.toContain(PASS);
      expect(authLines(smtpd).length).toBe(before);
    });

    it('tls-require verify without a client certificate: CLIENT_CERT_REQUIRED; with one chained to its ca: ok', async () => {
      const r = await check(ports.clientCert);
      expect(codes(r)).toEqual(['CLIENT_CERT_REQUIRED']);
      expect(r.summary.failedStep).toEqual({ step: 'ehlo-tls', code: 'CLIENT_CERT_REQUIRED' });
      expect(finding(r, 'CLIENT_CERT_REQUIRED')?.fix[0]).toMatch(/^OpenSMTPD: listen on \.\.\. tls-require verify/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
      expect(smtpd?.log()).toMatch(/smtp disconnected +reason=no-client-cert/);
      const ok = await check(ports.clientCert, { clientCert: clientCertFile, clientKey: clientKeyFile });
      expect(codes(ok)).toEqual([]);
    });
  });
});
