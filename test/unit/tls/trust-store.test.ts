import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { createTestPki, type TestPki } from '../../../src/mock/certs/index.js';
import { analyzeChain, splitPem, type ChainAnalysisOptions } from '../../../src/probe/tls/cert-analysis.js';
import { TrustStore } from '../../../src/probe/tls/trust-store.js';

const HOST = 'mail.example.test';

describe('TrustStore tiers (--ca anchors at once, system roots lazily)', () => {
  let pki: TestPki;
  let chain: X509Certificate[];
  const opts = (): ChainAnalysisOptions => ({ servername: HOST, verify: 'chain', extraCa: [pki.rootPem], now: Date.now(), warnDays: 21, critDays: 7 });

  beforeAll(async () => {
    pki = await createTestPki();
    chain = splitPem((await pki.issue('valid', { hostnames: [HOST] })).chainPem).map((p) => new X509Certificate(p));
  });

  it('a chain ending at a --ca anchor is trusted', () => {
    const store = TrustStore.from([pki.rootPem]);
    expect(analyzeChain(chain, { ...opts(), trustStore: store }).problems).toEqual([]);
  });

  it('a bundled system root is still a trust anchor of TrustStore.from (found through the lazy tier)', () => {
    const root = new X509Certificate(tls.rootCertificates[0] as string);
    const store = TrustStore.from([pki.rootPem]);
    expect(store.hasOwn(root)).toBe(false);
    expect(store.has(root)).toBe(true);
    const codes = analyzeChain([root], { ...opts(), trustStore: store }).problems.map((p) => p.code);
    expect(codes).not.toContain('CERT_SELF_SIGNED');
    expect(codes).not.toContain('CERT_UNTRUSTED_ROOT');
  });

  it('an explicit store (new TrustStore(certs)) trusts exactly those certificates, no system roots', () => {
    const root = new X509Certificate(tls.rootCertificates[0] as string);
    const store = new TrustStore([]);
    expect(store.has(root)).toBe(false);
    expect(analyzeChain([root], { ...opts(), extraCa: [], trustStore: store }).problems.map((p) => p.code)).toContain('CERT_SELF_SIGNED');
  });

  it('the shared TLS context trusts the --ca root (OpenSSL verifies the chain against it)', async () => {
    const leaf = await pki.issue('valid', { hostnames: [HOST] });
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const ctx = TrustStore.from([pki.rootPem]).secureContext({});
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const s = tls.connect({ port, host: '127.0.0.1', servername: HOST, secureContext: ctx, rejectUnauthorized: false }, () => {
          resolve(s.authorized);
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(authorized).toBe(true);
    } finally {
      server.close();
    }
  });

  it('facts remembered per chain: a later analysis with another `now` or name equals a fresh one', () => {
    const shared = TrustStore.from([pki.rootPem]);
    const later = Date.now() + 400 * 86_400_000; // past the leaf's validTo
    for (const o of [opts(), { ...opts(), now: later }, { ...opts(), servername: 'other.test' }, { ...opts(), nodeAuthorizationError: 'CERT_REVOKED' }]) {
      const viaShared = analyzeChain(chain, { ...o, trustStore: shared });
      const fresh = analyzeChain(chain, { ...o, trustStore: TrustStore.from([pki.rootPem]) });
      expect(viaShared).toEqual(fresh);
      expect(JSON.stringify(viaShared)).toBe(JSON.stringify(fresh));
    }
    expect(analyzeChain(chain, { ...opts(), now: later, trustStore: shared }).problems.map((p) => p.code)).toContain('CERT_EXPIRED');
  });
});
