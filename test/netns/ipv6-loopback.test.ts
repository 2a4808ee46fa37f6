import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import type { IcmpData, PathData } from '../../src/model/step-data.js';
import { openNetPingPinger } from '../../src/probe/path/net-ping-pinger.js';
import { buildRunner } from './build-runner.js';

/**
 * `smtprobe check` and `smtprobe path` over IPv6 to ::1, as the CLI runs them: the ICMP step
 * and the path step on raw ICMPv6 sockets, and each process exiting by itself afterwards (an
 * ICMPv6 socket left open would keep it running until the spawn timeout). Needs CAP_NET_RAW
 * (root); in CI a missing capability fails.
 */
const probe = openNetPingPinger(6);
if (probe.ok) probe.pinger.close();
const inCi = Boolean(process.env.CI);
if (!probe.ok && !inCi) console.warn(`test/netns/ipv6-loopback.test.ts skipped: ${probe.message}`);

describe.skipIf(!probe.ok && !inCi)('check and path over IPv6 on ::1', () => {
  let cli = '';
  let cleanup: () => void = () => undefined;
  let mock: ChildProcess | undefined;
  let port = '';
  let caFile = '';

  beforeAll(async () => {
    expect(probe.ok, probe.ok ? '' : probe.message).toBe(true);
    const built = buildRunner();
    cli = built.cli;
    cleanup = built.cleanup;
    mock = spawn(process.execPath, [cli, 'mock', 'good-starttls', '--listen', '::1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    [port, caFile] = await new Promise<[string, string]>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`mock did not start: ${out}`)), 30_000);
      mock?.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const listening = /^listening\s+::1:(\d+)/m.exec(out);
        const ca = /^CA file\s+(\S+)$/m.exec(out);
        if (listening && ca && out.includes('probe it:')) {
          clearTimeout(timer);
          resolve([listening[1] as string, ca[1] as string]);
        }
      });
      mock?.on('exit', (code) => reject(new Error(`mock exited (${code}): ${out}`)));
    });
  });

  afterAll(() => {
    if (mock?.pid !== undefined && mock.exitCode === null) mock.kill('SIGTERM');
    cleanup();
  });

  function smtprobe(args: string[]): { exit: number | null; report: Report; stderr: string } {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MOCK_PASSWORD: 'mock-pass-1' } });
    expect(r.error, `smtprobe ${args[0]} did not exit by itself: ${r.stderr}`).toBeUndefined();
    if (!r.stdout) throw new Error(`smtprobe ${args[0]} printed nothing (exit ${r.status}): ${r.stderr}`);
    return { exit: r.status, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  }

  it('check [::1]: the ICMP step pings ::1 over the raw ICMPv6 socket, the path step finds ::1 as the one hop', () => {
    const { exit, report } = smtprobe([
      'check', '::1', '--port', port, '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', caFile,
      '--user', 'probe@smarthost.test', '--password-env', 'MOCK_PASSWORD', '--path', '--path-count', '5', '--json',
    ]);
    const step = (name: string) => report.steps.find((s) => s.step === name);
    const icmp = step('icmp');
    expect(icmp?.status, JSON.stringify(icmp)).toBe('pass');
    expect(icmp?.data as IcmpData).toMatchObject({ address: '::1', family: 6, backend: 'raw-socket', lossPct: 0 });
    expect((icmp?.data as IcmpData).received).toBe((icmp?.data as IcmpData).sent);
    const path = step('path');
    expect(path?.status, JSON.stringify(path)).toBe('pass');
    const data = path?.data as PathData;
    expect(data.family).toBe(6);
    expect(data.hops.map((h) => [h.address, h.destination, h.received])).toEqual([['::1', true, 5]]);
    expect(step('auth')?.status).toBe('pass');
    expect(report.verdict).toBe('ok');
    expect(exit).toBe(0);
  });

  it('path ::1: one hop, the destination, every sample answered', () => {
    const { exit, report } = smtprobe(['path', '::1', '-n', '--json', '--count', '10', '--interval', '10']);
    const data = report.steps.find((s) => s.step === 'path')?.data as PathData;
    expect(data.family).toBe(6);
    expect(data.reached).toBe(true);
    expect(report.hops?.map((h) => [h.ttl, h.address, h.sent, h.received, h.lossPct])).toEqual([[1, '::1', 10, 10, 0]]);
    expect(report.verdict).toBe('ok');
    expect(exit).toBe(0);
  });
});
