/**
 * `run` against mock smart hosts on loopback: the minimal probes.yaml exactly as
 * written, and a few hundred probes at once with failing and silent hosts among them —
 * every Report present, no socket left open.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProbesFile, resolveAllTargets } from '../../src/config/probes-file.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { probe } from '../../src/check.js';
import { TrustStoreCache } from '../../src/probe/tls/trust-store.js';
import { runFleet } from '../../src/run/runner.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/probes');
const tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-fleet-'));
const servers: MockServer[] = [];
let pki: TestPki;

async function mock(scenario: string, host: string, port = 0): Promise<MockServer> {
  const s = await startMockServer(await findScenario(scenario), { pki, host, port });
  servers.push(s);
  return s;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** waitForFds polls (bounded) until the process has no more descriptors than `baseline`. */
async function waitForFds(baseline: number): Promise<number> {
  let n = openFds();
  for (let i = 0; i < 100 && n > baseline; i++) {
    await new Promise((r) => setTimeout(r, 50));
    n = openFds();
  }
  return n;
}

beforeAll(async () => {
  pki = await createTestPki();
  writeFileSync(path.join(tmp, 'ca.pem'), pki.rootPem);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('run probes.yaml against mock smart hosts', () => {
  it("the issue's minimal probes.yaml works exactly as written", async () => {
    const server = await mock('good-starttls', '127.0.0.1', 2525);
    writeFileSync(path.join(tmp, 'ca.pem'), server.caPem);
    writeFileSync(path.join(tmp, 'probes.yaml'), readFileSync(path.join(fixtures, 'minimal.yaml')));
    const config = await loadProbesFile(path.join(tmp, 'probes.yaml'));
    const targets = await resolveAllTargets(config, { SMTP_PASS: 'mock-pass-1' });
    const { reports } = await runFleet(targets, { probe: (t, o) => probe(t, o) });
    const r = reports[0]!;
    const why = `${r.verdict} ${r.findings.map((f) => f.code).join(',')}`;
    expect(['ok', 'warning'], why).toContain(r.verdict);
    expect(r.summary.failedStep, why).toBeUndefined();
    expect(r.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(r.steps.find((s) => s.step === 'tls')?.status).toBe('pass');
  });

  it('300 probes: every Report present, failing and silent hosts do not stall the rest, descriptors back to baseline', async () => {
    const good = await Promise.all(['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'].map((h) => mock('good-starttls', h)));
    const bad = await mock('bad-credentials', '127.0.0.15');
    const silent = await mock('never-answer', '127.0.0.16');
    writeFileSync(path.join(tmp, 'ca.pem'), bad.caPem);
    const lines = ['defaults:', '  ca: ./ca.pem', '  tls: starttls', '  tlsDomain: smarthost.test', '  icmp: false', '  user: probe@smarthost.test', '  password: env:MOCK_PASS', 'targets:'];
    const expected = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      const kind = i % 30 === 0 ? 'silent' : i % 6 === 0 ? 'bad' : 'good';
      const server = kind === 'silent' ? silent : kind === 'bad' ? bad : good[i % good.length]!;
      lines.push(`  - name: ${kind}-${i}`, `    host: ${server.host}`, `    port: ${server.port}`);
      if (kind === 'silent') lines.push('    timeout: 1', '    phaseTimeout: 1');
      // bad-credentials checks the password and this one is wrong (the target's own secret wins over the default).
      if (kind === 'bad') lines.push('    password: env:WRONG_PASS');
      expected.set(`${kind}-${i}`, kind);
    }
    writeFileSync(path.join(tmp, 'fleet.yaml'), `${lines.join('\n')}\n`);
    const config = await loadProbesFile(path.join(tmp, 'fleet.yaml'));
    const targets = await resolveAllTargets(config, { MOCK_PASS: 'mock-pass-1', WRONG_PASS: 'not-the-password' });

    // Warm up (TLS contexts, resolver) so the baseline counts only long-lived descriptors.
    await probe(targets.find((t) => t.name.startsWith('good'))!);
    const baseline = await waitForFds(openFds());
    const streamed: string[] = [];
    const trustStores = new TrustStoreCache();
    const result = await runFleet(targets, { probe: (t, o) => probe(t, { signal: o.signal, trustStores }), concurrency: 64, perHost: 16, onReport: (r) => streamed.push(r.target.name) });

    expect(result.notRun).toEqual([]);
    expect(result.reports.every((r) => r !== undefined)).toBe(true);
    expect(new Set(streamed).size).toBe(300);
    for (const r of result.reports) {
      const kind = expected.get(r!.target.name);
      const why = `${r!.target.name}: ${r!.verdict} ${r!.findings.map((f) => f.code).join(',')}`;
      if (kind === 'good') expect(['ok', 'warning'], why).toContain(r!.verdict);
      if (kind === 'bad') expect(r!.findings.map((f) => f.code), why).toContain('AUTH_CREDENTIALS_REJECTED');
      if (kind === 'silent') expect(r!.findings.map((f) => f.code), why).toContain('BANNER_TIMEOUT');
    }
    // The silent host's probes were the slowest, yet every healthy probe finished: the silent
    // host held only its own per-host slots.
    const silentDone = streamed.map((n, i) => (n.startsWith('silent') ? i : -1)).filter((i) => i >= 0);
    expect(silentDone.length).toBe(10);
    expect(await waitForFds(baseline)).toBeLessThanOrEqual(baseline);
    // The mocks see our closes a moment later (a loaded machine): bounded wait, then assert.
    const open = (): number => good.reduce((n, s) => n + s.openConnections(), 0) + bad.openConnections() + silent.openConnections();
    for (let i = 0; i < 50 && open() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(open()).toBe(0);
  }, 120_000);
});
