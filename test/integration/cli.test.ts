/**
 * The command line as a user runs it: the built `smtprobe` binary (npm test builds dist/ first)
 * against the mock smart host. Exit codes, one-line errors, JSON that parses.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { mockPool } from '../support/mock-pool.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = SMTPROBE_BIN;

interface Run { code: number; stdout: string; stderr: string }
function smtprobe(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const pool = mockPool();
const mock = (name: string): Promise<MockServer> => pool.start(name);

beforeAll(() => {
  expect(existsSync(bin), 'dist/ is built by `npm test` (npm run build)').toBe(true);
});

describe('smtprobe demo (npm start)', () => {
  it('probes the demo scenarios and every one gives what it promises', async () => {
    const r = await smtprobe(['demo']);
    const summary = r.stdout.slice(r.stdout.indexOf('Demo summary'));
    expect(summary).toMatch(/✓ good-starttls/);
    expect(summary).not.toContain('✗');
    expect(r.code).toBe(0);
  });
});

describe('smtprobe check', () => {
  it('exit 0 and a passing verdict against a healthy relay', async () => {
    const s = await mock('good-starttls');
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--user', 'probe@smarthost.test', '--password-env', 'PW', '--no-icmp'], { PW: 'mock-pass-1' });
    expect(r.stdout).toMatch(/^OK: /m);
    expect(r.code).toBe(0);
  });

  it('exit 2 with the finding code for rejected credentials, and JSON that parses', async () => {
    const s = await mock('bad-credentials');
    const r = await smtprobe(['check', s.host, '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--user', 'probe@smarthost.test', '--password-env', 'PW', '--no-icmp', '--json'], { PW: 'wrong-password' });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('critical');
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('AUTH_CREDENTIALS_REJECTED');
    expect(r.stdout).not.toContain('wrong-password');
  });

  it.each([
    [['check'], /host: is required/],
    [['check', 'h', '--port', 'x'], /port/],
    [['check', 'h', '--tls', 'maybe'], /tls/],
    [['check', 'h', '--user', 'u', '--password-env', 'SMTPROBE_UNSET_VAR'], /SMTPROBE_UNSET_VAR is not set/],
    [['check', 'h', '--ca', '/nonexistent.pem'], /cannot read/],
    [['frobnicate'], /unknown command/],
  ])('bad input %j: one clear line, exit 3, no stack trace', async (args, pattern) => {
    const r = await smtprobe(args as string[]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--connector probes a Send connector as Exchange would (LOGIN only, connector Fqdn in EHLO)', async () => {
    const s = await mock('plain-only');
    const file = path.join(root, 'fixtures/connectors/basicauth.names.json');
    const r = await smtprobe(['check', s.host, '--connector', file, '--name', 'Relay Basic', '--port', String(s.port), '--tls-domain', 'smarthost.test', '--ca', s.caFile, '--password-env', 'PW', '--no-icmp', '--json'], { PW: 'x' });
    const report = JSON.parse(r.stdout);
    expect(report.target.client).toBe('exchange');
    expect(report.target.ehlo).toBe('mail.contoso.com');
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('AUTH_NO_COMMON_MECHANISM');
    expect(r.code).toBe(2);
  });

  it('a refused connection is a critical finding, not a crash', async () => {
    const s = await mock('good-starttls');
    const port = s.port;
    await s.close();
    const r = await smtprobe(['check', '127.0.0.1', '--port', String(port), '--no-icmp', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)).toContain('TCP_REFUSED');
  });
});
