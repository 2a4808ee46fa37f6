import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import { buildRunner } from './build-runner.js';

/**
 * Without raw-socket privilege, `smtprobe path` must say so with the exact fix and exit
 * UNKNOWN (3), not crash or report a clean path. Runs as root minus CAP_NET_RAW (setpriv
 * --bounding-set, util-linux), so file access stays as it is. In CI a missing capability fails.
 */
const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const inCi = Boolean(process.env.CI);
const missing = !isRoot ? 'dropping privileges needs root' : !hasSetpriv ? 'setpriv (util-linux) is not installed' : undefined;
if (missing !== undefined && !inCi) console.warn(`test/netns/unprivileged.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined && !inCi)('smtprobe path without CAP_NET_RAW', () => {
  let runner: string;
  let cleanup: () => void = () => undefined;
  beforeAll(() => {
    const built = buildRunner();
    runner = built.runner;
    cleanup = built.cleanup;
  });
  afterAll(() => cleanup());

  it('reports ICMP_NOT_PERMITTED with the setcap fix and exits 3 (unknown)', () => {
    const r = spawnSync('setpriv', ['--bounding-set=-net_raw', '--inh-caps=-net_raw', process.execPath, runner, 'path', '127.0.0.1', '-n', '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(3);
    const report = JSON.parse(r.stdout) as Report;
    const step = report.steps.find((s) => s.step === 'path');
    expect(step?.status).toBe('warn');
    expect(step?.error?.code).toBe('ICMP_NOT_PERMITTED');
    expect(step?.error?.message).toContain('sudo setcap cap_net_raw+ep $(readlink -f $(which node))');
    expect(report.verdict).toBe('unknown');
    const finding = report.findings.find((f) => f.code === 'ICMP_NOT_PERMITTED');
    expect(finding?.fix.join(' ')).toContain('setcap cap_net_raw+ep');
  });

  it('over IPv6 too: the raw ICMPv6 socket is refused, ICMP_NOT_PERMITTED with the fix, exit 3', () => {
    const r = spawnSync('setpriv', ['--bounding-set=-net_raw', '--inh-caps=-net_raw', process.execPath, runner, 'path', '::1', '-n', '--json'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(3);
    const report = JSON.parse(r.stdout) as Report;
    const step = report.steps.find((s) => s.step === 'path');
    expect(step?.error?.code).toBe('ICMP_NOT_PERMITTED');
    expect(step?.error?.message).toMatch(/^raw ICMP socket not permitted \(.*\); .*sudo setcap cap_net_raw\+ep/);
    expect(report.verdict).toBe('unknown');
  });
});
