/**
 * OAuth probes recorded and replayed, with no secret anywhere: for each OAuth scenario, probe
 * the mock, render every output format and record the Report; grep all of it for every secret
 * the run held or saw (client secret, refresh token, service-account key, the access tokens the
 * endpoint issued, the signed assertions it received), raw and encoded; then replay the
 * recording and require the same finding codes and verdict. The same through the built CLI:
 * check --json → record --from-report → mock <recording> → check.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, parseScenario, startMockServer, type MockServer, type Scenario } from '../../src/mock/index.js';
import { oauthCheckArgs } from '../../src/mock/oauth-mock.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';
import { recordReport } from '../../src/record/index.js';
import { OUTPUT_FORMATS, loadRenderer } from '../../src/report/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

/** Every form a secret could take in an output: raw, base64 (padded or not), base64url, URL-encoded, inside a SASL bearer message. */
function forms(secret: string, user: string): string[] {
  return [secret, b64(secret), b64(secret).replace(/=+$/, ''), b64url(secret), encodeURIComponent(secret), b64(`user=${user}\x01auth=Bearer ${secret}\x01\x01`), b64(`n,a=${user},\x01auth=Bearer ${secret}\x01\x01`)];
}

/** A PEM key is checked by its base64 body lines: any one of them in an output is a leak. */
const pemLines = (pem: string): string[] => pem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));

/** secretsOf: what the run held or saw that must never be shown. */
function secretsOf(server: MockServer): string[] {
  const o = server.oauth;
  if (!o) return [];
  return [...o.testSecrets.filter((s) => !s.includes('PRIVATE KEY')), ...o.endpoint.issued, ...o.endpoint.assertions];
}
function pemSecretsOf(server: MockServer): string[] {
  return (server.oauth?.testSecrets ?? []).filter((s) => s.includes('PRIVATE KEY')).flatMap(pemLines);
}

async function everyFormat(report: Report): Promise<string[]> {
  const texts: string[] = [JSON.stringify(report)];
  for (const f of OUTPUT_FORMATS) {
    const r = await loadRenderer(f);
    texts.push(r.one(report, { color: false, transcript: true }), r.one(report, { color: true, transcript: true }));
  }
  return texts;
}

function assertClean(texts: readonly string[], secrets: readonly string[], pem: readonly string[], user: string, where: string): void {
  const forbidden = [...secrets.flatMap((s) => forms(s, user)), ...pem];
  for (const [i, t] of texts.entries()) {
    for (const f of forbidden) expect(t.includes(f), `${where} #${i} contains a secret (${f.slice(0, 10)}…)`).toBe(false);
  }
}

