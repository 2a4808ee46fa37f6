import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeChain, summarizeCert, type ChainAnalysisOptions } from '../../../src/probe/tls/cert-analysis.js';
import { certFacts } from '../../../src/probe/tls/cert-facts.js';
import { CORPUS_HOST, issue } from '../../support/cert-corpus.js';

const opts = (anchors: string[]): ChainAnalysisOptions => ({ servername: CORPUS_HOST, verify: 'domain', extraCa: anchors, now: Date.now(), warnDays: 21, critDays: 7 });

const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
if (!opensslAvailable) {
  if (process.env.CI) throw new Error('odd certificates: openssl is not installed (apt-get install openssl)');
  console.warn('skipping the explicit-curve certificate case: openssl not installed (apt-get install openssl)');
}

describe('odd certificates are reported, never thrown on', () => {
  it.each([
    ['zero', '00'],
    ['negative', '80aa'],
    ['21 octets', `7f${'ab'.repeat(20)}`],
  ])('serial number %s: analysed, summarised', async (_label, serial) => {
    const root = await issue({ subject: 'CN=Odd Root', ca: true });
    const leaf = await issue({ subject: `CN=${CORPUS_HOST}`, issuer: root });
    // @peculiar/x509 takes the serial as hex; re-issue with the odd one
    const odd = await issue({ subject: `CN=${CORPUS_HOST}`, issuer: root, keys: leaf.keys, serial });
    const cert = new X509Certificate(odd.pem);
    expect(() => summarizeCert(cert, Date.now())).not.toThrow();
    const r = analyzeChain([cert], opts([root.pem]));
    expect(Array.isArray(r.problems)).toBe(true);
  });

  it('empty subject and issuer names: facts and summary read them as empty, no throw', async () => {
    const root = await issue({ subject: '', ca: true });
    const leaf = await issue({ subject: '', issuer: root });
    const chain = [new X509Certificate(leaf.pem)];
    const f = certFacts(chain[0]!);
    expect(f.subjectEmpty).toBe(true);
    expect(summarizeCert(chain[0]!, Date.now()).subject).toBe('');
    const r = analyzeChain(chain, opts([root.pem]));
    expect(r.problems.map((p) => p.detail).join('\n')).toMatch(/empty subject/);
    expect(r.verifyPassed).toBe(false);
  });

  it.runIf(opensslAvailable)('an EC key with explicit curve parameters: a problem, not a crash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-explicit-'));
    const key = path.join(dir, 'k.pem');
    const crt = path.join(dir, 'c.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-param_enc', 'explicit', '-genkey', '-noout', '-out', key]);
    execFileSync('openssl', ['req', '-new', '-x509', '-key', key, '-out', crt, '-days', '30', '-subj', `/CN=${CORPUS_HOST}`, '-addext', `subjectAltName=DNS:${CORPUS_HOST}`]);
    const pem = readFileSync(crt, 'utf8');
    const cert = new X509Certificate(pem);
    expect(certFacts(cert).explicitCurve).toBe(true);
    // trusted explicitly, so only the key itself is wrong
    const r = analyzeChain([cert], opts([]));
    expect(r.problems.some((p) => /explicit curve parameters/.test(p.detail))).toBe(true);
    expect(r.verifyPassed).toBe(false);
  });
});
