/**
 * The packed tarball installs where the raw-socket addon cannot be built (no compiler, no
 * Python, no make: a Windows server without Build Tools, a slim container), and the CLI works:
 * `check` pings with the system's ping and says so, `path` names what it needs in one line.
 *
 * The install is the real one: `npm pack` of this checkout (dist/ built by `npm test`), then
 * `npm ci --offline` of it in a fresh directory, with PATH holding only node and npm, so
 * node-gyp finds no toolchain. A lockfile written from this checkout's (test/support/
 * offline-lock.mjs) lets npm take every package from its cache, with no registry request.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPROBE_BIN } from '../support/bin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-install-'));
const app = path.join(work, 'app');
const binDir = path.join(work, 'bin');
const installed = path.join(app, 'node_modules/.bin/smtprobe');
let installLog = '';
let installCode: number | null = null;
let mock: ChildProcess | undefined;
let mockPort = 0;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The user's ordinary PATH (the system ping on it); only the install lacked a toolchain.
    execFile(process.execPath, [installed, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  expect(existsSync(SMTPROBE_BIN), 'dist/ is built by `npm test` (npm run build)').toBe(true);
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1) as string;
  mkdirSync(app);
  execFileSync(process.execPath, [path.join(root, 'test/support/offline-lock.mjs'), app, path.join(work, packed)]);
  // A PATH with node and npm and nothing else: no python3, make or C++ compiler for node-gyp.
  mkdirSync(binDir);
  symlinkSync(process.execPath, path.join(binDir, 'node'));
  symlinkSync(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()), path.join(binDir, 'npm'));
  const npm = spawn(path.join(binDir, 'npm'), ['ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=info'], {
    cwd: app,
    env: { ...process.env, PATH: binDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npm.stdout.on('data', (d: Buffer) => (installLog += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (installLog += d.toString()));
  installCode = await new Promise((resolve) => npm.once('close', (code) => resolve(code)));
  writeFileSync(path.join(work, 'install.log'), installLog);
}, 180_000);

afterAll(() => {
  mock?.kill();
  rmSync(work, { recursive: true, force: true });
});

describe('install of the packed tarball without a native toolchain', () => {
  it('succeeds, having tried and failed to build raw-socket, which it leaves out with net-ping', () => {
    expect(installCode, installLog.slice(-2000)).toBe(0);
    expect(installLog).toMatch(/raw-socket@[\d.]+ install/);
    expect(existsSync(path.join(app, 'node_modules/smtprobe/dist/bin/smtprobe.cjs'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules/raw-socket'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/net-ping'))).toBe(false);
  });

  it('check against the bundled mock works, and the ICMP step says it used the system ping', async () => {
    mock = spawn(process.execPath, [installed, 'mock', 'good-starttls', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let banner = '';
    await new Promise<void>((resolve, reject) => {
      mock!.stdout!.on('data', (d: Buffer) => {
        banner += d.toString();
        if (banner.includes('Ctrl-C')) resolve();
      });
      mock!.once('exit', () => reject(new Error(`mock exited early: ${banner}`)));
    });
    mockPort = Number(/listening\s+127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
    const ca = /--ca (\S+)/.exec(banner)?.[1] as string;
    const r = await run(['check', '127.0.0.1', '--port', String(mockPort), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', ca, '--json']);
    const report = JSON.parse(r.stdout) as { steps: { step: string; status: string; data?: Record<string, unknown> }[] };
    const step = (name: string) => report.steps.find((s) => s.step === name);
    expect(step('tls')?.status).toBe('pass');
    expect(step('icmp')?.status, JSON.stringify(step('icmp'))).toBe('pass');
    expect(step('icmp')?.data).toMatchObject({ backend: 'system-ping', sent: 3, received: 3 });
    expect(step('icmp')?.data?.fallbackReason).toMatch(/net-ping\) is not installed or does not load \(Cannot find module 'net-ping'/);
  });

  it('over IPv6 as well: check [::1] pings ::1 with the system ping', async () => {
    // Nothing listens on ::1 at the mock's port: TCP is refused, the ICMP step runs beside it.
    const r = await run(['check', '::1', '--port', String(mockPort), '--tls', 'starttls', '--json']);
    const report = JSON.parse(r.stdout) as { steps: { step: string; status: string; data?: Record<string, unknown> }[] };
    const icmp = report.steps.find((s) => s.step === 'icmp');
    expect(icmp?.status, JSON.stringify(icmp)).toBe('pass');
    expect(icmp?.data).toMatchObject({ address: '::1', family: 6, backend: 'system-ping', sent: 3, received: 3 });
    expect(icmp?.data?.fallbackReason).toMatch(/is not installed or does not load/);
  });

  it('path says in one line that it needs the raw-socket backend, exit 3', async () => {
    const r = await run(['path', '127.0.0.1', '--count', '1']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^smtprobe: path needs raw ICMP sockets, but the raw-socket ICMP backend \(net-ping\) is not installed or does not load .*reinstall smtprobe\n$/);
  });
});
