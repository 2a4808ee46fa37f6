/**
 * Against a real Haraka 3 (the npm package, installed by scripts/fetch-real-mtas.sh into its
 * own prefix and run by the Node that runs the tests): good, bad and empty credentials, AUTH
 * offered before STARTTLS (flat_file's exemption for local clients), no STARTTLS on a port, an
 * untrusted and an expired certificate and a client certificate demanded in the handshake (no
 * AUTH may reach Haraka: its own log is read), relay denied without AUTH — and the fixes must
 * be Haraka's, never Postfix's. Needs no root; CI runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { HARAKA_VERSION, harakaAvailable, startHaraka, type HarakaInstance, type HarakaPorts } from '../support/haraka.js';
import { writeCaFile } from '../support/ca-file.js';
import { MTA_PREFIX } from '../support/exim.js';
import { realMtaReady } from '../support/real-mta.js';
import { allFixes, codes, POSTFIX, probeRealMta } from '../support/real-mta-probe.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const UNTRUSTED = 'untrusted.relay.test';
const EXPIRED = 'expired.relay.test';
const USER = 'probe@relay.test';
const PASS = 'hk-Secret-4711';

const ready = realMtaReady('Haraka', harakaAvailable, { root: false, missing: `Haraka ${HARAKA_VERSION} not installed in ${MTA_PREFIX}/haraka` });

let haraka: HarakaInstance | undefined;
let caFile = '';
const ports = {} as HarakaPorts;

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  for (const k of ['submission', 'localClient', 'noTls', 'clientCert', 'smtps'] as const) ports[k] = await freePort();
  const [valid, selfSigned, expired] = await Promise.all([
    pki.issue('valid', { hostnames: [HOST] }),
    pki.issue('self-signed', { hostnames: [UNTRUSTED] }),
    pki.issue('expired', { hostnames: [EXPIRED] }),
  ]);
  haraka = await startHaraka({
    hostname: HOST, certChainPem: valid.chainPem, keyPem: valid.keyPem,
    sniCerts: { untrusted: { certChainPem: selfSigned.chainPem, keyPem: selfSigned.keyPem }, expired: { certChainPem: expired.chainPem, keyPem: expired.keyPem } },
    user: USER, password: PASS, ports,
  });
}, 60_000);

afterAll(async () => {
  await haraka?.stop();
}, 15_000);

function check(port: number, flags: Record<string, unknown> = {}, password: string | null = PASS): Promise<Report> {
  return probeRealMta({ port, tlsDomain: HOST, caFile, user: USER }, flags, password);
}

/** What Haraka logged while `run` probed: the command lines it received (log level protocol). */
async function harakaSaw(run: () => Promise<Report>): Promise<{ report: Report; received: string[] }> {
  const before = haraka?.log().length ?? 0;
  const report = await run();
  // The last lines of a connection may reach the log file just after the probe's QUIT.
  await new Promise((r) => setTimeout(r, 200));
  const received = (haraka?.log() ?? '').slice(before).split('\n').filter((l) => /\[PROTOCOL\].* C: /.test(l)).map((l) => l.replace(/^.* C: /, '').replace(/ state=\d+$/, ''));
  return { report, received };
}

const noData = (r: Report): boolean => !r.transcript.some((l) => l.dir === '>' && /^(DATA|BDAT)/i.test(l.text));

