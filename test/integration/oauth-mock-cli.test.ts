/**
 * OAuth scenarios end to end, as a user runs them: `smtprobe mock <scenario>` starts the
 * scenario's token endpoint and SMTP side and prints a check line; `smtprobe check` with those
 * --oauth-* flags fetches a token from the mock endpoint (msal-node, google-auth-library or plain
 * RFC 6749), authenticates (XOAUTH2 or OAUTHBEARER), and must give the scenario's finding codes,
 * the named cause and the exit code of its verdict.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

interface Run { code: number; stdout: string; stderr: string }
function check(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** startMock runs `smtprobe mock NAME --port 0` and returns the process and the check line it prints. */
function startMock(name: string): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SMTPROBE_BIN, 'mock', name, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /probe it:\n {2}(.*)\n/.exec(out);
      if (m?.[1]) resolve({ child, line: m[1] });
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`mock ${name} exited ${code}: ${err}`)));
  });
}

/** parseLine splits "VAR='v' smtprobe check ARGS" into the environment and check's arguments. */
function parseLine(line: string): { env: Record<string, string>; args: string[] } {
  const env: Record<string, string> = {};
  const words = line.split(' ');
  while (/^[A-Z_]+='/.test(words[0] ?? '')) {
    const w = words.shift() ?? '';
    const i = w.indexOf('=');
    env[w.slice(0, i)] = w.slice(i + 2, -1);
  }
  expect(words.slice(0, 2)).toEqual(['smtprobe', 'check']);
  return { env, args: words.slice(2) };
}

const EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/** Each OAuth scenario, with the cause ("oauth cause: <id>") its finding must name. */
const CASES: { scenario: string; mechanism?: string; cause?: string; flags: RegExp }[] = [
  { scenario: 'oauth-m365-good', mechanism: 'XOAUTH2', flags: /--oauth-tenant contoso\.onmicrosoft\.com .*--oauth-client-secret-file / },
  { scenario: 'oauth-gmail-good', mechanism: 'XOAUTH2', flags: /--oauth-service-account \S+\.json/ },
  { scenario: 'oauth-gmail-oauthbearer', mechanism: 'OAUTHBEARER', flags: /--oauth-service-account / },
  { scenario: 'oauth-m365-invalid-client-secret', cause: 'invalid-client-secret', flags: /--oauth-client-id / },
  { scenario: 'oauth-m365-expired-client-secret', cause: 'expired-client-secret', flags: /--oauth-client-id / },
  { scenario: 'oauth-m365-unknown-tenant', cause: 'unknown-tenant', flags: /--oauth-tenant / },
  { scenario: 'oauth-m365-app-not-found', cause: 'app-not-found', flags: /--oauth-client-id / },
  { scenario: 'oauth-m365-invalid-scope', cause: 'invalid-scope', flags: /--oauth-scope https:\/\/outlook\.office365\.com\/SMTP\.Send/ },
  { scenario: 'oauth-m365-wrong-audience', cause: 'wrong-audience', flags: /--oauth-scope https:\/\/graph\.microsoft\.com\/\.default/ },
  { scenario: 'oauth-m365-consent-missing', cause: 'missing-smtp-sendasapp', flags: /--oauth-client-id / },
  { scenario: 'oauth-m365-no-service-principal', cause: 'exchange-app-access', flags: /--oauth-client-id / },
  { scenario: 'oauth-m365-smtp-auth-disabled', cause: 'smtp-auth-disabled-mailbox', flags: /--oauth-client-id / },
  { scenario: 'oauth-expired-token', cause: 'token-expired', flags: /--oauth-token-url https:\/\/127\.0\.0\.1:\d+\/token/ },
  { scenario: 'oauth-clock-skew', cause: 'clock-skew', flags: /--oauth-token-url / },
  { scenario: 'oauth-gmail-no-delegation', cause: 'google-domain-wide-delegation-missing', flags: /--oauth-service-account / },
  { scenario: 'oauth-gmail-unknown-user', cause: 'google-invalid-grant', flags: /--oauth-service-account / },
  { scenario: 'oauth-gmail-wrong-scope', cause: 'wrong-scope', flags: /--oauth-scope https:\/\/www\.googleapis\.com\/auth\/gmail\.send/ },
  { scenario: 'oauth-m365-delegated-good', mechanism: 'XOAUTH2', flags: /--oauth-refresh-token-file / },
  { scenario: 'oauth-m365-refresh-token-expired', cause: 'refresh-token-expired', flags: /--oauth-refresh-token-file / },
  { scenario: 'oauth-m365-delegated-consent-missing', cause: 'consent-missing', flags: /--oauth-refresh-token-file / },
  { scenario: 'oauth-m365-certificate-good', mechanism: 'XOAUTH2', flags: /--oauth-client-cert \S+ --oauth-client-key \S+/ },
  { scenario: 'oauth-m365-certificate-not-registered', cause: 'certificate-not-registered', flags: /--oauth-client-cert / },
  { scenario: 'oauth-m365-basic-auth', mechanism: 'LOGIN', flags: /--password-env MOCK_PASSWORD/ },
];

