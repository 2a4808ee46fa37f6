import { describe, expect, it } from 'vitest';
import type { CertProblem, TlsData } from '../../../src/model/step-data.js';
import { certificateFor, tlsVersionsFor } from '../../../src/record/tls-profile.js';

function tls(problems: CertProblem['code'][], san = ['DNS:relay.test'], daysLeft = 300, protocol = 'TLSv1.3'): TlsData {
  return {
    mode: 'starttls', servername: 'relay.test', verify: 'domain', protocol, clientCertSent: false, verifyPassed: problems.length === 0,
    chain: [{ subject: 'CN=relay.test', issuer: 'CN=ca', serial: '01', fingerprint256: 'AA', validFrom: '', validTo: '', san, selfSigned: false, daysLeft }],
    problems: problems.map((code) => ({ code, detail: code, severity: 'critical' as const })),
  };
}

describe('certificateFor: observed certificate problems → the profile that reproduces them', () => {
  it.each([
    ['CERT_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not-yet-valid'],
    ['CERT_SELF_SIGNED', 'self-signed'],
    ['CERT_CHAIN_INCOMPLETE', 'missing-intermediate'],
    ['CERT_WEAK_KEY', 'weak-key'],
    ['CERT_WEAK_SIGNATURE', 'sha1-signature'],
    ['CERT_EXPIRES_SOON', 'expires-soon'],
  ] as const)('%s → %s', (code, profile) => {
    expect(certificateFor(tls([code], undefined, 12), 'relay.test').certificate).toBe(profile);
  });

  it('keeps days left for expires-soon, and the SAN names', () => {
    expect(certificateFor(tls(['CERT_EXPIRES_SOON'], ['DNS:*.relay.test'], 12), 'mx.relay.test')).toEqual({ certificate: 'expires-soon', expiresInDays: 12, certificateHostnames: ['*.relay.test'], certificateSubject: 'CN=relay.test', untrustedRoot: false });
  });

  it('keeps the leaf\'s subject when it is not the mock\'s default; a name it cannot issue exactly keeps its common name', () => {
    const withSubject = (subject: string, san = ['DNS:mail.contoso.test', 'DNS:outlook.contoso.test']): TlsData => ({ ...tls([], san), chain: [{ ...tls([], san).chain[0]!, subject }] });
    expect(certificateFor(withSubject('C=US, ST=Washington, O=Contoso Ltd, CN=outlook.contoso.test'), 'mail.contoso.test').certificateSubject).toBe('C=US, ST=Washington, O=Contoso Ltd, CN=outlook.contoso.test');
    expect(certificateFor(withSubject('CN=mail.contoso.test'), 'mail.contoso.test').certificateSubject).toBeUndefined();
    expect(certificateFor(withSubject('O=Contoso\\, Inc., CN=mail.contoso.test', ['DNS:x.contoso.test']), 'x.contoso.test').certificateSubject).toBe('CN=mail.contoso.test');
    expect(certificateFor(withSubject('CN=a + OU=b'), 'mail.contoso.test').certificateSubject).toBeUndefined();
  });

  it('issues an expiring leaf for the part-day too, so the replay shows the days left the report showed', () => {
    const probedAt = Date.parse('2026-12-05T10:00:00Z');
    const leaf = (validTo: string, daysLeft: number): TlsData => ({ ...tls(['CERT_EXPIRES_SOON'], undefined, daysLeft), chain: [{ ...tls([]).chain[0]!, validTo, daysLeft }] });
    // 8.4 days left, shown as 8: issued for 9 days, judged a moment later as 8.
    expect(certificateFor(leaf('Dec 13 19:36:00 2026 GMT', 8), 'relay.test', probedAt).expiresInDays).toBe(9);
    expect(certificateFor(leaf('Dec 14 09:59:00 2026 GMT', 8), 'relay.test', probedAt).expiresInDays).toBe(9);
    // Without the moment of the probe, or an unreadable expiry, the days as shown.
    expect(certificateFor(leaf('Dec 13 19:36:00 2026 GMT', 8), 'relay.test').expiresInDays).toBe(8);
    expect(certificateFor(leaf('', 8), 'relay.test', probedAt).expiresInDays).toBe(8);
  });

  it('keeps IP addresses of the SAN list beside the DNS names, in order; addresses alone stand beside the probed name', () => {
    expect(certificateFor(tls([], ['DNS:smtp.gmail.com', 'IP:127.0.0.1', 'IP Address:::1', 'email:a@b.test', 'DNS:localhost']), 'smtp.gmail.com').certificateHostnames).toEqual(['smtp.gmail.com', '127.0.0.1', '::1', 'localhost']);
    expect(certificateFor(tls([], ['IP:192.0.2.7']), 'relay.test').certificateHostnames).toEqual(['relay.test', '192.0.2.7']);
  });

  it('a name mismatch keeps the names the certificate had (never the probed one), combined with another profile', () => {
    const c = certificateFor(tls(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH'], ['DNS:other.test', 'DNS:relay.test']), 'relay.test');
    expect(c).toMatchObject({ certificate: 'expired', certificateHostnames: ['other.test'] });
    expect(certificateFor(tls(['CERT_HOSTNAME_MISMATCH'], []), 'relay.test').certificateHostnames).toEqual(['wrong.invalid']);
  });

  it('an untrusted root is the probe not trusting the CA; no handshake data gives a valid certificate for the probed name', () => {
    expect(certificateFor(tls(['CERT_UNTRUSTED_ROOT']), 'relay.test')).toMatchObject({ certificate: 'valid', untrustedRoot: true });
    expect(certificateFor(undefined, 'relay.test')).toEqual({ certificate: 'valid', certificateHostnames: ['relay.test'], untrustedRoot: false });
  });
});

describe('tlsVersionsFor', () => {
  it('takes a version scan as it is', () => {
    const scan = { allowed: [], versions: [{ version: 'TLSv1' as const, accepted: true }, { version: 'TLSv1.2' as const, accepted: true }, { version: 'TLSv1.3' as const, accepted: false }] };
    expect(tlsVersionsFor({ scan, mismatch: false })).toEqual({ min: 'TLSv1', max: 'TLSv1.2' });
  });

  it('puts a mismatching server just outside the client range', () => {
    expect(tlsVersionsFor({ mismatch: true, clientMin: 'TLSv1.3' })).toEqual({ min: 'TLSv1.2', max: 'TLSv1.2' });
    expect(tlsVersionsFor({ mismatch: true, clientMax: 'TLSv1.2' })).toEqual({ min: 'TLSv1.3', max: 'TLSv1.3' });
    expect(tlsVersionsFor({ mismatch: true, clientMin: 'TLSv1', clientMax: 'TLSv1' })).toEqual({ min: 'TLSv1.1', max: 'TLSv1.3' });
  });

  it('reads where the server stops from the negotiated version', () => {
    expect(tlsVersionsFor({ tls: tls([], undefined, 300, 'TLSv1.2'), mismatch: false })).toEqual({ min: 'TLSv1.2', max: 'TLSv1.2' });
    expect(tlsVersionsFor({ tls: tls([], undefined, 300, 'TLSv1.3'), mismatch: false })).toEqual({ min: 'TLSv1.2', max: 'TLSv1.3' });
    expect(tlsVersionsFor({ tls: tls([], undefined, 300, 'TLSv1'), mismatch: false, clientMin: 'TLSv1', clientMax: 'TLSv1' })).toEqual({ min: 'TLSv1', max: 'TLSv1.3' });
  });
});
