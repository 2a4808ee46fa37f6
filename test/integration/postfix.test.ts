/**
 * Against the real thing: Debian's Postfix with Cyrus SASL on loopback, the relay most users
 * actually have. One Postfix master, one smtpd per case, each with its own TLS mode,
 * certificate, protocol range or mechanism list. Needs root: CI runs as root and must run it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { Secret } from '../../src/model/secret.js';
import type { AuthData, TlsScanData } from '../../src/model/step-data.js';
import { probe } from '../../src/check.js';
import { isRoot, startPostfix, type PostfixInstance } from '../support/postfix.js';
import { writeCaFile } from '../support/ca-file.js';
import { POSTFIX, SASL2_BIN, skipWithoutPackages } from '../support/system-packages.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const USER = 'probe@relay.test';
const PASS = 'pf-Secret-4711';

const noPackages = skipWithoutPackages('test/integration/postfix.test.ts (real Postfix)', [POSTFIX, SASL2_BIN]);
const ready = !noPackages && isRoot;
if (!noPackages && !isRoot) {
  const why = 'not root (Postfix master needs root)';
  if (process.env.CI) throw new Error(`postfix tests cannot run in CI: ${why}`);
  console.warn(`skipping real-Postfix tests: ${why}`);
}


const CASES = ['submission', 'smtps', 'expiredWrongHost', 'selfSigned', 'missingIntermediate', 'tls13Only', 'noTls', 'plainOnly', 'authInClear', 'clientCert', 'authNoTls'] as const;
type Case = (typeof CASES)[number];
const port = {} as Record<Case, number>;
let pki: TestPki;
let caFile: string;
let postfix: PostfixInstance | undefined;

beforeAll(async () => {
  if (!ready) return;
  pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  for (const c of CASES) port[c] = await freePort();
  const valid = await pki.issue('valid', { hostnames: [HOST] });
  const asTls = (i: { chainPem: string; keyPem: string }) => ({ chainPem: i.chainPem, keyPem: i.keyPem });
  const expired = await pki.issue('expired', { hostnames: ['wrong.invalid'] });
  postfix = await startPostfix({
    hostname: HOST,
    certChainPem: valid.chainPem,
    keyPem: valid.keyPem,
    users: [{ user: USER, password: PASS }],
    saslApps: { plainonly: 'PLAIN' },
    services: [
      { port: port.submission },
      { port: port.smtps, set: { smtpd_tls_wrappermode: 'yes' } },
      { port: port.expiredWrongHost, tls: asTls(expired) },
      { port: port.selfSigned, tls: asTls(await pki.issue('self-signed', { hostnames: [HOST] })) },
      { port: port.missingIntermediate, tls: asTls(await pki.issue('missing-intermediate', { hostnames: [HOST] })) },
      { port: port.tls13Only, set: { smtpd_tls_protocols: '>=TLSv1.3', smtpd_tls_mandatory_protocols: '>=TLSv1.3' } },
      { port: port.noTls, set: { smtpd_tls_security_level: 'none' } },
      { port: port.plainOnly, saslApp: 'plainonly' },
      { port: port.authInClear, set: { smtpd_tls_auth_only: 'no' } },
      // The handshake completes; Postfix refuses afterwards (421 4.7.1 ... No client certificate presented).
      { port: port.clientCert, set: { smtpd_tls_security_level: 'encrypt', smtpd_tls_ask_ccert: 'yes', smtpd_tls_req_ccert: 'yes' } },
      { port: port.authNoTls, set: { smtpd_tls_security_level: 'none', smtpd_tls_auth_only: 'no' } },
    ],
  });
}, 60_000);

afterAll(async () => {
  await postfix?.stop();
}, 15_000);

async function check(c: Case, flags: Record<string, unknown> = {}, password: string | null = PASS): Promise<Report> {
  const input = parseTargetInput({ host: '127.0.0.1', port: port[c], tlsDomain: HOST, ca: caFile, user: USER, icmp: false, timeout: 20, phaseTimeout: 10, ...flags });
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
  if (password !== null) target.password = new Secret(password);
  return probe(target);
}

const codes = (r: Report): string[] => r.findings.map((f) => f.code);
const auth = (r: Report): AuthData | undefined => r.steps.find((s) => s.step === 'auth')?.data as AuthData | undefined;

describe.runIf(ready)('real Postfix + Cyrus SASL on loopback', () => {
  it.each(['auto', 'PLAIN', 'LOGIN', 'CRAM-MD5'])('STARTTLS + AUTH %s with good credentials: ok, no findings', async (mech) => {
    const r = await check('submission', { auth: mech });
    expect(codes(r)).toEqual([]);
    expect(r.verdict).toBe('ok');
    expect(auth(r)?.mechanism).toBe(mech === 'auto' ? 'CRAM-MD5' : mech);
    expect(r.summary.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    // smtpd_tls_auth_only: AUTH appears only inside TLS, and the report shows the difference.
    expect(r.summary.capabilityDiff?.added.some((a) => a.startsWith('AUTH'))).toBe(true);
  });

  it('bad password: AUTH_CREDENTIALS_REJECTED from the Postfix reply, never the password', async () => {
    const r = await check('submission', { auth: 'LOGIN' }, 'wrong-password-x');
    expect(codes(r)).toContain('AUTH_CREDENTIALS_REJECTED');
    expect(auth(r)?.reply?.code).toBe(535);
    expect(r.verdict).toBe('critical');
    expect(JSON.stringify(r)).not.toContain('wrong-password-x');
  });

  it('implicit TLS (smtpd_tls_wrappermode): ok', async () => {
    const r = await check('smtps', { tls: 'implicit' });
    expect(codes(r)).toEqual([]);
    expect(r.verdict).toBe('ok');
  });

  it('an implicit-TLS port probed with STARTTLS: TLS_ON_CONNECT_EXPECTED within the banner deadline', async () => {
    const r = await check('smtps', { tls: 'starttls' });
    expect(codes(r)).toContain('TLS_ON_CONNECT_EXPECTED');
  });

  it('a STARTTLS port probed as implicit TLS: NOT_SMTP (plaintext SMTP, not TLS)', async () => {
    const r = await check('submission', { tls: 'implicit' });
    expect(codes(r)).toContain('NOT_SMTP');
  });

  it('plaintext session: AUTH only after STARTTLS, named on both sides', async () => {
    const r = await check('submission', { tls: 'none', allowPlaintextAuth: true });
    expect(codes(r)).toContain('AUTH_ONLY_AFTER_STARTTLS');
    expect(auth(r)?.offeredBeforeTls).toEqual([]);
    expect(auth(r)?.offeredAfterTls).toEqual(expect.arrayContaining(['PLAIN', 'LOGIN']));
  });

  it('expired certificate for the wrong host: both codes, and no credentials sent', async () => {
    const r = await check('expiredWrongHost');
    expect(codes(r)).toEqual(expect.arrayContaining(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH']));
    expect(auth(r)?.attempted).toBe(false);
    expect(r.verdict).toBe('critical');
  });

  it('self-signed certificate: CERT_SELF_SIGNED', async () => {
    expect(codes(await check('selfSigned'))).toContain('CERT_SELF_SIGNED');
  });

  it('leaf sent without its intermediate: CERT_CHAIN_INCOMPLETE', async () => {
    expect(codes(await check('missingIntermediate'))).toContain('CERT_CHAIN_INCOMPLETE');
  });

  it('the same chain without --ca: CERT_UNTRUSTED_ROOT', async () => {
    const input = parseTargetInput({ host: '127.0.0.1', port: port.submission, tlsDomain: HOST, icmp: false });
    const r = await probe(await resolveTarget(input, { env: {}, baseDir: process.cwd() }));
    expect(codes(r)).toContain('CERT_UNTRUSTED_ROOT');
  });

  it('TLS 1.3-only relay and a TLS 1.2 client: TLS_VERSION_MISMATCH', async () => {
    const r = await check('tls13Only', { tlsMax: 'TLSv1.2' });
    expect(codes(r)).toContain('TLS_VERSION_MISMATCH');
  });

  it('--tls-scan lists the versions Postfix accepts', async () => {
    const r = await check('tls13Only', { tlsScan: true });
    const scan = r.steps.find((s) => s.step === 'tls-scan')?.data as TlsScanData;
    expect(scan.versions.find((v) => v.version === 'TLSv1.3')?.accepted).toBe(true);
    expect(scan.versions.find((v) => v.version === 'TLSv1.2')?.accepted).toBe(false);
  });

  it('no TLS on the relay: STARTTLS_NOT_OFFERED', async () => {
    expect(codes(await check('noTls'))).toContain('STARTTLS_NOT_OFFERED');
  });

  it('PLAIN-only relay and the Exchange profile: AUTH_NO_COMMON_MECHANISM (Exchange only speaks LOGIN)', async () => {
    const r = await check('plainOnly', { client: 'exchange' });
    expect(codes(r)).toContain('AUTH_NO_COMMON_MECHANISM');
    expect(auth(r)?.offered).toEqual(['PLAIN']);
  });

  it('AUTH advertised before TLS: AUTH_PLAINTEXT_ADVERTISED warning, and no AUTH in clear without opt-in', async () => {
    const warn = await check('authInClear');
    expect(codes(warn)).toContain('AUTH_PLAINTEXT_ADVERTISED');
    const refused = await check('authInClear', { tls: 'none' });
    expect(codes(refused)).toContain('AUTH_PLAINTEXT_REFUSED');
    expect(auth(refused)?.attempted).toBe(false);
  });

  it('client certificate required after the handshake (smtpd_tls_req_ccert): CLIENT_CERT_REQUIRED, not EHLO_REJECTED', async () => {
    const r = await check('clientCert');
    const ctx = JSON.stringify(r.transcript.slice(-6));
    expect(codes(r), ctx).toContain('CLIENT_CERT_REQUIRED');
    expect(codes(r), ctx).not.toContain('EHLO_REJECTED');
    const f = r.findings.find((x) => x.code === 'CLIENT_CERT_REQUIRED');
    expect(f?.fix.join(' ')).toMatch(/--client-cert/);
    expect(f?.fix.join(' ')).not.toMatch(/fully qualified host name/);
    expect(r.summary.failedStep?.code).toBe('CLIENT_CERT_REQUIRED');
  });

  it('AUTH offered only without TLS: AUTH_PLAINTEXT_REFUSED says the password was not tested and how to test it', async () => {
    const r = await check('authNoTls');
    expect(codes(r)).toEqual(expect.arrayContaining(['STARTTLS_NOT_OFFERED', 'AUTH_PLAINTEXT_REFUSED']));
    const f = r.findings.find((x) => x.code === 'AUTH_PLAINTEXT_REFUSED');
    expect(`${f?.title} ${f?.cause}`).toMatch(/not (?:been )?tested|never tested|was not tried/i);
    expect(f?.fix.join(' ')).toMatch(/--allow-plaintext-auth/);
    expect(r.transcript.some((l) => l.dir === '>' && /^AUTH\b/i.test(l.text))).toBe(false);
  });

  it('relay check: unauthenticated RCPT to a foreign domain is RELAY_DENIED; authenticated it passes; never DATA', async () => {
    const denied = await check('submission', { auth: 'none', mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(denied)).toContain('RELAY_DENIED');
    const ok = await check('submission', { mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(ok)).toEqual([]);
    for (const r of [denied, ok]) expect(r.transcript.some((l) => l.dir === '>' && /^DATA/i.test(l.text))).toBe(false);
  });
});
