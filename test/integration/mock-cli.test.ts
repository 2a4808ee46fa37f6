/**
 * `smtprobe mock` as a user runs it: the built binary (npm test builds dist/ first).
 * Lists, refuses a bad scenario with one line and exit 2, serves a scenario, logs sessions
 * to stderr, and stops with exit 0 on SIGTERM and SIGINT.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from './mock-fixtures/line-client.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = SMTPROBE_BIN;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Starts `smtprobe mock NAME --port 0`, waits for its banner, probes it, stops it with `signal`. */
async function serveAndStop(name: string, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string; greeting: number }> {
  const child = spawn(process.execPath, [bin, 'mock', name, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('Ctrl-C')) resolve();
    });
    child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
  });
  const port = Number(/listening\s+127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
  const c = await LineClient.connect(port);
  const greeting = (await c.read()).code;
  c.close();
  child.kill(signal);
  return { code: await exited, stdout, stderr, greeting };
}

beforeAll(() => {
  expect(existsSync(bin), 'dist/ is built by `npm test` (npm run build)').toBe(true);
});

describe('smtprobe mock', () => {
  it('--list prints every bundled scenario with its description', async () => {
    const r = await run(['mock', '--list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(40);
    expect(lines.some((l) => /^good-starttls\s+A healthy smart host/.test(l))).toBe(true);
  });

  it('an unknown scenario name is one line on stderr and exit 3', async () => {
    const r = await run(['mock', 'no-such-scenario']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^smtprobe: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no-such-scenario: \(name\): no bundled scenario/);
  });

  it('an invalid scenario file is one line naming file and field, exit 3', async () => {
    const file = path.join(here, 'mock-fixtures/invalid-tls-mode.yaml');
    const r = await run(['mock', file]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file}: server.tls: `);
  });

  it('serves a scenario, prints how to probe it, logs sessions, stops on SIGTERM with exit 0', async () => {
    const r = await serveAndStop('good-starttls', 'SIGTERM');
    expect(r.greeting).toBe(220);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('credentials probe@smarthost.test / mock-pass-1');
    expect(r.stdout).toMatch(/CA file\s+\S+mock-root-ca\.pem/);
    expect(r.stdout).toMatch(/smtprobe check 127\.0\.0\.1 --port \d+ --tls starttls --tls-domain smarthost\.test --ca \S+/);
    expect(r.stderr).toMatch(/#1 \* connect from 127\.0\.0\.1/);
    expect(r.stderr).toContain('SIGTERM, stopping');
  });

  it('stops on SIGINT (Ctrl-C) with exit 0, also for a fault scenario', async () => {
    const r = await serveAndStop('close-after-banner', 'SIGINT');
    expect(r.greeting).toBe(220);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fault close-after-banner');
  });
});
