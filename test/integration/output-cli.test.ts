/**
 * `--output FILE` on `check` and `run`, as a timer unit uses it: the built binary writes the
 * rendered result to FILE (replacing the previous one whole), prints nothing on stdout, keeps
 * its exit code, and refuses an unwritable place with one line and exit 3 before probing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const env = { ...process.env, NO_COLOR: '1', GOOD_PASS: 'mock-pass-1', BAD_PASS: 'wrong-pass' };
let dir = '';
let outDir = '';
let config = '';
const servers: MockServer[] = [];

function smtprobe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const pki = await createTestPki();
  const good = await startMockServer(await findScenario('good-starttls'), { pki });
  const bad = await startMockServer(await findScenario('bad-credentials'), { pki });
  servers.push(good, bad);
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-output-'));
  outDir = path.join(dir, 'textfile');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(outDir);
  writeFileSync(path.join(dir, 'ca.pem'), pki.rootPem);
  config = path.join(dir, 'probes.yaml');
  writeFileSync(config, [
    'defaults: { tls: starttls, ca: ./ca.pem, tlsDomain: smarthost.test, user: probe@smarthost.test, icmp: false }',
    'targets:',
    `  - { name: good, host: 127.0.0.1, port: ${good.port}, password: env:GOOD_PASS }`,
    `  - { name: bad, host: 127.0.0.1, port: ${bad.port}, password: env:BAD_PASS }`,
    '',
  ].join('\n'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('--output FILE', () => {
  it('run --format prometheus --output replaces the textfile whole, prints nothing, keeps the exit code', async () => {
    const file = path.join(outDir, 'smtprobe.prom');
    writeFileSync(file, 'old contents\n');
    const r = await smtprobe(['run', config, '--format', 'prometheus', '--output', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('old contents');
    expect(text).toMatch(/^probe_success\{[^}]*target="good"[^}]*\} 1$/m);
    expect(text).toMatch(/^probe_success\{[^}]*target="bad"[^}]*\} 0$/m);
    expect(text.endsWith('\n')).toBe(true);
    expect(readdirSync(outDir)).toEqual(['smtprobe.prom']);
  });

  it('check --format json --output writes the Report to the file', async () => {
    const file = path.join(outDir, 'check.json');
    const r = await smtprobe(['check', '127.0.0.1', '--port', String(servers[0]!.port), '--tls-domain', 'smarthost.test', '--ca', path.join(dir, 'ca.pem'), '--no-icmp', '--auth', 'none', '--format', 'json', '--output', file]);
    expect(r.stdout).toBe('');
    const report = JSON.parse(readFileSync(file, 'utf8')) as { schema: number; target: { port: number } };
    expect(report.schema).toBe(1);
    expect(report.target.port).toBe(servers[0]!.port);
  });

  it('an unwritable place is one line and exit 3, before any probe', async () => {
    const r = await smtprobe(['run', config, '--format', 'prometheus', '--output', path.join(dir, 'missing', 'x.prom')]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^smtprobe: error: --output: cannot write in .*missing \(ENOENT\)/);
    const e = await smtprobe(['run', config, '--every', '60s', '--output', path.join(outDir, 'x')]);
    expect(e.code).toBe(3);
    expect(e.stderr).toMatch(/--output: .*not with --every/);
  });
});
