/**
 * `smtprobe run` and `smtprobe serve` as users run them: the built binary, a probes.yaml
 * written for mock smart hosts on loopback, exit codes and outputs as monitoring systems read
 * them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { mockFleetYaml } from '../support/mock-pool.js';
import { freePort } from '../support/wait-port.js';

const bin = SMTPROBE_BIN;
const env = { ...process.env, NO_COLOR: '1', GOOD_PASS: 'mock-pass-1', BAD_PASS: 'wrong-pass' };

let dir: string;
let config: string;
const servers: MockServer[] = [];

function smtprobe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}


beforeAll(async () => {
  const pki = await createTestPki();
  const good = await startMockServer(await findScenario('good-starttls'), { pki });
  const bad = await startMockServer(await findScenario('bad-credentials'), { pki });
  servers.push(good, bad);
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-fleet-cli-'));
  writeFileSync(path.join(dir, 'ca.pem'), pki.rootPem);
  config = path.join(dir, 'probes.yaml');
  writeFileSync(config, mockFleetYaml([
    `  - { name: good, host: 127.0.0.1, port: ${good.port}, password: env:GOOD_PASS }`,
    `  - { name: bad, host: 127.0.0.1, port: ${bad.port}, password: env:BAD_PASS }`,
  ]));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('smtprobe run', () => {
  it('exit code is the worst verdict; the summary names each target', async () => {
    const r = await smtprobe(['run', config, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/good/);
    expect(r.stdout).toMatch(/AUTH_CREDENTIALS_REJECTED/);
  });

  it('--format ndjson: one Report per line, no secret', async () => {
    const r = await smtprobe(['run', config, '--format', 'ndjson', '--no-progress']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.target.name, l.verdict]).sort()).toEqual([['bad', 'critical'], ['good', 'ok']]);
    expect(r.stdout).not.toContain('mock-pass-1');
    expect(r.stdout).not.toContain('wrong-pass');
  });

  it('every format exits with the worst verdict: ndjson too (it keeps no Reports, only their verdicts)', async () => {
    for (const format of ['ndjson', 'json', 'nagios', 'prometheus', 'junit', 'human']) {
      const r = await smtprobe(['run', config, '--format', format, '--no-progress']);
      expect([format, r.code]).toEqual([format, 2]);
    }
  });

  it('--format nagios: a status line with perfdata, exit 2', async () => {
    const r = await smtprobe(['run', config, '--format', 'nagios', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')[0]).toMatch(/^SMTP CRITICAL - 2 targets/);
    expect(r.stdout).toContain('|');
  });

  it('a broken probes.yaml: one line naming file:line and the field, exit 3', async () => {
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'targets:\n  - name: x\n    host: 127.0.0.1\n    port: notaport\n');
    const r = await smtprobe(['run', broken]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/broken\.yaml:4/);
    expect(r.stderr).toMatch(/port/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('smtprobe serve', () => {
  let child: ChildProcess | undefined;
  let base = '';

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(process.execPath, [bin, 'serve', '--config', config, '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${base}/metrics`).then(() => true, () => false);
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('serve did not come up');
  });

  afterAll(async () => {
    if (!child) return;
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });

  it('/probe?target=good → probe_success 1; target=bad → 0 with the failed step and code', async () => {
    const good = await (await fetch(`${base}/probe?target=good`)).text();
    expect(good).toMatch(/^probe_success(\{[^}]*\})? 1$/m);
    const bad = await (await fetch(`${base}/probe?target=bad`)).text();
    expect(bad).toMatch(/^probe_success(\{[^}]*\})? 0$/m);
    expect(bad).toMatch(/probe_failed_step\{[^}]*code="AUTH_CREDENTIALS_REJECTED"[^}]*\} 1/);
    expect(bad).not.toContain('wrong-pass');
  });

  it('an unknown target is a 400, never a probe of an arbitrary host', async () => {
    const r = await fetch(`${base}/probe?target=203.0.113.9`);
    expect(r.status).toBe(400);
  });
});
