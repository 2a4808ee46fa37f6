import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createTestPki, CERT_PROFILES } from '../../../src/mock/certs/index.js';
import type { TestPki, CertProfile, IssuedCert } from '../../../src/mock/certs/index.js';
import { analyzeChain, summarizeCert, primaryProblem, verifyPasses, splitPem } from '../../../src/probe/tls/cert-analysis.js';
import type { ChainAnalysisOptions } from '../../../src/probe/tls/cert-analysis.js';

const HOST = 'mail.example.test';
const NOW = Date.parse('2031-03-15T12:00:00Z');

const chainOf = (pem: string): X509Certificate[] => splitPem(pem).map((p) => new X509Certificate(p));

describe('analyzeChain', () => {
  let pki: TestPki;
  const issued = new Map<CertProfile, IssuedCert>();
  let opts: ChainAnalysisOptions;

  beforeAll(async () => {
    pki = await createTestPki({ now: new Date(NOW) });
    for (const p of CERT_PROFILES) issued.set(p, await pki.issue(p, { hostnames: [HOST, '127.0.0.1'] }));
    opts = { servername: HOST, verify: 'domain', extraCa: [pki.rootPem], now: NOW, warnDays: 21, critDays: 7 };
  });

  const codes = (p: CertProfile, o: Partial<ChainAnalysisOptions> = {}): string[] =>
    analyzeChain(chainOf(issued.get(p)!.chainPem), { ...opts, ...o }).problems.map((x) => x.code).sort();

  it('valid chain with the test root in extraCa: no problem at all, verification passes', () => {
    const r = analyzeChain(chainOf(issued.get('valid')!.chainPem), opts);
    expect(r.problems).toEqual([]);
    expect(r.verifyPassed).toBe(true);
    expect(r.chain).toHaveLength(2);
  });

  it('valid chain without extraCa: untrusted root, fails chain and domain, passes none', () => {
    const chain = chainOf(issued.get('valid')!.chainPem);
    const r = analyzeChain(chain, { ...opts, extraCa: [] });
    expect(r.problems.map((p) => p.code)).toEqual(['CERT_UNTRUSTED_ROOT']);
    expect(r.problems[0]!.certIndex).toBe(1);
    expect(r.verifyPassed).toBe(false);
    expect(analyzeChain(chain, { ...opts, extraCa: [], verify: 'chain' }).verifyPassed).toBe(false);
    expect(analyzeChain(chain, { ...opts, extraCa: [], verify: 'none' }).verifyPassed).toBe(true);
  });

  it('chain ending in a self-signed root the client does not trust: untrusted root', () => {
    const chain = chainOf(issued.get('valid')!.chainPem + pki.rootPem);
    const r = analyzeChain(chain, { ...opts, extraCa: [] });
    expect(r.problems.map((p) => p.code)).toEqual(['CERT_UNTRUSTED_ROOT']);
    expect(r.problems[0]!.certIndex).toBe(2);
    // the same chain with the root trusted: fine, and its own signature is not judged
    expect(analyzeChain(chain, opts).problems).toEqual([]);
  });

  const expected: Record<CertProfile, string[]> = {
    valid: [],
    expired: ['CERT_EXPIRED'],
    'not-yet-valid': ['CERT_NOT_YET_VALID'],
    'wrong-host': ['CERT_HOSTNAME_MISMATCH'],
    wildcard: [],
    'self-signed': ['CERT_SELF_SIGNED'],
    'missing-intermediate': ['CERT_CHAIN_INCOMPLETE'],
    'weak-key': ['CERT_WEAK_KEY'],
    'sha1-signature': ['CERT_WEAK_SIGNATURE'],
    'expires-soon': ['CERT_EXPIRES_SOON'],
  };
  it.each(CERT_PROFILES)('%s: exactly its own problem(s) with the root trusted', (p) => {
    expect(codes(p)).toEqual(expected[p]);
  });

  const passes: Record<CertProfile, [none: boolean, chain: boolean, domain: boolean]> = {
    valid: [true, true, true], expired: [true, false, false], 'not-yet-valid': [true, false, false],
    'wrong-host': [true, true, false], wildcard: [true, true, true], 'self-signed': [true, false, false],
    // stricter than OpenSSL's default security level: RSA < 2048 and SHA-1 fail the chain
    'missing-intermediate': [true, false, false], 'weak-key': [true, false, false], 'sha1-signature': [true, false, false],
    'expires-soon': [true, true, true],
  };
  it.each(CERT_PROFILES)('%s: verifyPassed at none/chain/domain', (p) => {
    const chain = chainOf(issued.get(p)!.chainPem);
    const got = (['none', 'chain', 'domain'] as const).map((verify) => analyzeChain(chain, { ...opts, verify }).verifyPassed);
    expect(got).toEqual(passes[p]);
  });

  it('expires-soon is a warning above critDays and critical at or below it', async () => {
    const soon = (d: number): string | undefined => {
      const r = analyzeChain(chainOf(issued.get('expires-soon')!.chainPem), { ...opts, warnDays: 21, critDays: d });
      return r.problems.find((x) => x.code === 'CERT_EXPIRES_SOON')?.severity;
    };
    expect(soon(7)).toBe('critical'); // 5 days left
    expect(soon(3)).toBe('warning');
    const c = await pki.issue('expires-soon', { hostnames: [HOST], days: 30 });
    expect(analyzeChain(chainOf(c.chainPem), opts).problems).toEqual([]); // 30 > warnDays 21
    expect(analyzeChain(chainOf(c.chainPem), { ...opts, warnDays: 45 }).problems.map((x) => x.code)).toEqual(['CERT_EXPIRES_SOON']);
  });

  it('--cert-warn-lifetime: warns once no more than PCT % of the lifetime is left, whatever the days', async () => {
    const c = await pki.issue('expires-soon', { hostnames: [HOST], days: 30 }); // 390-day lifetime, 30 days (7.7 %) left
    const at = (pct?: number): string[] => analyzeChain(chainOf(c.chainPem), { ...opts, ...(pct === undefined ? {} : { warnLifetimePct: pct }) }).problems.map((x) => x.detail);
    expect(at()).toEqual([]);
    expect(at(5)).toEqual([]);
    const warned = at(10);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/\(30 days left, 7% of its 390-day lifetime\)/);
  });

  it('combined: expired AND wrong host gives both codes (and weak key too)', async () => {
    const expired = chainOf(issued.get('expired')!.chainPem);
    expect(analyzeChain(expired, { ...opts, servername: 'other.example.test' }).problems.map((x) => x.code).sort())
      .toEqual(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH']);
    const weak = chainOf(issued.get('weak-key')!.chainPem);
    const r = analyzeChain(weak, { ...opts, servername: 'other.example.test', extraCa: [], now: NOW + 400 * 86_400_000 });
    expect(r.problems.map((x) => x.code).sort()).toEqual(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH', 'CERT_UNTRUSTED_ROOT', 'CERT_WEAK_KEY']);
  });

  it('self-signed AND expired AND wrong host: all three', () => {
    const r = analyzeChain(chainOf(issued.get('self-signed')!.chainPem), { ...opts, servername: 'x.example.test', now: NOW + 400 * 86_400_000 });
    expect(r.problems.map((x) => x.code).sort()).toEqual(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH', 'CERT_SELF_SIGNED']);
    expect(primaryProblem(r.problems, 'domain')?.code).toBe('CERT_EXPIRED');
  });

  it('a self-signed leaf the user trusts explicitly (--ca leaf.pem) is fine', () => {
    const c = issued.get('self-signed')!;
    expect(analyzeChain(chainOf(c.chainPem), { ...opts, extraCa: [c.certPem] }).problems).toEqual([]);
  });

  it('missing intermediate is fixed when the client trusts the intermediate too', () => {
    const chain = chainOf(issued.get('missing-intermediate')!.chainPem);
    expect(analyzeChain(chain, { ...opts, extraCa: [pki.rootPem + pki.intermediatePem] }).problems).toEqual([]);
    // without any --ca the leaf's issuer is still unknown: that is an incomplete chain
    expect(analyzeChain(chain, { ...opts, extraCa: [] }).problems.map((x) => x.code)).toEqual(['CERT_CHAIN_INCOMPLETE']);
  });

  it('an expired intermediate is named by its index; an expired trust anchor by its name', async () => {
    const r = analyzeChain(chainOf(issued.get('valid')!.chainPem), { ...opts, now: NOW + 11 * 365 * 86_400_000 });
    const expired = r.problems.filter((x) => x.code === 'CERT_EXPIRED');
    expect(expired.map((x) => x.certIndex)).toEqual([0, 1, undefined]);
    expect(expired[2]!.detail).toMatch(/^the trust anchor CN=smtprobe Test Root CA.* expired/);
  });

  it('IP servername matches SAN iPAddress only', () => {
    const chain = chainOf(issued.get('valid')!.chainPem);
    expect(analyzeChain(chain, { ...opts, servername: '127.0.0.1' }).problems).toEqual([]);
    expect(analyzeChain(chain, { ...opts, servername: '127.0.0.2' }).problems.map((x) => x.code)).toEqual(['CERT_HOSTNAME_MISMATCH']);
  });

  it('wildcard: matches one label, not the bare parent nor two labels', () => {
    const chain = chainOf(issued.get('wildcard')!.chainPem);
    const mismatch = (servername: string): boolean =>
      analyzeChain(chain, { ...opts, servername }).problems.some((x) => x.code === 'CERT_HOSTNAME_MISMATCH');
    expect(mismatch('MAIL.Example.Test.')).toBe(false);
    expect(mismatch('smtp.example.test')).toBe(false);
    expect(mismatch('example.test')).toBe(true);
    expect(mismatch('a.mail.example.test')).toBe(true);
  });

  it('never matches the subject CN, even when there is no DNS SAN (stricter than OpenSSL and RFC 6125)', async () => {
    // a client certificate has CN but no SAN
    const c = await pki.issueClient('relay.example.test');
    const chain = chainOf(c.certPem);
    const mismatch = (servername: string): string | undefined =>
      analyzeChain(chain, { ...opts, servername }).problems.find((x) => x.code === 'CERT_HOSTNAME_MISMATCH')?.detail;
    expect(mismatch('relay.example.test')).toBe('certificate is for no subjectAltName (only the subject CN relay.example.test, which clients no longer match), not relay.example.test');
    expect(mismatch(HOST)).toBeDefined();
    // the wrong-host leaf has CN=wrong.invalid and SAN=wrong.invalid; its CN is never used for HOST
    expect(codes('wrong-host', { servername: 'wrong.invalid' })).toEqual([]);
  });

  it('no certificate at all: verify failed (passes only at none)', () => {
    const r = analyzeChain([], opts);
    expect(r.problems.map((x) => x.code)).toEqual(['CERT_VERIFY_FAILED']);
    expect(r.verifyPassed).toBe(false);
    expect(analyzeChain([], { ...opts, verify: 'none' }).verifyPassed).toBe(true);
  });

  it('extended key usage: a certificate not for TLS servers fails the chain; none or serverAuth is fine', async () => {
    const client = await pki.issueClient(HOST);
    const r = analyzeChain(chainOf(client.chainPem), { ...opts, servername: HOST, extraCa: [pki.clientCaPem], verify: 'chain' });
    const purpose = r.problems.filter((x) => x.code === 'CERT_VERIFY_FAILED');
    expect(purpose).toHaveLength(1);
    expect(purpose[0]).toMatchObject({ certIndex: 0, severity: 'critical' });
    expect(purpose[0]!.detail).toBe('the leaf certificate is not for TLS servers: its extended key usage allows only clientAuth');
    expect(r.verifyPassed).toBe(false);
    expect(analyzeChain(chainOf(client.chainPem), { ...opts, extraCa: [pki.clientCaPem], verify: 'none' }).verifyPassed).toBe(true);
    // the test root has no extended key usage, the server leaves have serverAuth: no problem
    expect(codes('valid')).toEqual([]);
  });

  it('verifyPasses/primaryProblem: warnings never fail, hostname fails only at domain', () => {
    const warn = [{ code: 'CERT_WEAK_KEY', severity: 'warning', detail: '' }, { code: 'CERT_EXPIRES_SOON', severity: 'critical', detail: '' }] as const;
    expect(verifyPasses([...warn], 'domain')).toBe(true);
    expect(primaryProblem([...warn], 'domain')).toBeUndefined();
    const name = [{ code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', detail: '' }] as const;
    expect(verifyPasses([...name], 'chain')).toBe(true);
    expect(verifyPasses([...name], 'domain')).toBe(false);
    expect(primaryProblem([...name], 'domain')?.code).toBe('CERT_HOSTNAME_MISMATCH');
  });
});

describe('summarizeCert', () => {
  it('reports subject, issuer, serial, fingerprint, validity, SANs, key and signature', async () => {
    const pki = await createTestPki({ now: new Date(NOW) });
    const c = await pki.issue('weak-key', { hostnames: [HOST, '127.0.0.1'] });
    const x = new X509Certificate(c.certPem);
    const s = summarizeCert(x, NOW);
    expect(s).toMatchObject({
      subject: `CN=${HOST}`,
      issuer: 'CN=smtprobe Test Intermediate CA, O=smtprobe test',
      serial: x.serialNumber,
      fingerprint256: x.fingerprint256,
      validTo: new Date(Date.parse(x.validTo)).toISOString(),
      san: [`DNS:${HOST}`, 'IP:127.0.0.1'],
      keyType: 'rsa',
      keyBits: 1024,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      selfSigned: false,
      isCA: false,
      daysLeft: 365,
    });
    const ec = summarizeCert(new X509Certificate((await pki.issue('sha1-signature', { hostnames: [HOST] })).certPem), NOW);
    expect([ec.keyType, ec.keyBits, ec.signatureAlgorithm]).toEqual(['ec', 256, 'sha1WithRSAEncryption']);
    const root = summarizeCert(new X509Certificate(pki.rootPem), NOW);
    expect([root.selfSigned, root.isCA, root.keyBits]).toEqual([true, true, 2048]);
  });
});
