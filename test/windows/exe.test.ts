/**
 * smtprobe.exe, the Windows single executable (`npm run build:exe`): the pinned Windows Node
 * with the bundled CLI injected, started under Wine with no Node and no node_modules beside it
 * (a copy in an empty directory). `check` against a mock smart host on loopback, `explain` of an
 * event 2016 text. scripts/test-windows.sh builds it and sets SMTPROBE_EXE.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { cleanupWineOutput, runWin, winePath } from './wine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const connectors = path.join(root, 'fixtures/connectors');
let dir: string;
let exe: string;
let caFile: string;
const servers: MockServer[] = [];

beforeAll(async () => {
  const built = process.env.SMTPROBE_EXE ?? '';
  if (!built || !existsSync(built)) throw new Error('SMTPROBE_EXE must name smtprobe.exe: run this suite with scripts/test-windows.sh (npm run test:windows), which runs npm run build:exe');
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-exe-'));
  exe = path.join(dir, 'smtprobe.exe');
  copyFileSync(built, exe);
  const pki = await createTestPki();
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pki.rootPem);
  servers.push(await startMockServer(await findScenario('good-starttls'), { pki }), await startMockServer(await findScenario('bad-credentials'), { pki }));
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  cleanupWineOutput();
});

const checkArgs = (port: number): string[] => ['check', '127.0.0.1', '--port', String(port), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', winePath(caFile), '--user', 'probe@smarthost.test', '--password-env', 'PW', '--json'];

describe('smtprobe.exe under Wine, alone in a directory', () => {
  it('--version, with no experimental-feature warning on stderr', async () => {
    const r = await runWin(['--version'], { exe, cwd: dir });
    expect([r.code, r.stdout.trim(), r.stderr]).toEqual([0, '0.1.0', '']);
  });

  it('check against the mock: ok and exit 0; ICMP by Windows ping (no raw-socket module in the executable)', async () => {
    const r = await runWin(checkArgs(servers[0]!.port), { exe, cwd: dir, env: { PW: 'mock-pass-1' } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: string; steps: { step: string; status: string; data?: Record<string, unknown> }[] };
    expect(report.verdict).toBe('ok');
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(report.steps.find((s) => s.step === 'icmp')?.data).toMatchObject({ backend: 'system-ping', received: 3 });
    expect(r.stdout).not.toContain('mock-pass-1');
  });

  it('check against a mock that rejects the password: AUTH_CREDENTIALS_REJECTED, exit 2', async () => {
    const r = await runWin(checkArgs(servers[1]!.port), { exe, cwd: dir, env: { PW: 'wrong-pass' } });
    expect(r.code, r.stderr).toBe(2);
    expect((JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code)).toContain('AUTH_CREDENTIALS_REJECTED');
  });

  it('explain of an event 2016 text with a connector export: the same explanation as the npm package gives', async () => {
    const event = 'An authentication credential initialization error SEC_E_LOGON_DENIED occurred with Send connector Smarthost. The authentication mechanism used was Login. The name of the server that we were trying to authenticate to was SMTPSVC/smtp.office365.com. This server was using the name EXCH01.contoso.local.';
    const connector = path.join(connectors, 'basicauthrequiretls.names.json');
    const r = await runWin(['explain', event, '--connector', winePath(connector), '--json'], { exe, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const linux = await new Promise<string>((resolve) => execFile(process.execPath, [SMTPROBE_BIN, 'explain', event, '--connector', connector, '--json'], (_e, stdout) => resolve(stdout)));
    const codes = (s: string) => (JSON.parse(s) as { causes: { code: string }[] }).causes.map((c) => c.code);
    expect(codes(r.stdout)[0]).toBe('BASIC_CREDENTIAL_UNUSABLE');
    expect(codes(r.stdout)).toEqual(codes(linux));
  });

  it('path names what it needs in one line, exit 3', async () => {
    const r = await runWin(['path', '127.0.0.1'], { exe, cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^smtprobe: path needs raw ICMP sockets, but the raw-socket ICMP backend \(net-ping\) is not installed or does not load/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
