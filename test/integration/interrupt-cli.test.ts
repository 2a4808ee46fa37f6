/**
 * Ctrl-C as users press it: a real SIGINT (and SIGTERM) to the built executable while it probes
 * a server that never answers and one that answers slowly. Every command returns within a
 * second with what it found (partial Reports: the steps done, the interrupted step marked
 * PROBE_INTERRUPTED, verdict unknown) and exit code 3 (the second Ctrl-C: test/unit/run/interrupt.test.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const env = { ...process.env, NO_COLOR: '1', GOOD_PASS: 'mock-pass-1' };
let dir: string;
let caFile: string;
let silent: MockServer;
let slow: MockServer;
const servers: MockServer[] = [];

interface Ended { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; /** ms from the signal to the exit */ afterSignalMs: number }

/**
 * run starts smtprobe, lets it probe for `afterMs` (or, for a server, until it prints that it
 * listens), sends `signals` together, and reports how it ended. A SIGKILL guard keeps a hang
 * from hanging the suite.
 */
function run(args: string[], signals: NodeJS.Signals[], afterMs = 1500, whenStdout = false): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SMTPROBE_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), afterMs + 20_000);
    let sentAt = 0;
    const send = (): void => {
      sentAt = Date.now();
      for (const s of signals) child.kill(s);
    };
    // A server (mock) is signalled once it says it listens; a probe once it has been running a while.
    if (whenStdout) child.stdout.once('data', () => setTimeout(send, 200));
    else setTimeout(send, afterMs);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, afterSignalMs: Date.now() - sentAt });
    });
  });
}

beforeAll(async () => {
  const pki = await createTestPki();
  silent = await startMockServer(await findScenario('never-answer'), { pki });
  slow = await startMockServer(await findScenario('tarpit'), { pki });
  servers.push(silent, slow);
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-interrupt-'));
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pki.rootPem);
  writeFileSync(path.join(dir, 'probes.yaml'), [
    'defaults:',
    '  tls: starttls',
    '  ca: ./ca.pem',
    '  tlsDomain: smarthost.test',
    '  user: probe@smarthost.test',
    '  password: env:GOOD_PASS',
    '  icmp: false',
    '  timeout: 60',
    '  phaseTimeout: 30',
    'targets:',
    ...Array.from({ length: 4 }, (_, i) => `  - { name: silent-${i}, host: 127.0.0.1, port: ${silent.port} }`),
    ...Array.from({ length: 4 }, (_, i) => `  - { name: slow-${i}, host: 127.0.0.1, port: ${slow.port} }`),
    '',
  ].join('\n'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const checkArgs = (port: number): string[] => ['check', '127.0.0.1', '--port', String(port), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', caFile, '--user', 'probe@smarthost.test', '--password-env', 'GOOD_PASS', '--no-icmp', '--timeout', '60', '--phase-timeout', '30', '--json'];

describe('interrupting smtprobe', () => {
  it('check against a silent server: SIGINT ends it at once with a partial Report (banner interrupted, verdict unknown), exit 3', async () => {
    // 3 s in: the banner step is also asking the silent port what it speaks, on a second
    // connection, which must end with the probe (it kept the process alive 28 s once).
    const r = await run(checkArgs(silent.port), ['SIGINT'], 3000);
    expect(r.code).toBe(3);
    // The process is gone well inside the 30 s phase deadline: nothing it opened outlives the interrupt.
    expect(r.afterSignalMs).toBeLessThan(5000);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.verdict).toBe('unknown');
    expect(report.steps.find((s) => s.step === 'tcp')?.status).toBe('pass');
    expect(report.steps.find((s) => s.step === 'banner')?.error?.code).toBe('PROBE_INTERRUPTED');
    expect(report.steps.find((s) => s.step === 'quit')?.status).toBe('skip');
    expect(report.findings.map((f) => f.code)).toContain('PROBE_INTERRUPTED');
    expect(report.findings.map((f) => f.code)).not.toContain('BANNER_TIMEOUT');
    // Ended by the interrupt, long before the 30 s phase deadline would have.
    expect(report.steps.find((s) => s.step === 'banner')?.durationMs).toBeLessThan(30_000);
  });

  it('check against a slow (tarpit) server: SIGTERM does the same', async () => {
    const r = await run(checkArgs(slow.port), ['SIGTERM'], 3000);
    expect(r.code).toBe(3);
    expect(r.afterSignalMs).toBeLessThan(5000);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.verdict).toBe('unknown');
    expect(report.findings.map((f) => f.code)).toContain('PROBE_INTERRUPTED');
  });

  it('run --format json: prints a complete document with every target\'s partial Report, exit 3', async () => {
    const r = await run(['run', path.join(dir, 'probes.yaml'), '--format', 'json', '--per-host', '8', '--no-progress'], ['SIGINT'], 3000);
    expect(r.code).toBe(3);
    expect(r.afterSignalMs).toBeLessThan(5000);
    const doc = JSON.parse(r.stdout) as { reports: Report[]; notRun: string[] };
    expect(doc.reports.length + doc.notRun.length).toBe(8);
    expect(doc.reports.length).toBe(8);
    for (const rep of doc.reports) {
      expect(rep.verdict).toBe('unknown');
      expect(rep.findings.map((f) => f.code)).toContain('PROBE_INTERRUPTED');
    }
    expect(r.stderr).toContain('interrupted');
  });

  it('run --workers 2: SIGINT reaches the probes in the worker threads; every partial Report, exit 3, no thread left running', async () => {
    const r = await run(['run', path.join(dir, 'probes.yaml'), '--format', 'json', '--per-host', '8', '--workers', '2', '--no-progress'], ['SIGINT'], 3000);
    expect(r.code).toBe(3);
    // The process is gone within the interrupt's grace: no worker thread kept it alive.
    expect(r.afterSignalMs).toBeLessThan(5000);
    const doc = JSON.parse(r.stdout) as { reports: Report[]; notRun: string[] };
    expect(doc.reports.map((rep) => rep.target.name).sort()).toEqual([...Array.from({ length: 4 }, (_, i) => `silent-${i}`), ...Array.from({ length: 4 }, (_, i) => `slow-${i}`)].sort());
    for (const rep of doc.reports) {
      expect(rep.verdict).toBe('unknown');
      expect(rep.findings.map((f) => f.code)).toContain('PROBE_INTERRUPTED');
      expect(rep.findings.map((f) => f.code)).not.toContain('PROBE_INTERNAL_ERROR');
    }
  });

  it('run --format ndjson: streams the partial Reports, exit 3', async () => {
    const r = await run(['run', path.join(dir, 'probes.yaml'), '--format', 'ndjson', '--per-host', '8', '--no-progress'], ['SIGINT']);
    expect(r.code).toBe(3);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
    expect(lines).toHaveLength(8);
    expect(lines.every((l) => l.verdict === 'unknown')).toBe(true);
  });

  it('mock stops on SIGINT with exit 0', async () => {
    const r = await run(['mock', 'good-starttls', '--port', '0'], ['SIGINT'], 0, true);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SIGINT, stopping');
  });
});
