/**
 * Against a real Dovecot 2.3 submission service (Debian's dovecot-core and
 * dovecot-submissiond, unpacked by scripts/fetch-real-mtas.sh and run in a private mount
 * namespace): good and bad credentials, AUTH only after STARTTLS, no TLS (AUTH in clear), a client
 * certificate required (a second instance: Dovecot sets that for all listeners), and a relay refusal that comes from the server behind Dovecot
 * (its submission_relay_host). The fixes must be Dovecot's, never Postfix's — except where the
 * refusal is the next hop's own. Needs root; CI runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { dovecotAvailable, startDovecot, type DovecotInstance, type DovecotOptions } from '../support/dovecot.js';
import { writeCaFile } from '../support/ca-file.js';
import { startNextHop, type NextHop } from '../support/next-hop.js';
import { realMtaReady } from '../support/real-mta.js';
import { allFixes, codes, POSTFIX, probeRealMta } from '../support/real-mta-probe.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'relay.test';
const USER = 'probe@relay.test';
const PASS = 'dv-Secret-4711';

const ready = realMtaReady('Dovecot', dovecotAvailable);

let dovecot: DovecotInstance | undefined;
let nextHop: NextHop | undefined;
let caFile = '';
let listeners: DovecotOptions['listeners'];

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  caFile = writeCaFile(pki.rootPem);
  listeners = {
    submission: { address: '127.0.0.3', port: await freePort() },
    noTls: { address: '127.0.0.4', port: await freePort() },
  };
  nextHop = await startNextHop(HOST);
  const valid = await pki.issue('valid', { hostnames: [HOST] });
  dovecot = await startDovecot({
    hostname: HOST, certChainPem: valid.chainPem, keyPem: valid.keyPem, 
    user: USER, password: PASS, relayPort: nextHop.port, listeners,
  });
}, 60_000);

afterAll(async () => {
  await dovecot?.stop();
  await nextHop?.close();
}, 15_000);

function check(l: { address: string; port: number }, flags: Record<string, unknown> = {}, password: string | null = PASS): Promise<Report> {
  return probeRealMta({ address: l.address, port: l.port, tlsDomain: HOST, caFile, user: USER }, flags, password);
}

const noData = (r: Report): boolean => !r.transcript.some((l) => l.dir === '>' && /^(DATA|BDAT)/i.test(l.text));

describe.runIf(ready)('real Dovecot submission on loopback', () => {
  it.each(['PLAIN', 'LOGIN'])('STARTTLS + AUTH %s with good credentials: ok, no findings', async (mech) => {
    const r = await check(listeners.submission, { auth: mech });
    expect(codes(r), dovecot?.log()).toEqual([]);
    expect(r.verdict).toBe('ok');
  });

  it('bad password: AUTH_CREDENTIALS_REJECTED with Dovecot\'s own wording, Dovecot\'s fix, never the password', async () => {
    const r = await check(listeners.submission, { auth: 'LOGIN' }, 'wrong-password-x');
    expect(codes(r)).toContain('AUTH_CREDENTIALS_REJECTED');
    expect(r.summary.failedStep).toEqual({ step: 'auth', code: 'AUTH_CREDENTIALS_REJECTED' });
    const f = r.findings.find((x) => x.code === 'AUTH_CREDENTIALS_REJECTED');
    expect(f?.evidence.join(' ')).toMatch(/535 5\.7\.8 Authentication failed/);
    expect(f?.evidence.join(' ')).toMatch(/server: Dovecot submission/);
    expect(f?.fix[0]).toMatch(/^Dovecot submission: doveadm auth test/);
    expect(JSON.stringify(r)).not.toContain('wrong-password-x');
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('probed without TLS: AUTH is not offered before STARTTLS (AUTH_ONLY_AFTER_STARTTLS), with Dovecot\'s words', async () => {
    const r = await check(listeners.submission, { tls: 'none' });
    expect(codes(r)).toContain('AUTH_ONLY_AFTER_STARTTLS');
    expect(codes(r)).not.toContain('AUTH_CREDENTIALS_REJECTED');
    expect(r.transcript.some((l) => l.dir === '>' && /^AUTH/i.test(l.text))).toBe(false);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('no STARTTLS (ssl = no), AUTH offered in clear: STARTTLS_NOT_OFFERED and AUTH_PLAINTEXT_REFUSED with Dovecot\'s settings', async () => {
    const r = await check(listeners.noTls);
    expect(codes(r)).toEqual(expect.arrayContaining(['STARTTLS_NOT_OFFERED', 'AUTH_PLAINTEXT_REFUSED']));
    expect(r.findings.find((x) => x.code === 'STARTTLS_NOT_OFFERED')?.fix[0]).toMatch(/^Dovecot submission: ssl = /);
    expect(r.findings.find((x) => x.code === 'AUTH_PLAINTEXT_ADVERTISED')?.fix[0]).toMatch(/^Dovecot submission: .*disable_plaintext_auth/);
    expect(allFixes(r)).not.toMatch(POSTFIX);
  });

  it('relay refused by the server behind Dovecot: RELAY_DENIED attributed to the next hop, with the next hop\'s fix; the local domain passes; never DATA', async () => {
    const denied = await check(listeners.submission, { mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(codes(denied), JSON.stringify(denied.transcript.slice(-8))).toContain('RELAY_DENIED');
    const f = denied.findings.find((x) => x.code === 'RELAY_DENIED');
    expect(f?.evidence.join(' ')).toMatch(/passed through from the server behind Dovecot submission/);
    // The next hop's own words, without Dovecot's "<recipient> " prefix, name its software.
    expect(f?.evidence).toContain('the refusal as the server behind wrote it: 554 <someone@elsewhere.example>: Relay access denied');
    expect(f?.evidence.join(' ')).toMatch(/server behind: Postfix/);
    expect(f?.fix[0]).toMatch(/^Dovecot submission: submission_relay_host/);
    expect(f?.fix.join(' ')).toMatch(/Postfix \(the server behind Dovecot submission\): smtpd_relay_restrictions/);
    expect(f?.fix.join(' ')).not.toMatch(/relays only for authenticated users|grant the account relay rights/);
    expect(f?.cause).toMatch(/did not make this decision/);
    expect(f?.cause).not.toMatch(/the account itself lacks the right/);
    const ok = await check(listeners.submission, { mailFrom: USER, rcpt: `someone@${HOST}` });
    expect(codes(ok)).toEqual([]);
    // Without a login Dovecot refuses MAIL itself: that refusal is not attributed to the next hop.
    const own = await check(listeners.submission, { auth: 'none', mailFrom: USER, rcpt: 'someone@elsewhere.example' });
    expect(own.findings.length).toBeGreaterThan(0);
    expect(own.findings.flatMap((x) => x.evidence).join(' ')).not.toMatch(/passed through/);
    for (const r of [denied, ok, own]) expect(noData(r)).toBe(true);
    expect(nextHop?.commands.some((c) => /^(DATA|BDAT)/i.test(c))).toBe(false);
  });

  it('client certificate required (auth_ssl_require_client_cert), none presented: CLIENT_CERT_REQUIRED from Dovecot\'s 535, not a wrong password', async () => {
    const pki = await createTestPki();
    const valid = await pki.issue('valid', { hostnames: [HOST] });
    const l = { address: '127.0.0.5', port: await freePort() };
    const other = await startDovecot({
      hostname: HOST, certChainPem: valid.chainPem, keyPem: valid.keyPem, clientCaPem: pki.clientCaPem,
      user: USER, password: PASS, relayPort: nextHop?.port ?? 9,
      listeners: { submission: l, noTls: { address: '127.0.0.6', port: await freePort() } },
    });
    try {
      const ca = writeCaFile(pki.rootPem);
      const r = await check(l, { ca });
      expect(codes(r), other.log()).toEqual(['CLIENT_CERT_REQUIRED']);
      expect(r.summary.failedStep).toEqual({ step: 'auth', code: 'CLIENT_CERT_REQUIRED' });
      const f = r.findings[0];
      expect(f?.evidence).toContain("< 535 5.7.8 Client didn't present valid SSL certificate");
      expect(f?.fix[0]).toMatch(/^Dovecot submission: auth_ssl_require_client_cert/);
      expect(allFixes(r)).not.toMatch(POSTFIX);
    } finally {
      await other.stop();
    }
  }, 60_000);
});
