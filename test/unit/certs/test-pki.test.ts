import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import tls from 'node:tls';
import { createTestPki, CERT_PROFILES, PROFILES_NEEDING_SECLEVEL_0, isCertProfile } from '../../../src/mock/certs/index.js';
import type { TestPki, IssuedCert, CertProfile } from '../../../src/mock/certs/index.js';

const DAY = 86_400_000;
const NOW = new Date('2031-03-15T12:00:00Z'); // a fixed `now`: dates must follow it, not the wall clock
const HOSTS = ['mail.example.test', '127.0.0.1'];

function certsOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
}
const days = (d: string): number => Math.round((Date.parse(d) - NOW.getTime()) / DAY) + 0; // + 0 turns -0 into 0

describe('createTestPki', () => {
  let pki: TestPki;
  let root: X509Certificate;
  let inter: X509Certificate;
  const issued = new Map<CertProfile, IssuedCert>();

  beforeAll(async () => {
    pki = await createTestPki({ now: NOW });
    root = new X509Certificate(pki.rootPem);
    inter = new X509Certificate(pki.intermediatePem);
    for (const p of CERT_PROFILES) issued.set(p, await pki.issue(p, { hostnames: HOSTS }));
  });

  const leaf = (p: CertProfile): X509Certificate => new X509Certificate(issued.get(p)!.certPem);

  it('makes a self-signed root CA and an intermediate it signed', () => {
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(inter.ca).toBe(true);
    expect(inter.checkIssued(root)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
    expect(inter.checkIssued(inter)).toBe(false);
  });

  it('lists ten profiles and recognises their names', () => {
    expect(CERT_PROFILES).toHaveLength(10);
    expect(isCertProfile('weak-key')).toBe(true);
    expect(isCertProfile('weak')).toBe(false);
  });

  it.each(CERT_PROFILES.filter((p) => p !== 'self-signed'))('%s: leaf is signed by the intermediate', (p) => {
    const l = leaf(p);
    expect(l.checkIssued(inter)).toBe(true);
    expect(l.verify(inter.publicKey)).toBe(true);
    expect(l.ca).toBe(false);
  });

  it('valid: one year from now, SAN = the host names (DNS and IP), ECDSA key, SHA-256', () => {
    const l = leaf('valid');
    expect(days(l.validFrom)).toBe(0);
    expect(Date.parse(l.validFrom)).toBeLessThanOrEqual(NOW.getTime());
    expect(days(l.validTo)).toBe(365);
    expect(l.subjectAltName).toBe('DNS:mail.example.test, IP Address:127.0.0.1');
    expect(l.checkHost('mail.example.test')).toBe('mail.example.test');
    expect(l.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(l.publicKey.asymmetricKeyType).toBe('ec');
    expect(l.toLegacyObject().asn1Curve).toBe('prime256v1');
  });

  it('expired: ended 30 days before now', () => {
    expect(days(leaf('expired').validTo)).toBe(-30);
    expect(Date.parse(leaf('expired').validFrom)).toBeLessThan(Date.parse(leaf('expired').validTo));
  });

  it('not-yet-valid: starts 30 days after now', () => {
    expect(days(leaf('not-yet-valid').validFrom)).toBe(30);
  });

  it('expires-soon: ends 5 days after now by default, or after `days`', async () => {
    expect(days(leaf('expires-soon').validTo)).toBe(5);
    expect(Date.parse(leaf('expires-soon').validFrom)).toBeLessThan(NOW.getTime());
    const c = await pki.issue('expires-soon', { hostnames: HOSTS, days: 12 });
    expect(days(new X509Certificate(c.certPem).validTo)).toBe(12);
  });

  it('wrong-host: SAN is wrong.invalid and not the host names', () => {
    const l = leaf('wrong-host');
    expect(l.subjectAltName).toBe('DNS:wrong.invalid');
    expect(l.checkHost('mail.example.test')).toBeUndefined();
  });

  it('wildcard: SAN is *.<parent of the first host name>', () => {
    const l = leaf('wildcard');
    expect(l.subjectAltName).toBe('DNS:*.example.test');
    expect(l.checkHost('mail.example.test')).toBe('*.example.test');
  });

  it('self-signed: issuer is the leaf itself; the chain is the leaf only', () => {
    const l = leaf('self-signed');
    expect(l.checkIssued(l)).toBe(true);
    expect(l.verify(l.publicKey)).toBe(true);
    expect(l.checkIssued(inter)).toBe(false);
    expect(certsOf(issued.get('self-signed')!.chainPem)).toHaveLength(1);
  });

  it('missing-intermediate: a valid leaf, but the chain is the leaf only', () => {
    const c = issued.get('missing-intermediate')!;
    expect(c.chainPem).toBe(c.certPem);
    expect(leaf('missing-intermediate').checkHost('mail.example.test')).toBe('mail.example.test');
  });

  it.each(CERT_PROFILES.filter((p) => p !== 'self-signed' && p !== 'missing-intermediate'))('%s: chain is leaf + intermediate', (p) => {
    const chain = certsOf(issued.get(p)!.chainPem);
    expect(chain.map((c) => c.fingerprint256)).toEqual([leaf(p).fingerprint256, inter.fingerprint256]);
  });

  it('weak-key: RSA 1024', () => {
    const l = leaf('weak-key');
    expect(l.publicKey.asymmetricKeyType).toBe('rsa');
    expect(l.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });

  it('sha1-signature: sha1WithRSAEncryption; the others SHA-256', () => {
    expect(sigAlg(leaf('sha1-signature'))).toBe('sha1WithRSAEncryption');
    expect(sigAlg(leaf('valid'))).toBe('sha256WithRSAEncryption');
    expect(sigAlg(leaf('self-signed'))).toBe('ecdsa-with-SHA256');
  });

  it.each(CERT_PROFILES)('%s: key is PKCS#8 and matches the certificate', (p) => {
    const c = issued.get(p)!;
    expect(c.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(leaf(p).checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
  });

  it.each(CERT_PROFILES)('%s: a TLS server context loads it (SECLEVEL=0 where documented)', (p) => {
    const c = issued.get(p)!;
    const ciphers = PROFILES_NEEDING_SECLEVEL_0.includes(p) ? 'DEFAULT:@SECLEVEL=0' : undefined;
    expect(() => tls.createSecureContext({ key: c.keyPem, cert: c.chainPem, ...(ciphers ? { ciphers } : {}) })).not.toThrow();
  });

  // OpenSSL 3.0 (Node 20) refuses to load a SHA-1-signed chain at its default security level;
  // later OpenSSL releases (Node 26 bundles 3.5) load it and refuse it only when verifying.
  it.runIf(process.versions.openssl.startsWith('3.0.'))('sha1-signature really needs SECLEVEL=0 with OpenSSL 3.0 (its default level refuses it)', () => {
    const c = issued.get('sha1-signature')!;
    expect(() => tls.createSecureContext({ key: c.keyPem, cert: c.chainPem })).toThrow(/md too weak/);
  });

  it('issueClient: trusted certs chain to clientCaPem, untrusted ones do not', async () => {
    const clientCa = new X509Certificate(pki.clientCaPem);
    const good = new X509Certificate((await pki.issueClient('relay-client')).certPem);
    const bad = new X509Certificate((await pki.issueClient('relay-client', { untrusted: true })).certPem);
    expect(good.subject).toBe('CN=relay-client');
    expect(good.checkIssued(clientCa) && good.verify(clientCa.publicKey)).toBe(true);
    expect(bad.checkIssued(clientCa)).toBe(false);
    expect(bad.verify(clientCa.publicKey)).toBe(false);
    expect(good.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });

  it('refuses an empty host name list (a bug in the caller)', async () => {
    await expect(pki.issue('valid', { hostnames: [] })).rejects.toThrow(TypeError);
  });

  it('every call makes new keys and serials', async () => {
    const a = await pki.issue('valid', { hostnames: HOSTS });
    expect(a.keyPem).not.toBe(issued.get('valid')!.keyPem);
    expect(new X509Certificate(a.certPem).serialNumber).not.toBe(leaf('valid').serialNumber);
  });
});

function sigAlg(c: X509Certificate): string {
  // node:crypto does not expose the signature algorithm; @peculiar/x509 parses it for us here.
  return SIG_OIDS[sigOid(c.raw)] ?? 'unknown';
}
const SIG_OIDS: Record<string, string> = {
  '2a864886f70d010105': 'sha1WithRSAEncryption',
  '2a864886f70d01010b': 'sha256WithRSAEncryption',
  '2a8648ce3d040302': 'ecdsa-with-SHA256',
};
/** sigOid: hex of the signatureAlgorithm OID, the AlgorithmIdentifier right after the TBSCertificate. */
function sigOid(der: Buffer): string {
  const len = (o: number): [number, number] => {
    const b = der[o + 1]!;
    if (b < 0x80) return [b, 2];
    const n = b & 0x7f;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + der[o + 2 + i]!;
    return [v, 2 + n];
  };
  const [, outerHdr] = len(0);
  const tbsStart = outerHdr;
  const [tbsLen, tbsHdr] = len(tbsStart);
  const algSeq = tbsStart + tbsHdr + tbsLen;
  const [, algHdr] = len(algSeq);
  const oidAt = algSeq + algHdr;
  const [oidLen, oidHdr] = len(oidAt);
  return der.subarray(oidAt + oidHdr, oidAt + oidHdr + oidLen).toString('hex');
}
