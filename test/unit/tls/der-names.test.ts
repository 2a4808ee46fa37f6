import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import fc from 'fast-check';
import { createTestPki, type TestPki } from '../../../src/mock/certs/index.js';
import { splitPem } from '../../../src/probe/tls/cert-analysis.js';
import { derNames } from '../../../src/probe/tls/der-names.js';
import { TrustStore } from '../../../src/probe/tls/trust-store.js';

const HOST = 'mail.example.test';

describe('derNames (issuer and subject DER, read without a full parse)', () => {
  let pki: TestPki;
  let chain: X509Certificate[];

  beforeAll(async () => {
    pki = await createTestPki();
    chain = splitPem((await pki.issue('valid', { hostnames: [HOST] })).chainPem).map((p) => new X509Certificate(p));
  });

  it('a child\'s issuer is byte for byte its issuer\'s subject; a self-signed root\'s issuer is its subject', () => {
    const [leaf, intermediate] = chain as [X509Certificate, X509Certificate];
    expect(derNames(leaf.raw)?.issuer).toBe(derNames(intermediate.raw)?.subject);
    expect(derNames(leaf.raw)?.subject).not.toBe(derNames(leaf.raw)?.issuer);
    const root = new X509Certificate(pki.rootPem);
    expect(derNames(root.raw)?.issuer).toBe(derNames(root.raw)?.subject);
  });

  it('agrees with Node on every bundled root: same names ⇔ same DER names for self-issued roots', () => {
    for (const pem of tls.rootCertificates) {
      const c = new X509Certificate(pem);
      const names = derNames(c.raw);
      expect(names).toBeDefined();
      expect(names!.issuer === names!.subject).toBe(c.issuer === c.subject);
    }
  });

  it('never throws on mangled DER (undefined instead)', () => {
    const der = new Uint8Array((chain[0] as X509Certificate).raw);
    fc.assert(fc.property(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(der.length), (at, byte, cut) => {
      const copy = der.slice(0, Math.max(1, cut));
      if (at < copy.length) copy[at] = byte;
      const out = derNames(copy);
      expect(out === undefined || (typeof out.issuer === 'string' && typeof out.subject === 'string')).toBe(true);
    }));
    expect(derNames(new Uint8Array(0))).toBeUndefined();
  });
});

describe('TrustStore system tier (indexed by DER name, parsed on demand)', () => {
  it('finds a bundled root as its own issuer candidate, and knows it as an anchor', () => {
    const store = TrustStore.from([]);
    for (const pem of tls.rootCertificates.slice(0, 20)) {
      const root = new X509Certificate(pem);
      expect(store.has(root)).toBe(true);
      expect(store.candidatesFor(root).map((c) => c.fingerprint256)).toContain(root.fingerprint256);
    }
  });

  it('a certificate no root issued has no candidate and is not an anchor', async () => {
    const pki = await createTestPki();
    const root = new X509Certificate(pki.rootPem);
    const store = TrustStore.from([]);
    expect(store.has(root)).toBe(false);
    expect(store.candidatesFor(root)).toEqual([]);
  });
});
