import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { analyzeChain, splitPem, type ChainAnalysisOptions } from '../../src/probe/tls/cert-analysis.js';
import { certFacts } from '../../src/probe/tls/cert-facts.js';
import { TrustStore } from '../../src/probe/tls/trust-store.js';
import { buildCorpus } from '../support/cert-corpus.js';

const HOST = 'smarthost.test';
const RUNS = 400;

type Op =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

/** A DER mutation: flip, set, insert or delete bytes at random places. */
const mutation: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  ),
  { minLength: 1, maxLength: 4 },
);

function mutate(der: Buffer, ops: Op[]): Buffer {
  let b = Buffer.from(der);
  for (const op of ops) {
    const at = op.at % b.length;
    if (op.kind === 'set') b[at] = op.byte;
    else if (op.kind === 'flip') b[at] = (b[at] as number) ^ (1 << op.bit);
    else if (op.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(op.bytes), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + op.count)]);
  }
  return b;
}

describe('certificate analysis never throws (property-based)', () => {
  let seeds: Buffer[] = [];
  let opts: ChainAnalysisOptions;

  beforeAll(async () => {
    const pki = await createTestPki();
    const valid = await pki.issue('valid', { hostnames: [HOST, '127.0.0.1'] });
    const corpus = await buildCorpus();
    // real certificates with every kind of extension the corpus uses (name constraints, odd EKUs, v1, empty names ...)
    seeds = [...splitPem(valid.chainPem), pki.rootPem, ...corpus.flatMap((c) => [...c.chain, ...c.anchors])]
      .map((pem) => new X509Certificate(pem).raw);
    opts = { servername: HOST, verify: 'domain', extraCa: [pki.rootPem], now: Date.now(), warnDays: 21, critDays: 7, trustStore: TrustStore.from([pki.rootPem]) };
  }, 60_000);

  it('random DER mutations of real certificates: a Report-able analysis or an unparsable certificate, never a throw', () => {
    let analysed = 0;
    fc.assert(
      fc.property(fc.nat(), mutation, fc.nat(), (pick, ops, position) => {
        const seed = seeds[pick % seeds.length] as Buffer;
        let cert: X509Certificate;
        try {
          cert = new X509Certificate(mutate(seed, ops));
        } catch {
          return; // OpenSSL itself cannot parse it: such a certificate never reaches the analysis from a handshake
        }
        analysed++;
        const facts = certFacts(cert);
        expect(typeof facts.subject).toBe('string');
        const chain = seeds.map((s) => new X509Certificate(s)).slice(0, 3);
        chain.splice(position % (chain.length + 1), 0, cert);
        const r = analyzeChain(chain, opts);
        expect(Array.isArray(r.problems)).toBe(true);
        expect(r.chain).toHaveLength(chain.length);
        for (const p of r.problems) expect(typeof p.detail).toBe('string');
      }),
      { numRuns: RUNS },
    );
    expect(analysed).toBeGreaterThan(RUNS / 10);
  });
});
