/**
 * The fleet against the real thing: Debian's Postfix with Cyrus SASL on loopback, driven through
 * the built executable as an SRE runs it.
 *
 * - 2,000 full probes (STARTTLS, certificate verified, AUTH PLAIN, ICMP ping on — the probes.yaml
 *   default) at concurrency 64: exactly one Report per target in ndjson and json, the exit code
 *   the worst verdict. A single missing Report fails the test.
 * - Lockout protection: a wrong password in a secret file, `run --every`: after authFailLimit
 *   rejections no further AUTH reaches Postfix (counted from Postfix's own log), the Reports say
 *   AUTH_SUSPENDED, and AUTH resumes — and succeeds — once the file holds the right password.
 *
 * Needs root (Postfix's master, raw ICMP sockets). CI runs as root and must run it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { VERDICT_EXIT_CODE, type Report } from '../../src/model/report.js';
import { worstVerdict } from '../../src/model/worst-verdict.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { isRoot, startPostfix, type PostfixInstance } from '../support/postfix.js';
import { POSTFIX, SASL2_BIN, skipWithoutPackages } from '../support/system-packages.js';
import { freePort } from '../support/wait-port.js';

const HOST = 'smarthost.test';
const USER = 'probe@smarthost.test';
const PASS = 'pf-Fleet-4711';
const N = 2000;

const noPackages = skipWithoutPackages('test/integration/fleet-postfix.test.ts (real Postfix, 2,000 probes, lockout)', [POSTFIX, SASL2_BIN]);
const ready = !noPackages && isRoot;
if (!noPackages && !isRoot) {
  const why = 'not root (Postfix master and raw ICMP sockets need root)';
  if (process.env.CI) throw new Error(`fleet Postfix tests cannot run in CI: ${why}`);
  console.warn(`skipping fleet Postfix tests: ${why}`);
}


function smtprobe(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env, timeout: 300_000, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let postfix: PostfixInstance | undefined;
let port: number;
let dir: string;

beforeAll(async () => {
  if (!ready) return;
  const pki = await createTestPki();
  const leaf = await pki.issue('valid', { hostnames: [HOST] });
  port = await freePort();
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-fleet-postfix-'));
  writeFileSync(path.join(dir, 'ca.pem'), pki.rootPem);
  postfix = await startPostfix({ hostname: HOST, certChainPem: leaf.chainPem, keyPem: leaf.keyPem, users: [{ user: USER, password: PASS }], services: [{ port }], saslApps: { smtpd: 'PLAIN LOGIN' }, processLimit: 100 });
}, 60_000);

afterAll(() => postfix?.stop(), 15_000);

describe.skipIf(!ready)('fleet against real Postfix', () => {
  it(`${N} full probes with ICMP on: exactly one Report per target in ndjson and json, exit code = worst verdict`, async () => {
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, [
      'defaults:',
      `  port: ${port}`,
      '  tls: starttls',
      `  tlsDomain: ${HOST}`,
      '  ca: ./ca.pem',
      `  user: ${USER}`,
      '  password: env:FLEET_PASS',
      'targets:',
      ...Array.from({ length: N }, (_, i) => `  - { name: t${i}, host: 127.0.0.1 }`),
      '',
    ].join('\n'));
    const env = { ...process.env, FLEET_PASS: PASS, NO_COLOR: '1' };
    const names = Array.from({ length: N }, (_, i) => `t${i}`).sort();

    const nd = await smtprobe(['run', file, '--concurrency', '64', '--per-host', '64', '--format', 'ndjson', '--no-progress'], env);
    expect(nd.stdout, `run --format ndjson printed nothing (exit ${nd.code}): ${nd.stderr}`).not.toBe('');
    const reports = nd.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
    expect(reports.map((r) => r.target.name).sort()).toEqual(names);
    // Every dialogue succeeded; ICMP really ran (root) and sent its three echoes in every probe.
    // An echo the loaded machine could not answer in time is accounted as loss (a warning at
    // worst), never as a probe left waiting.
    expect(reports.filter((r) => r.verdict !== 'ok' && r.verdict !== 'warning').map((r) => `${r.target.name}: ${r.findings.map((f) => f.code).join(',')}`)).toEqual([]);
    expect(reports.filter((r) => (r.steps.find((s) => s.step === 'icmp')?.data as { sent?: number } | undefined)?.sent !== 3)).toHaveLength(0);
    expect(reports.every((r) => r.steps.find((s) => s.step === 'auth')?.status === 'pass')).toBe(true);
    expect(nd.code).toBe(VERDICT_EXIT_CODE[worstVerdict(reports.map((r) => r.verdict))]);

    const js = await smtprobe(['run', file, '--concurrency', '64', '--per-host', '64', '--format', 'json', '--no-progress'], env);
    expect(js.stdout, `run --format json printed nothing (exit ${js.code}): ${js.stderr}`).not.toBe('');
    const doc = JSON.parse(js.stdout) as { reports: Report[]; notRun: string[] };
    expect(doc.reports.map((r) => r.target.name).sort()).toEqual(names);
    expect(doc.notRun).toEqual([]);
    expect(js.code).toBe(VERDICT_EXIT_CODE[worstVerdict(doc.reports.map((r) => r.verdict))]);
  }, 300_000);

  it('lockout protection: after authFailLimit rejections no AUTH reaches Postfix; a changed secret file resumes AUTH', async () => {
    const secret = path.join(dir, 'relay.pass');
    writeFileSync(secret, 'wrong-password\n');
    const file = path.join(dir, 'lockout.yaml');
    writeFileSync(file, [
      'defaults:',
      `  port: ${port}`,
      '  tls: starttls',
      `  tlsDomain: ${HOST}`,
      '  ca: ./ca.pem',
      '  icmp: false',
      'targets:',
      `  - { name: relay, host: 127.0.0.1, user: ${USER}, passwordFile: ./relay.pass, authFailLimit: 3 }`,
      '',
    ].join('\n'));
    const log = path.join(postfix!.dir, 'maillog');
    /** Postfix's own account of AUTH: its disconnect line counts AUTH commands (auth=1 ok, auth=0/1 failed). */
    const authSeen = (): { failed: number; ok: number } => {
      const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('disconnect from') && l.includes(' auth='));
      return { failed: lines.filter((l) => / auth=0\/1/.test(l)).length, ok: lines.filter((l) => / auth=1 /.test(l)).length };
    };
    const before = authSeen();
    const child = spawn(process.execPath, [SMTPROBE_BIN, 'run', file, '--every', '1s', '--jitter', '0', '--format', 'ndjson'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const reports: Report[] = [];
    let buf = '';
    const waiters: { n: number; resolve: () => void }[] = [];
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        reports.push(JSON.parse(buf.slice(0, i)) as Report);
        buf = buf.slice(i + 1);
      }
      for (const w of waiters.filter((x) => reports.length >= x.n)) w.resolve();
    });
    const reportsAtLeast = (n: number): Promise<void> => new Promise((resolve) => {
      if (reports.length >= n) resolve();
      else waiters.push({ n, resolve });
    });
    try {
      await reportsAtLeast(6);
      const codes = reports.slice(0, 6).map((r) => r.steps.find((s) => s.step === 'auth')?.error?.code);
      expect(codes).toEqual(['AUTH_CREDENTIALS_REJECTED', 'AUTH_CREDENTIALS_REJECTED', 'AUTH_CREDENTIALS_REJECTED', 'AUTH_SUSPENDED', 'AUTH_SUSPENDED', 'AUTH_SUSPENDED']);
      const suspended = reports[3]!.findings.find((f) => f.code === 'AUTH_SUSPENDED');
      expect(suspended?.severity).toBe('critical');
      expect(suspended?.evidence.filter((e) => e.includes('535'))).toHaveLength(3);
      expect(reports[3]!.verdict).toBe('critical');
      // Postfix saw exactly three failed AUTHs, though six rounds ran (the last three still connected: TCP, TLS, EHLO).
      await waitFor(() => authSeen().failed - before.failed >= 3);
      expect(authSeen().failed - before.failed).toBe(3);

      writeFileSync(secret, `${PASS}\n`);
      const from = reports.length;
      await reportsAtLeast(from + 2);
      const resumed = reports.slice(from).find((r) => r.steps.find((s) => s.step === 'auth')?.status === 'pass');
      expect(resumed).toBeDefined();
      await waitFor(() => authSeen().ok - before.ok >= 1);
      expect(authSeen().failed - before.failed).toBe(3);
      // The secret never reaches the output.
      expect(JSON.stringify(reports)).not.toContain(PASS);
      expect(JSON.stringify(reports)).not.toContain('wrong-password');
    } finally {
      child.kill('SIGINT');
    }
  }, 120_000);
});

/** waitFor: polls a condition about an external log (Postfix writes it asynchronously). */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
}
