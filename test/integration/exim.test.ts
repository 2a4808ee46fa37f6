/**
 * Against a real Exim 4 (Debian's exim4-daemon-light, unpacked by scripts/fetch-real-mtas.sh
 * because it conflicts with postfix as a package): good and bad credentials, no STARTTLS (AUTH
 * in clear), TLS required, a client certificate required after the handshake, relay denied —
 * and the fixes must be Exim's, never Postfix's. Needs root; CI runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { eximAvailable, startExim, type EximInstance, type EximPorts } from '../support/exim.js';
import { writeCaFile } from '../support/ca-file.js';
import { realMtaReady } from '../support/real-mta.js';
import { allFixes, codes, POSTFIX, probeRealMta } from '../support/real-mta-probe.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const USER = 'probe@relay.test';
const PASS = 'ex-Secret-4711';

const ready = realMtaReady('Exim', eximAvailable);

let exim: EximInstance | undefined;
let caFile = '';
const ports = {} as EximPorts;

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  for (const k of ['submission', 'noTls', 'tlsRequired', 'clientCert'] as const) ports[k] = await freePort();
  const valid = await pki.issue('valid', { hostnames: [HOST] });
  exim = await startExim({ hostname: HOST, certChainPem: valid.chainPem, keyPem: valid.keyPem, clientCaPem: pki.clientCaPem, user: USER, password: PASS, ports });
}, 60_000);

afterAll(async () => {
  await exim?.stop();
}, 15_000);

function check(port: number, flags: Record<string, unknown> = {}, password: string | null = PASS): Promise<Report> {
  return probeRealMta({ port, tlsDomain: HOST, caFile, user: USER }, flags, password);
}


describe.runIf(ready)('real Exim 4 on loopback', () => {
  it.each(['PLAIN', 'LOGIN'])('STARTTLS + AUTH %s with good credentials: ok, no findings', async (mech) => {
    const r = await check(ports.submission, { auth: mech });
    expect(codes(r)).toEqual([]);
    expect(r.verdict).toBe('ok');
  });

  it('bad password: AUTH_CREDENTIALS_REJECTED from Exim\'s "Incorrect authentication data", never the password', async () => {
    const r = await check(ports.submission, { auth: 'LOGIN' }, 'wrong-password-x');
    expect(codes(r)).toContain('AUTH_CREDENTIALS_REJECTED');
    expect(r.summary.failedStep?.code).toBe('AUTH_CREDENTIALS_REJECTED');
    expect(JSON.stringify(r)).not.toContain('wrong-password-x');
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('no STARTTLS, AUTH offered in clear: STARTTLS_NOT_OFFERED and AUTH_PLAINTEXT_REFUSED with Exim\'s settings', async () => {
    const r = await check(ports.noTls);
    expect(codes(r)).toEqual(expect.arrayContaining(['STARTTLS_NOT_OFFERED', 'AUTH_PLAINTEXT_REFUSED']));
    const f = r.findings.find((x) => x.code === 'STARTTLS_NOT_OFFERED');
    expect(f?.fix[0]).toMatch(/^Exim: .*tls_advertise_hosts/);
    expect(f?.evidence.join(' ')).toMatch(/server: Exim \(greeting/);
    expect(r.findings.find((x) => x.code === 'AUTH_PLAINTEXT_ADVERTISED')?.fix[0]).toMatch(/^Exim: auth_advertise_hosts/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('TLS required for MAIL, probed without TLS: AUTH_MUST_STARTTLS', async () => {
    const r = await check(ports.tlsRequired, { tls: 'none', auth: 'none', mailFrom: USER });
    expect(codes(r)).toContain('AUTH_MUST_STARTTLS');
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('client certificate required after the handshake (ACL verify = certificate): CLIENT_CERT_REQUIRED', async () => {
    const r = await check(ports.clientCert);
    expect(codes(r)).toContain('CLIENT_CERT_REQUIRED');
    expect(codes(r)).not.toContain('AUTH_CREDENTIALS_REJECTED');
    expect(r.summary.failedStep).toEqual({ step: 'auth', code: 'CLIENT_CERT_REQUIRED' });
  });

  it('relay denied without AUTH: RELAY_DENIED with Exim\'s ACL fix; authenticated it relays; never DATA', async () => {
    const denied = await check(ports.submission, { auth: 'none', mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(denied)).toContain('RELAY_DENIED');
    expect(denied.findings.find((f) => f.code === 'RELAY_DENIED')?.fix[0]).toMatch(/^Exim: accept authenticated/);
    const ok = await check(ports.submission, { mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(ok)).toEqual([]);
    for (const r of [denied, ok]) expect(r.transcript.some((l) => l.dir === '>' && /^DATA/i.test(l.text))).toBe(false);
  });
});