interface JsonReport {
  verdict: keyof typeof EXIT;
  findings: { code: string; evidence: string[]; fix?: string[] }[];
  steps: { step: string; status: string; data?: { mechanism?: string; attempted?: boolean } }[];
}

let mock: ChildProcess | undefined;
beforeAll(() => {
  expect(existsSync(SMTPROBE_BIN), 'dist/ is built by `npm test` (npm run build)').toBe(true);
});
afterEach(async () => {
  if (mock && mock.exitCode === null) {
    const exited = new Promise((resolve) => mock?.once('exit', resolve));
    mock.kill('SIGTERM');
    await exited;
  }
  mock = undefined;
});

describe('smtprobe check --oauth-* against smtprobe mock <oauth scenario>', () => {
  for (const c of CASES) {
    it(c.scenario, async () => {
      const scenario = await findScenario(c.scenario);
      const started = await startMock(c.scenario);
      mock = started.child;
      expect(started.line).toMatch(c.flags);
      const { env, args } = parseLine(started.line);
      const r = await check(['check', ...args, '--no-icmp', '--json'], env);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as JsonReport;
      const codes = report.findings.map((f) => f.code);
      const ctx = `${c.scenario}: ${report.verdict} [${codes.join(', ')}]`;
      for (const code of scenario.expect.codes) expect(codes, ctx).toContain(code);
      for (const code of scenario.expect.absent) expect(codes, ctx).not.toContain(code);
      expect(report.verdict, ctx).toBe(scenario.expect.verdict);
      expect(r.code, ctx).toBe(EXIT[scenario.expect.verdict]);
      const auth = report.steps.find((s) => s.step === 'auth');
      if (c.mechanism) expect(auth?.data, ctx).toMatchObject({ attempted: true, mechanism: c.mechanism });
      if (c.cause) {
        const finding = report.findings.find((f) => f.code === 'OAUTH_TOKEN_REQUEST_FAILED' || f.code === 'AUTH_TOKEN_REJECTED');
        expect(finding?.evidence, ctx).toContain(`oauth cause: ${c.cause}`);
        expect(finding?.fix?.length ?? 0, ctx).toBeGreaterThan(0);
      }
      // A failed token request never reaches AUTH.
      if (codes.includes('OAUTH_TOKEN_REQUEST_FAILED')) expect(auth?.data?.attempted).toBe(false);
    }, 60_000);
  }

  it('covers every bundled oauth-* scenario', async () => {
    const { listScenarios } = await import('../../src/mock/index.js');
    const names = (await listScenarios()).map((s) => s.name).filter((n) => n.startsWith('oauth-'));
    expect(names.sort()).toEqual(CASES.map((c) => c.scenario).sort());
  });
});
