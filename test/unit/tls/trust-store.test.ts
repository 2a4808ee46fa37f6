import { describe, it, expect, beforeAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createTestPki, type TestPki } from '../../../src/mock/certs/index.js';
import { analyzeChain, splitPem, type ChainAnalysisOptions } from '../../../src/probe/tls/cert-analysis.js';
import { clientContext } from '../../../src/probe/tls/client-context.js';
import { systemAnchorPems, TrustStore } from '../../../src/probe/tls/trust-store.js';

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

  it('NODE_EXTRA_CA_CERTS is part of the system tier, as in Node (read when first needed; unreadable adds nothing)', async () => {
    const other = await createTestPki();
    const otherChain = splitPem((await other.issue('valid', { hostnames: [HOST] })).chainPem).map((p) => new X509Certificate(p));
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-extra-ca-'));
    const file = path.join(dir, 'extra.pem');
    writeFileSync(file, other.rootPem);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    try {
      process.env.NODE_EXTRA_CA_CERTS = file;
      expect(analyzeChain(otherChain, { ...opts(), extraCa: [], trustStore: TrustStore.from([]) }).problems).toEqual([]);
      expect(systemAnchorPems({ NODE_EXTRA_CA_CERTS: file })).toHaveLength(tls.rootCertificates.length + 1);
      expect(systemAnchorPems({ NODE_EXTRA_CA_CERTS: path.join(dir, 'missing.pem') })).toHaveLength(tls.rootCertificates.length);
      // a bundled root repeated in the file (a system bundle usually repeats them all) is listed once
      writeFileSync(file, `${tls.rootCertificates[0]}\n${other.rootPem}\n${tls.rootCertificates[1]}`);
      expect(systemAnchorPems({ NODE_EXTRA_CA_CERTS: file })).toEqual([...tls.rootCertificates, other.rootPem.trim()]);
      delete process.env.NODE_EXTRA_CA_CERTS;
      expect(analyzeChain(otherChain, { ...opts(), extraCa: [], trustStore: TrustStore.from([]) }).problems.map((p) => p.code)).toEqual(['CERT_UNTRUSTED_ROOT']);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an explicit store (new TrustStore(certs)) trusts exactly those certificates, no system roots', () => {
    const root = new X509Certificate(tls.rootCertificates[0] as string);
    const store = new TrustStore([]);
    expect(store.has(root)).toBe(false);
    expect(analyzeChain([root], { ...opts(), extraCa: [], trustStore: store }).problems.map((p) => p.code)).toContain('CERT_SELF_SIGNED');
  });

  it('the TLS context trusts nothing: OpenSSL verifies nothing, and no root store is built for it', async () => {
    const leaf = await pki.issue('valid', { hostnames: [HOST] });
    const ctx = clientContext({});
    const outcome = await handshakeWith(leaf.keyPem, leaf.chainPem, { secureContext: ctx });
    // even the --ca root is not in OpenSSL's store: the verdict is analyzeChain's alone
    expect(outcome.authorized).toBe(false);
    expect(outcome.authorizationError).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  it('OpenSSL\'s store: without --ca Node\'s default store (our test root not in it), with --ca that root too', async () => {
    const leaf = await pki.issue('valid', { hostnames: [HOST] });
    const withoutCa = TrustStore.from([]);
    expect(withoutCa.contextCa()).toBeUndefined();
    expect(await handshakeWith(leaf.keyPem, leaf.chainPem, { secureContext: clientContext({}, withoutCa) }))
      .toEqual({ authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    const withCa = TrustStore.from([pki.rootPem]);
    expect(withCa.contextCa()).toEqual([...systemAnchorPems(), pki.rootPem]);
    expect(await handshakeWith(leaf.keyPem, leaf.chainPem, { secureContext: clientContext({}, withCa) })).toEqual({ authorized: true });
    expect(new TrustStore([]).contextCa()).toEqual([]);
  });

  // analyzeChain is the only verdict, so it must agree with what OpenSSL says of the same chain
  // at the `chain` level (trust, dates, CA flags, signatures, extended key usage). The weak-key and
  // sha1-signature profiles are left out on purpose: OpenSSL's security level rejects them, we
  // report them as warnings (CERT_WEAK_KEY / CERT_WEAK_SIGNATURE) and say why.
  const agreeing = ['valid', 'expired', 'not-yet-valid', 'wrong-host', 'wildcard', 'self-signed', 'missing-intermediate', 'expires-soon'] as const;
  it.each(agreeing)('analyzeChain agrees with OpenSSL verifying against the same --ca: %s', async (profile) => {
    const leaf = await pki.issue(profile, { hostnames: [HOST] });
    const ours = analyzeChain(splitPem(leaf.chainPem).map((p) => new X509Certificate(p)), { ...opts(), trustStore: TrustStore.from([pki.rootPem]) });
    const openssl = await handshakeWith(leaf.keyPem, leaf.chainPem, { ca: [pki.rootPem] });
    expect({ profile, passes: ours.verifyPassed }).toEqual({ profile, passes: openssl.authorized });
  });

  it('a server certificate for clientAuth only: we and OpenSSL (INVALID_PURPOSE) both refuse it', async () => {
    const client = await pki.issueClient(HOST);
    const ours = analyzeChain(splitPem(client.chainPem).map((p) => new X509Certificate(p)), { ...opts(), extraCa: [pki.clientCaPem], trustStore: TrustStore.from([pki.clientCaPem]) });
    // (the client certificate names its host only in the CN, so the name fails too)
    expect(ours.problems.map((p) => p.code)).toEqual(['CERT_HOSTNAME_MISMATCH', 'CERT_VERIFY_FAILED']);
    expect(ours.problems[1]!.detail).toMatch(/extended key usage allows only clientAuth/);
    const openssl = await handshakeWith(client.keyPem, client.chainPem, { ca: [pki.clientCaPem] });
    expect(openssl).toEqual({ authorized: false, authorizationError: 'INVALID_PURPOSE' });
  });

  it('facts remembered per chain: a later analysis with another `now` or name equals a fresh one', () => {
    const shared = TrustStore.from([pki.rootPem]);
    const later = Date.now() + 400 * 86_400_000; // past the leaf's validTo
    for (const o of [opts(), { ...opts(), now: later }, { ...opts(), servername: 'other.test' }]) {
      const viaShared = analyzeChain(chain, { ...o, trustStore: shared });
      const fresh = analyzeChain(chain, { ...o, trustStore: TrustStore.from([pki.rootPem]) });
      expect(viaShared).toEqual(fresh);
      expect(JSON.stringify(viaShared)).toBe(JSON.stringify(fresh));
    }
    expect(analyzeChain(chain, { ...opts(), now: later, trustStore: shared }).problems.map((p) => p.code)).toContain('CERT_EXPIRED');
  });
});

/** handshakeWith: OpenSSL's own verdict on a server presenting `chainPem`, as Node reports it. */
async function handshakeWith(keyPem: string, chainPem: string, client: tls.ConnectionOptions): Promise<{ authorized: boolean; authorizationError?: string }> {
  const server = tls.createServer({ key: keyPem, cert: chainPem }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', servername: HOST, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...client }, () => {
        const e = s.authorizationError as unknown;
        resolve(s.authorized ? { authorized: true } : { authorized: false, authorizationError: typeof e === 'string' ? e : (e as NodeJS.ErrnoException).code ?? String(e) });
        s.destroy();
      });
      s.on('error', reject);
    });
  } finally {
    server.close();
  }
}
