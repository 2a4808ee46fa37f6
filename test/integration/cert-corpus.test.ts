/**
 * The credential gate against a corpus of certificate chains (test/support/cert-corpus.ts),
 * each served over real TLS by an SMTP server (smtp-server, implicit TLS) that records every
 * AUTH it receives. For each case: smtprobe's verdict, whether the password reached the
 * server, and what `openssl verify` says of the same chain. smtprobe must never accept a chain
 * OpenSSL rejects; where it is stricter, the table says so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import type { Report } from '../../src/model/report.js';
import { Secret } from '../../src/model/secret.js';
import type { AuthData, TlsData } from '../../src/model/step-data.js';
import { probe } from '../../src/check.js';
import { buildCorpus, CORPUS_HOST, type CorpusCase } from '../support/cert-corpus.js';

const USER = 'probe@smarthost.test';
const PASS = 'corpus-Pass-0815';

const opensslAvailable = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
if (!opensslAvailable) {
  if (process.env.CI) throw new Error('certificate corpus: openssl is not installed (apt-get install openssl)');
  console.warn('skipping the OpenSSL side of the certificate corpus: openssl not installed (apt-get install openssl)');
}

const corpus: CorpusCase[] = await buildCorpus();
const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-corpus-'));
const results: string[] = [];

afterAll(() => {
  if (results.length > 0) console.log(`certificate corpus (case: smtprobe / openssl)\n${results.join('\n')}`);
});

/** opensslVerify: `openssl verify -purpose sslserver` with the name check, as an admin would run it. */
function opensslVerify(c: CorpusCase, file: (name: string, text: string) => string): boolean {
  const name = c.servername ?? CORPUS_HOST;
  const args = ['verify', '-purpose', 'sslserver', name.includes(':') || /^[\d.]+$/.test(name) ? '-verify_ip' : '-verify_hostname', name,
    '-CAfile', file('anchors.pem', c.anchors.join(''))];
  if (c.chain.length > 1) args.push('-untrusted', file('untrusted.pem', c.chain.slice(1).join('')));
  args.push(file('leaf.pem', c.chain[0] as string));
  return spawnSync('openssl', args, { encoding: 'utf8' }).status === 0;
}

async function serveAndProbe(c: CorpusCase, caFile: string): Promise<{ report: Report; authsReceived: number }> {
  let authsReceived = 0;
  const server = new SMTPServer({
    secure: true, key: c.leafKeyPem, cert: c.chain.join(''), ciphers: 'DEFAULT:@SECLEVEL=0', authMethods: ['PLAIN', 'LOGIN'],
    logger: false, disabledCommands: [],
    onAuth(_auth, _session, cb) {
      authsReceived++;
      cb(null, { user: USER });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as net.AddressInfo;
  try {
    const input = parseTargetInput({
      host: '127.0.0.1', port, tls: 'implicit', tlsDomain: c.servername ?? CORPUS_HOST, ca: caFile, user: USER, icmp: false, timeout: 20, phaseTimeout: 10,
    });
    const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
    target.password = new Secret(PASS);
    const report = await probe(target);
    return { report, authsReceived };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('certificate corpus: the credential gate over real TLS', () => {
  it('has a case for every class', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(42);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const caseDir = mkdtempSync(path.join(dir, 'case-'));
    const file = (name: string, text: string): string => {
      const p = path.join(caseDir, name);
      writeFileSync(p, text);
      return p;
    };
    const caFile = file('ca.pem', c.anchors.join(''));
    const { report, authsReceived } = await serveAndProbe(c, caFile);
    const tls = report.steps.find((s) => s.step === 'tls');
    const data = tls?.data as TlsData | undefined;
    const auth = report.steps.find((s) => s.step === 'auth')?.data as AuthData | undefined;
    const accepted = data?.verifyPassed === true;
    const openssl = opensslAvailable ? opensslVerify(c, file) : undefined;
    results.push(`  ${accepted ? 'accept' : 'REJECT'} / ${openssl === undefined ? '-' : openssl ? 'accept' : 'REJECT'}  ${c.name}`);

    expect({ case: c.name, accepted }).toEqual({ case: c.name, accepted: c.smtprobeAccepts });
    // the password moves exactly when the certificate is accepted
    expect({ case: c.name, authsReceived }).toEqual({ case: c.name, authsReceived: c.smtprobeAccepts ? 1 : 0 });
    expect(auth?.attempted ?? false).toBe(c.smtprobeAccepts);
    if (!c.smtprobeAccepts) {
      expect(report.findings.some((f) => f.code.startsWith('CERT_'))).toBe(true);
      expect(report.verdict).toBe('critical');
    }
    // Node's own OpenSSL judged the chain as well; smtprobe never accepts what it rejects
    if (data?.validator && !data.validator.chainAccepted) expect(accepted).toBe(false);
    if (openssl !== undefined) {
      expect({ case: c.name, openssl }).toEqual({ case: c.name, openssl: c.opensslAccepts });
      if (!openssl) expect(accepted).toBe(false);
    }
  });
});
