/**
 * Against a real OpenSMTPD (Debian 12's opensmtpd 6.8.0p2, unpacked by
 * scripts/fetch-real-mtas.sh because it conflicts with postfix as a package): listeners with
 * `tls ... auth`, without TLS, with `tls-require`, with `auth-optional` and a relay refused,
 * and with an expired certificate — and the fixes must be OpenSMTPD's, never Postfix's.
 *
 * This build cannot finish a TLS handshake: linked against OpenSSL 3, its privilege-separated
 * signing fails ("io-error: ... EVP lib" in its log) and it aborts every handshake with an
 * internal_error alert — with any key type, TLS 1.2 or 1.3 (fixed upstream in OpenSMTPD 7.3).
 * OpenSMTPD offers AUTH only on a TLS session, so no credential ever reaches it: the probe must
 * blame the server's TLS, name the upgrade, and never send a password. Needs root; CI runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { Secret } from '../../src/model/secret.js';
import { probe } from '../../src/check.js';
import { writeCaFile } from '../support/ca-file.js';
import { opensmtpdAvailable, opensmtpdVersion, startOpensmtpd, type OpensmtpdInstance, type OpensmtpdPorts } from '../support/opensmtpd.js';
import { realMtaReady } from '../support/real-mta.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const USER = 'probe@relay.test';
const PASS = 'os-Secret-4711';

const ready = realMtaReady('OpenSMTPD', opensmtpdAvailable);

let smtpd: OpensmtpdInstance | undefined;
let caFile = '';
const ports = {} as OpensmtpdPorts;

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  for (const k of ['submission', 'noTls', 'tlsRequired', 'authOptional', 'expiredCert'] as const) ports[k] = await freePort();
  const valid = await pki.issue('valid', { hostnames: [HOST] });
  const expired = await pki.issue('expired', { hostnames: [HOST] });
  smtpd = await startOpensmtpd({
    hostname: HOST, certChainPem: valid.chainPem, keyPem: valid.keyPem, expiredChainPem: expired.chainPem, expiredKeyPem: expired.keyPem,
    user: USER, password: PASS, ports,
  });
}, 60_000);

afterAll(async () => {
  await smtpd?.stop();
}, 15_000);

async function check(port: number, flags: Record<string, unknown> = {}, password: string | null = PASS): Promise<Report> {
  const input = parseTargetInput({ host: '127.0.0.1', port, tlsDomain: HOST, ca: caFile, user: USER, icmp: false, timeout: 20, phaseTimeout: 10, ...flags });
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
  if (password !== null) target.password = new Secret(password);
  return probe(target);
}

const codes = (r: Report): string[] => r.findings.map((f) => f.code);
const finding = (r: Report, code: string) => r.findings.find((f) => f.code === code);
const allFixes = (r: Report): string => r.findings.flatMap((f) => f.fix).join(' | ');
const POSTFIX = /smtpd_|Postfix|Cyrus|mech_list/;
const sentData = (r: Report): boolean => r.transcript.some((l) => l.dir === '>' && /^DATA/i.test(l.text));
/** Every AUTH smtpd logged ("smtp authentication user=... result=..."), whichever listener. */
const authLines = (): string[] => (smtpd?.log() ?? '').split('\n').filter((l) => /smtp authentication/.test(l));