describe.runIf(ready)(`real Haraka ${HARAKA_VERSION} on loopback`, () => {
  it.each(['PLAIN', 'LOGIN'])('STARTTLS + AUTH %s with good credentials: ok, no findings, Haraka recognised', async (mech) => {
    const r = await check(ports.submission, { auth: mech });
    expect(codes(r)).toEqual([]);
    expect(r.verdict).toBe('ok');
  });

  it('bad password: AUTH_CREDENTIALS_REJECTED from Haraka\'s "535 5.7.8 Authentication failed", never the password', async () => {
    const r = await check(ports.submission, { auth: 'PLAIN' }, 'wrong-password-x');
    expect(codes(r)).toEqual(['AUTH_CREDENTIALS_REJECTED']);
    expect(r.summary.failedStep?.code).toBe('AUTH_CREDENTIALS_REJECTED');
    const f = r.findings.find((x) => x.code === 'AUTH_CREDENTIALS_REJECTED');
    expect(f?.evidence.join(' ')).toMatch(/535 5\.7\.8 Authentication failed/);
    expect(f?.fix[0]).toMatch(/^Haraka: auth\/flat_file .*\[users\] section of config\/auth_flat_file\.ini/);
    expect(JSON.stringify(r)).not.toContain('wrong-password-x');
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it.each(['PLAIN', 'LOGIN'])('empty password, AUTH %s: Haraka\'s "504 Invalid AUTH string" is AUTH_CREDENTIALS_REJECTED (an empty credential), not a mechanism problem', async (mech) => {
    const r = await check(ports.submission, { auth: mech }, '');
    expect(codes(r)).toEqual(['AUTH_CREDENTIALS_REJECTED']);
    expect(r.summary.failedStep?.code).toBe('AUTH_CREDENTIALS_REJECTED');
    const f = r.findings[0];
    expect(f?.evidence.join(' ')).toMatch(/504 Invalid AUTH string.*reply signature: Haraka \(haraka-invalid-auth-string\)/);
    expect(f?.title).toBe('Haraka: empty user name or password');
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('AUTH offered before STARTTLS (flat_file\'s exemption for local clients): AUTH_PLAINTEXT_ADVERTISED with Haraka\'s fix', async () => {
    const r = await check(ports.localClient);
    expect(codes(r)).toEqual(['AUTH_PLAINTEXT_ADVERTISED']);
    const f = r.findings.find((x) => x.code === 'AUTH_PLAINTEXT_ADVERTISED');
    expect(f?.fix[0]).toMatch(/^Haraka: auth\/flat_file offers AUTH without TLS to clients on local and private/);
    expect(f?.evidence.join(' ')).toMatch(/server: Haraka \(greeting "220 relay\.test ESMTP Haraka\//);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('AUTH not offered before TLS, probed with --tls none: AUTH_ONLY_AFTER_STARTTLS, nothing to fix on Haraka', async () => {
    const r = await check(ports.submission, { tls: 'none' });
    expect(codes(r)).toEqual(['AUTH_ONLY_AFTER_STARTTLS']);
    expect(r.findings[0]?.fix.join(' ')).toMatch(/Use STARTTLS before AUTH/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('no STARTTLS on the port (tls.ini no_starttls_ports): STARTTLS_NOT_OFFERED and AUTH_PLAINTEXT_REFUSED with Haraka\'s settings', async () => {
    const { report: r, received } = await harakaSaw(() => check(ports.noTls));
    expect(codes(r)).toEqual(expect.arrayContaining(['STARTTLS_NOT_OFFERED', 'AUTH_PLAINTEXT_REFUSED']));
    const f = r.findings.find((x) => x.code === 'STARTTLS_NOT_OFFERED');
    expect(f?.fix[0]).toMatch(/^Haraka: list tls in config\/plugins .*no_starttls_ports/);
    expect(r.findings.find((x) => x.code === 'AUTH_PLAINTEXT_REFUSED')?.fix[0]).toMatch(/^Haraka: list tls in config\/plugins/);
    expect(f?.evidence.join(' ')).toMatch(/server: Haraka \(greeting/);
    expect(received.some((l) => /^AUTH/i.test(l))).toBe(false);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it.each([
    [UNTRUSTED, 'CERT_SELF_SIGNED'],
    [EXPIRED, 'CERT_EXPIRED'],
  ])('certificate for %s: %s, and Haraka received no AUTH', async (name, code) => {
    const { report: r, received } = await harakaSaw(() => check(ports.submission, { tlsDomain: name }));
    expect(codes(r)).toContain(code);
    expect(r.findings.find((x) => x.code === code)?.fix[0]).toMatch(/^Haraka: the tls plugin serves config\/tls_cert\.pem .*config\/tls\//);
    expect(received).toContain('STARTTLS');
    expect(received.some((l) => /^AUTH/i.test(l))).toBe(false);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('client certificate demanded in the handshake (tls.ini requireAuthorized): CLIENT_CERT_REQUIRED with Haraka\'s setting, no AUTH', async () => {
    const { report: r, received } = await harakaSaw(() => check(ports.clientCert));
    expect(codes(r)).toEqual(['CLIENT_CERT_REQUIRED']);
    expect(r.summary.failedStep?.code).toBe('CLIENT_CERT_REQUIRED');
    expect(r.findings[0]?.fix[0]).toMatch(/^Haraka: tls\.ini requireAuthorized/);
    expect(received.some((l) => /^AUTH/i.test(l))).toBe(false);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('implicit TLS (smtp.ini smtps_port): ok with --tls implicit; probed expecting STARTTLS, TLS_ON_CONNECT_EXPECTED', async () => {
    const ok = await check(ports.smtps, { tls: 'implicit', auth: 'LOGIN' });
    expect(codes(ok)).toEqual([]);
    const { report: r, received } = await harakaSaw(() => check(ports.smtps));
    expect(codes(r)).toEqual(['TLS_ON_CONNECT_EXPECTED']);
    // Nothing was said in clear, so nothing names the server: the fix is the client's.
    expect(r.findings[0]?.fix[0]).toMatch(/--tls implicit/);
    expect(received).toEqual([]);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('relay denied without AUTH: RELAY_DENIED from Haraka\'s "I cannot deliver mail for", with Haraka\'s relay fix; authenticated it relays; never DATA', async () => {
    const denied = await check(ports.submission, { auth: 'none', mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(denied)).toEqual(['RELAY_DENIED']);
    const f = denied.findings.find((x) => x.code === 'RELAY_DENIED');
    expect(f?.evidence.join(' ')).toMatch(/550 I cannot deliver mail for <someone@elsewhere\.example>.*reply signature: Haraka \(haraka-cannot-deliver\)/);
    expect(f?.fix[0]).toMatch(/^Haraka: .*config\/relay_acl_allow.*config\/host_list/);
    expect(allFixes(denied)).not.toMatch(POSTFIX);
    const ok = await check(ports.submission, { mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(ok)).toEqual([]);
    for (const r of [denied, ok]) expect(noData(r)).toBe(true);
  });
});
