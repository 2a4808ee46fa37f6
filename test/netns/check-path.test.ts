import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import type { PathData } from '../../src/model/step-data.js';
import { buildRunner } from './build-runner.js';
import { buildChain, faults, netnsCapability, removeStaleNamespaces, type Chain } from './topology.js';

/**
 * `smtprobe check --path` against the mock smart host running inside the server namespace,
 * reached through three routers: the SMTP dialogue and the path analysis run side by side.
 * Root only; in CI a missing capability fails (see path.test.ts).
 */
const missing = netnsCapability();
const inCi = Boolean(process.env.CI);
if (missing !== undefined && !inCi) console.warn(`test/netns/check-path.test.ts skipped: ${missing}`);

const PORT = '2525';

describe.skipIf(missing !== undefined && !inCi)('smtprobe check --path through client-r1-r2-r3-server', () => {
  let chain: Chain;
  let cli: string;
  let cleanupBuild: () => void = () => undefined;
  let mock: ChildProcess | undefined;
  let caFile = '';

  beforeAll(async () => {
    removeStaleNamespaces();
    const built = buildRunner();
    cleanupBuild = built.cleanup;
    cli = built.cli;
    if (!existsSync(cli)) throw new Error(`the CLI did not compile to ${cli}`);
    chain = buildChain(3, 'check');
    mock = spawn('ip', ['netns', 'exec', chain.server, process.execPath, cli, 'mock', 'good-starttls', '--listen', chain.serverAddress, '--port', PORT, '-q'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The mock prints how to probe it once it listens; the CA file line is what we need.
    caFile = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`mock did not start: ${out}${err}`)), 30_000);
      mock?.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      mock?.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /^CA file\s+(\S+)$/m.exec(out);
        if (m && out.includes('probe it:')) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      mock?.on('exit', (code) => reject(new Error(`mock exited (${code}): ${out}${err}`)));
    });
  });

  afterAll(() => {
    if (mock?.pid !== undefined && mock.exitCode === null) mock.kill('SIGTERM');
    chain?.destroy();
    cleanupBuild();
  });

  beforeEach(() => chain.resetRules());

  function check(...extra: string[]): { exit: number | null; report: Report } {
    const args = [
      'check', chain.serverAddress, '--port', PORT, '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', caFile,
      '--user', 'probe@smarthost.test', '--password-env', 'MOCK_PASSWORD', '--path', '--path-count', '40', '--json', ...extra,
    ];
    const r = spawnSync('ip', ['netns', 'exec', chain.client, process.execPath, cli, ...args], {
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, MOCK_PASSWORD: 'mock-pass-1' },
    });
    if (!r.stdout) throw new Error(`check printed nothing (exit ${r.status}): ${r.stderr}`);
    return { exit: r.status, report: JSON.parse(r.stdout) as Report };
  }

  it('reaches the mock smart host through the routers, with the path measured beside the dialogue', () => {
    const { exit, report } = check();
    const step = (name: string) => report.steps.find((s) => s.step === name);
    expect(step('tcp')?.status).toBe('pass');
    expect(step('auth')?.status).toBe('pass');
    const path = step('path');
    expect(path?.status).toBe('pass');
    const data = path?.data as PathData;
    expect(data.hops.map((h) => h.address)).toEqual([chain.routerAddress(1), chain.routerAddress(2), chain.routerAddress(3), chain.serverAddress]);
    expect(data.hops.every((h) => h.received === 40)).toBe(true);
    // check --json carries hops[] at the top, the same shape as `smtprobe path --json`.
    expect(report.hops?.map((h) => h.ttl)).toEqual([1, 2, 3, 4]);
    expect(report.verdict).toBe('ok');
    expect(exit).toBe(0);
  });

  it('a silent blackhole at r2: TCP_TIMEOUT, and the path shows answers stop after r2', () => {
    faults.blackhole(chain, 2);
    const { exit, report } = check('--phase-timeout', '3', '--timeout', '20');
    const tcp = report.steps.find((s) => s.step === 'tcp');
    expect(tcp?.error?.code).toBe('TCP_TIMEOUT');
    const data = report.steps.find((s) => s.step === 'path')?.data as PathData;
    expect(data.hops.slice(0, 2).map((h) => h.address)).toEqual([chain.routerAddress(1), chain.routerAddress(2)]);
    expect(data.hops.slice(2).every((h) => h.address === null && h.received === 0)).toBe(true);
    expect(report.findings.map((f) => f.code)).toContain('TCP_TIMEOUT');
    expect(report.verdict).toBe('critical');
    expect(exit).toBe(2);
  });

  it('icmp-host-unreachable at r2: TCP and path both say HOST_UNREACHABLE, the path naming r2', () => {
    faults.rejectUnreachable(chain, 2);
    const { report } = check('--phase-timeout', '3', '--timeout', '20');
    expect(report.steps.find((s) => s.step === 'tcp')?.error?.code).toBe('HOST_UNREACHABLE');
    const path = report.steps.find((s) => s.step === 'path');
    expect(path?.error?.code).toBe('HOST_UNREACHABLE');
    expect((path?.data as PathData).unreachable?.address).toBe(chain.routerAddress(2));
    const finding = report.findings.find((f) => f.code === 'HOST_UNREACHABLE');
    expect(finding?.evidence.join('\n')).toContain(chain.routerAddress(2));
    expect(report.verdict).toBe('critical');
  });
});