describe.runIf(ready)('real OpenSMTPD 6.8 on loopback', () => {
  it('is the build these cases describe', () => {
    expect(opensmtpdVersion()).toBe('OpenSMTPD 6.8.0p2');
  });

  it.each([
    ['PLAIN', PASS],
    ['LOGIN', PASS],
    ['LOGIN', 'wrong-password-x'],
  ])('STARTTLS then AUTH %s: smtpd aborts the handshake (internal_error), the fix is OpenSMTPD\'s own, no credential is sent', async (mech, password) => {
    const before = authLines().length;
    const r = await check(ports.submission, { auth: mech }, password);
    expect(codes(r)).toEqual(['TLS_HANDSHAKE_FAILED']);
    expect(r.summary.failedStep).toEqual({ step: 'tls', code: 'TLS_HANDSHAKE_FAILED' });
    const f = finding(r, 'TLS_HANDSHAKE_FAILED');
    expect(f?.evidence.join(' ')).toMatch(/server: OpenSMTPD \(greeting "220 relay\.test ESMTP OpenSMTPD"\)/);
    expect(f?.cause).toMatch(/its own TLS setup failed/);
    expect(f?.fix[0]).toMatch(/^OpenSMTPD: .*pki/);
    expect(f?.fix.join(' ')).toMatch(/EVP lib.*OpenSSL 3.*7\.3/);
    expect(f?.fix.join(' ')).not.toMatch(/--tls-min|--tls-max|client certificate|SCHANNEL/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
    expect(JSON.stringify(r)).not.toContain(password);
    expect(r.transcript.some((l) => l.dir === '>' && /^AUTH/i.test(l.text))).toBe(false);
    // smtpd's own log: the session ended in the handshake, and no AUTH reached it.
    expect(smtpd?.log()).toMatch(/smtp disconnected reason="io-error: .*(?:EVP lib|internal error)/);
    expect(authLines().length).toBe(before);
  });

  it('listener without tls: STARTTLS_NOT_OFFERED with "listen on ... tls pki ... auth"; OpenSMTPD offers no AUTH in clear, so nothing to refuse', async () => {
    const r = await check(ports.noTls);
    expect(codes(r)).toEqual(['STARTTLS_NOT_OFFERED']);
    const f = finding(r, 'STARTTLS_NOT_OFFERED');
    expect(f?.fix[0]).toMatch(/^OpenSMTPD: pki .* listen on .* tls pki .* auth/);
    expect(f?.evidence.join(' ')).toMatch(/server: OpenSMTPD/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('listener without tls, probed without TLS: AUTH_NOT_OFFERED, and the fix says OpenSMTPD offers AUTH only on a tls listener', async () => {
    const r = await check(ports.noTls, { tls: 'none' });
    expect(codes(r)).toEqual(['AUTH_NOT_OFFERED']);
    expect(finding(r, 'AUTH_NOT_OFFERED')?.fix[0]).toMatch(/^OpenSMTPD: .*only after STARTTLS.*listen on .* tls pki .* auth <table>/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('`tls ... auth` listener, MAIL without TLS: OpenSMTPD\'s "Must issue an AUTH command first" read as STARTTLS-then-AUTH, in its own words', async () => {
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

  it('`tls ... auth` listener, credentials without TLS: AUTH_NOT_OFFERED with "AUTH only after STARTTLS" in OpenSMTPD\'s terms, no password sent', async () => {
    const r = await check(ports.submission, { tls: 'none' });
    expect(codes(r)).toEqual(['AUTH_NOT_OFFERED']);
    expect(finding(r, 'AUTH_NOT_OFFERED')?.fix[0]).toMatch(/^OpenSMTPD: .*only after STARTTLS/);
    expect(JSON.stringify(r)).not.toContain(PASS);
  });

  it('tls-require, MAIL without TLS: AUTH_MUST_STARTTLS, the fix names tls-require', async () => {
    const r = await check(ports.tlsRequired, { tls: 'none', auth: 'none', mailFrom: USER });
    expect(codes(r)).toEqual(['AUTH_MUST_STARTTLS']);
    const f = finding(r, 'AUTH_MUST_STARTTLS');
    expect(f?.evidence).toContain('< 530 5.5.1 Invalid command: Must issue a STARTTLS command first');
    expect(f?.fix[0]).toMatch(/^OpenSMTPD: .*tls-require/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('auth-optional listener, relay without AUTH: RELAY_DENIED from "550 Invalid recipient", with OpenSMTPD\'s match rule; never DATA', async () => {
    const r = await check(ports.authOptional, { tls: 'none', auth: 'none', mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(r)).toEqual(['RELAY_DENIED']);
    expect(r.summary.failedStep).toEqual({ step: 'rcpt', code: 'RELAY_DENIED' });
    const f = finding(r, 'RELAY_DENIED');
    expect(f?.evidence).toContain('< 550 Invalid recipient: <someone@elsewhere.example>');
    expect(f?.cause).toMatch(/no match rule/);
    expect(f?.fix[0]).toMatch(/^OpenSMTPD: match auth from any for any action/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
    expect(sentData(r)).toBe(false);
    expect(smtpd?.log()).toMatch(/failed-command command="RCPT TO:<someone@elsewhere\.example>" result="550 Invalid recipient/);
  });

  it('expired certificate: the handshake breaks on the server before it shows the certificate — TLS_HANDSHAKE_FAILED, not a certificate finding; no AUTH sent', async () => {
    const before = authLines().length;
    const r = await check(ports.expiredCert);
    expect(codes(r)).toEqual(['TLS_HANDSHAKE_FAILED']);
    expect(codes(r)).not.toContain('CERT_EXPIRED');
    expect(finding(r, 'TLS_HANDSHAKE_FAILED')?.fix[0]).toMatch(/^OpenSMTPD: /);
    expect(allFixes(r)).not.toMatch(POSTFIX);
    expect(JSON.stringify(r)).not.toContain(PASS);
    expect(authLines().length).toBe(before);
  });
});
