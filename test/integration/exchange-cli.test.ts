/**
 * `smtprobe explain` and `smtprobe import-connector` as a user runs them: the built binary
 * (npm test builds dist/ first). Input from an argument, a file and stdin; exit codes; JSON
 * that keeps the public contract `{ parameters, causes: [{ code, title, fix }] }`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = SMTPROBE_BIN;
const samples = path.join(root, 'test/samples');
const connectors = path.join(root, 'fixtures/connectors');

interface Run { code: number; stdout: string; stderr: string }
function smtprobe(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...opts.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(opts.stdin ?? '');
  });
}

let pki: TestPki;
let tmp: string;
const servers: MockServer[] = [];
beforeAll(async () => {
  expect(existsSync(bin), 'dist/ is built by `npm test` (npm run build)').toBe(true);
  pki = await createTestPki();
  tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-exchange-cli-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('smtprobe explain', () => {
  it('a file: human output, most likely cause first, exit 0', async () => {
    const r = await smtprobe(['explain', path.join(samples, 'exchange-smtpsend-auth-login-not-offered.log')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1\. RELAY_NO_AUTH_LOGIN/);
    expect(r.stdout).toMatch(/authAfterTls\s+AUTH PLAIN/);
  });

  it('stdin with --json: the public contract', async () => {
    const r = await smtprobe(['explain', '-', '--json'], { stdin: readFileSync(path.join(samples, 'queue-lasterror.txt'), 'utf8').split('\n').find((l) => l.startsWith('LastError')) });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { parameters: Record<string, unknown>; causes: { code: string; title: string; fix: string[] }[] };
    expect(j.parameters).toMatchObject({ proxied: true, fqdn: 'MAILSERVER.DOMAIN.LOCAL' });
    expect(j.causes[0]?.code).toBe('TLS_VERSION_MISMATCH');
    for (const c of j.causes) {
      expect(typeof c.title).toBe('string');
      expect(Array.isArray(c.fix) && c.fix.length > 0).toBe(true);
    }
  });

  it('the text as an argument, connector name for the PowerShell lines', async () => {
    const r = await smtprobe(['explain', '451 5.7.3 Require STARTTLS to do basic authentication', '--json', '--connector-name', 'Relay']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { causes: { code: string; exchange?: { command: string } }[] };
    expect(j.causes[0]).toMatchObject({ code: 'STARTTLS_HIDDEN', exchange: { command: 'Set-SendConnector "Relay" -Port 587' } });
  });

  it('event 2016 (Login) with --connector and no --probe: Basic-auth causes only, the ruled-out one listed, %5 not run on', async () => {
    const event = 'An authentication credential initialization error SEC_E_LOGON_DENIED occurred with Send connector Smarthost. The authentication mechanism used was Login. The name of the server that we were trying to authenticate to was SMTPSVC/smtp.office365.com. This server was using the name EXCH01.contoso.local. Try reentering the credential. If the problem persists, contact Microsoft Support Services.';
    const connector = path.join(connectors, 'basicauthrequiretls.names.json');
    const r = await smtprobe(['explain', event, '--connector', connector]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1\. BASIC_CREDENTIAL_UNUSABLE/);
    expect(r.stdout).toMatch(/user\s+EXCH01\.contoso\.local\n/);
    expect(r.stdout).not.toMatch(/KERBEROS|EXCHANGE_AUTH_TO_NON_EXCHANGE|setspn/);
    expect(r.stdout).toMatch(/Left out: the connector's settings contradict them\n\s+AUTH_ONLY_AFTER_TLS_NOT_USED/);
    const j = JSON.parse((await smtprobe(['explain', event, '--connector', connector, '--json'])).stdout) as { excluded: { code: string }[]; parameters: Record<string, unknown> };
    expect(j.excluded.map((x) => x.code)).toEqual(['AUTH_ONLY_AFTER_TLS_NOT_USED']);
    expect(j.parameters).toMatchObject({ user: 'EXCH01.contoso.local', SmartHostAuthMechanism: 'BasicAuthRequireTLS' });
  });

  it('unrecognised input: one line on stderr, exit 3', async () => {
    const r = await smtprobe(['explain', 'this is not an event']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^smtprobe: error: input: not recognised/);
  });

  it('--probe against the mock: the cause is confirmed and the exit code is the probe verdict', async () => {
    const s = await startMockServer(await findScenario('exchange-plain-only'), { pki });
    servers.push(s);
    const r = await smtprobe([
      'explain', path.join(samples, 'exchange-smtpsend-auth-login-not-offered.log'), '--json', '--probe',
      '--host', s.host, '--port', String(s.port), '--ca', s.caFile, '--tls-domain', 'smarthost.test',
      '--user', 'probe@smarthost.test', '--password-env', 'PW',
    ], { env: { PW: 'mock-pass-1' } });
    const j = JSON.parse(r.stdout) as { causes: { code: string; probe: { verdict: string } }[]; probe: { verdict: string; target: { ehlo: string; client: string } } };
    expect(j.causes[0]).toMatchObject({ code: 'RELAY_NO_AUTH_LOGIN', probe: { verdict: 'confirmed' } });
    expect(j.probe).toMatchObject({ verdict: 'critical', target: { ehlo: 'exchange.example.net', client: 'exchange' } });
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('mock-pass-1');
  });
});

describe('smtprobe import-connector', () => {
  it('prints probes.yaml; every target is an Exchange-profile target with a password reference', async () => {
    const r = await smtprobe(['import-connector', path.join(connectors, 'fleet.json')]);
    expect(r.code, r.stderr).toBe(0);
    const y = parse(r.stdout) as { modules: Record<string, Record<string, unknown>>; targets: Record<string, unknown>[] };
    expect(y.targets.map((t) => t.name)).toEqual(['Relay-to-M365', 'Backup-relays-relay1.example.net', 'Backup-relays-relay2.example.net']);
    for (const t of y.targets) expect(y.modules[String(t.module)]).toMatchObject({ client: 'exchange', auth: 'LOGIN' });
    expect(r.stdout).toMatch(/Skipped connector "Internet"/);
  });

  it('-o FILE with --name writes one connector', async () => {
    const out = path.join(tmp, 'probes.yaml');
    const r = await smtprobe(['import-connector', path.join(connectors, 'basicauthrequiretls.numbers.json'), '-o', out, '--name', 'relay']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote 1 target/);
    const y = parse(readFileSync(out, 'utf8')) as { targets: Record<string, unknown>[] };
    expect(y.targets[0]).toMatchObject({ name: 'Relay', host: 'smtp.example.net', port: 587, user: 'relay@contoso.com', password: 'env:SMTP_PASS_RELAY' });
  });

  it('an unknown connector name is exit 3 naming the connectors', async () => {
    const r = await smtprobe(['import-connector', path.join(connectors, 'fleet.json'), '--name', 'Nope']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no connector named "Nope" \(connectors: "Relay to M365", "Internet", "Backup relays"\)/);
  });
});