const codesOf = (r: Report): string[] => [...new Set(r.findings.map((f) => f.code))].sort();

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(path.join(tmpdir(), 'smtprobe-oauth-rec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function probeScenario(scenario: Scenario): Promise<{ report: Report; secrets: string[]; pem: string[] }> {
  const server = await startMockServer(scenario, { pki });
  try {
    const report = await probe(await targetForScenario(scenario, server));
    return { report, secrets: secretsOf(server), pem: pemSecretsOf(server) };
  } finally {
    await server.close();
  }
}

/** The failing OAuth scenarios (and two good ones, whose tokens were really used), by failure code. */
const CASES: { scenario: string; code?: 'OAUTH_TOKEN_REQUEST_FAILED' | 'AUTH_TOKEN_REJECTED'; assertion?: boolean }[] = [
  { scenario: 'oauth-m365-good' },
  { scenario: 'oauth-gmail-good', assertion: true },
  { scenario: 'oauth-m365-certificate-good', assertion: true },
  { scenario: 'oauth-m365-certificate-not-registered', code: 'OAUTH_TOKEN_REQUEST_FAILED', assertion: true },
  { scenario: 'oauth-m365-invalid-client-secret', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
  { scenario: 'oauth-m365-unknown-tenant', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
  { scenario: 'oauth-m365-refresh-token-expired', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
  { scenario: 'oauth-gmail-no-delegation', code: 'OAUTH_TOKEN_REQUEST_FAILED', assertion: true },
  { scenario: 'oauth-m365-wrong-audience', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-m365-consent-missing', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-m365-smtp-auth-disabled', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-expired-token', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-gmail-wrong-scope', code: 'AUTH_TOKEN_REJECTED', assertion: true },
];

describe('OAuth: record → replay gives the same codes, and no secret in any output or recording', () => {
  for (const c of CASES) {
    it(c.scenario, async () => {
      const scenario = await findScenario(c.scenario);
      const first = await probeScenario(scenario);
      const user = scenario.probe.user ?? '';
      if (c.code) expect(codesOf(first.report)).toContain(c.code);
      else expect(first.report.verdict).toBe('ok');
      // The grep is only meaningful if the run really held secrets: a test secret, and a token or assertion where one was made.
      expect(first.secrets.length + first.pem.length).toBeGreaterThan(0);
      if (c.code !== 'OAUTH_TOKEN_REQUEST_FAILED') expect(first.secrets.some((s) => s.split('.').length === 3 || s.startsWith('ya29.'))).toBe(true);
      if (c.assertion) expect(first.pem.length).toBeGreaterThan(0);

      const recording = recordReport(first.report, { name: `recorded-${c.scenario}` });
      assertClean([...(await everyFormat(first.report)), recording.text], first.secrets, first.pem, user, c.scenario);
      // The recording's probe holds only the fixed replay test values, never the original scenario's.
      for (const s of [scenario.probe.oauthClientSecret, scenario.probe.oauthRefreshToken]) if (s) expect(recording.text).not.toContain(s);

      const replayed = parseScenario(recording.text, `recorded-${c.scenario}.yaml`);
      const second = await probeScenario(replayed);
      const ctx = `${c.scenario}\nfirst:  ${first.report.verdict} [${codesOf(first.report).join(', ')}]\nreplay: ${second.report.verdict} [${codesOf(second.report).join(', ')}]\n${recording.text}`;
      expect(codesOf(second.report), ctx).toEqual(codesOf(first.report));
      expect(second.report.verdict, ctx).toBe(first.report.verdict);
      // The replay's own secrets do not leak either.
      assertClean([...(await everyFormat(second.report))], second.secrets, second.pem, user, `${c.scenario} replay`);
    });
  }
});

interface Run { code: number; stdout: string; stderr: string }
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('OAuth through the CLI: check --json → record --from-report → mock <recording> → check', () => {
  beforeAll(() => {
    expect(existsSync(SMTPROBE_BIN), 'dist/ is built by `npm test` (npm run build)').toBe(true);
  });

  for (const c of [
    { scenario: 'oauth-m365-invalid-client-secret', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
    { scenario: 'oauth-gmail-wrong-scope', code: 'AUTH_TOKEN_REJECTED' },
    { scenario: 'oauth-m365-no-service-principal', code: 'AUTH_TOKEN_REJECTED' },
  ]) {
    it(c.scenario, async () => {
      const scenario = await findScenario(c.scenario);
      const server = await startMockServer(scenario, { pki });
      const user = scenario.probe.user ?? '';
      const base = ['check', '127.0.0.1', '--port', String(server.port), '--tls', 'starttls', '--tls-domain', scenario.probe.tlsDomain ?? '127.0.0.1', '--ca', server.caFile, '--user', user, '--no-icmp', ...oauthCheckArgs(server).flatMap((a) => a.split(' '))];
      const outputs: string[] = [];
      let json: Run;
      try {
        json = await cli([...base, '--json', '--transcript']);
        outputs.push(json.stdout, json.stderr);
        for (const f of OUTPUT_FORMATS) {
          const r = await cli([...base, '--format', f, '--transcript']);
          outputs.push(r.stdout, r.stderr);
        }
        // check --record writes the recording straight from the run.
        const direct = path.join(dir, `direct-${c.scenario}.yaml`);
        const r = await cli([...base, '--record', direct]);
        outputs.push(r.stdout, r.stderr, await readFile(direct, 'utf8'));
        expect(parseScenario(await readFile(direct, 'utf8'), direct).expect.codes).toContain(c.code);
      } finally {
        await server.close();
      }
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout).findings.map((f: { code: string }) => f.code)).toContain(c.code);
      const reportFile = path.join(dir, `${c.scenario}.json`);
      const recFile = path.join(dir, `rec-${c.scenario}.yaml`);
      await writeFile(reportFile, json.stdout);
      const rec = await cli(['record', '--from-report', reportFile, '-o', recFile]);
      expect(rec.code, rec.stderr).toBe(0);
      const recorded = await readFile(recFile, 'utf8');
      outputs.push(recorded, rec.stdout, rec.stderr);
      assertClean(outputs, secretsOf(server), pemSecretsOf(server), user, `${c.scenario} (CLI)`);

      // Replay the recording with the mock the user would run, and probe it with the line it prints.
      const child = spawn(process.execPath, [SMTPROBE_BIN, 'mock', recFile, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /probe it:\n {2}smtprobe check (.*)\n/.exec(out);
            if (m?.[1]) resolve(m[1]);
          });
          child.on('exit', (code) => reject(new Error(`mock exited ${code}`)));
        });
        const again = await cli(['check', ...line.split(' '), '--no-icmp', '--json']);
        expect(again.code).toBe(2);
        const codes = (JSON.parse(again.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
        expect([...new Set(codes)].sort()).toEqual([...new Set(JSON.parse(json.stdout).findings.map((f: { code: string }) => f.code))].sort());
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }, 120_000);
  }
});
