/**
 * `check --warn-ms/--crit-ms --format nagios` as a Nagios/Icinga service runs it: the built
 * binary against the good-starttls mock. A real probe (TCP, banner, EHLO, STARTTLS, TLS
 * handshake, AUTH) cannot finish within 1 ms and always within an hour, so the verdicts below
 * do not depend on how fast this machine is.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

let mock: MockServer;
let dir = '';
const env = { ...process.env, NO_COLOR: '1', GOOD_PASS: 'mock-pass-1' };

function check(extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['check', '127.0.0.1', '--port', String(mock.port), '--tls-domain', 'smarthost.test', '--ca', path.join(dir, 'ca.pem'), '--no-icmp',
    '--user', 'probe@smarthost.test', '--password-env', 'GOOD_PASS', '--format', 'nagios', ...extra];
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const pki = await createTestPki();
  mock = await startMockServer(await findScenario('good-starttls'), { pki });
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-thresholds-'));
  writeFileSync(path.join(dir, 'ca.pem'), pki.rootPem);
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('check --warn-ms / --crit-ms', () => {
  it('within the thresholds: OK, and the perfdata time carries them as ranges', async () => {
    const r = await check(['--warn-ms', '3599999', '--crit-ms', '3600000']);
    expect(r.stdout).toMatch(/^SMTP OK - /);
    expect(r.stdout).toMatch(/ \| time=\d+\.\d{3}s;3599\.999;3600\.000;0 /);
    expect(r.code).toBe(0);
  });

  it('above --warn-ms: WARNING PROBE_SLOW, exit 1; above --crit-ms: CRITICAL, exit 2', async () => {
    const w = await check(['--warn-ms', '1']);
    expect(w.stdout).toMatch(/^SMTP WARNING - .*PROBE_SLOW/);
    expect(w.code).toBe(1);
    const c = await check(['--warn-ms', '1', '--crit-ms', '1']);
    expect(c.stdout).toMatch(/^SMTP CRITICAL - .*PROBE_SLOW/);
    expect(c.code).toBe(2);
  });

  it('--warn-ms above --crit-ms is one line and exit 3', async () => {
    const r = await check(['--warn-ms', '500', '--crit-ms', '100']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('smtprobe: error: warnMs: 500 is above critMs 100\n');
  });
});
