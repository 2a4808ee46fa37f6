import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import type { IcmpData, PathData } from '../../src/model/step-data.js';
import { buildRunner } from './build-runner.js';
import { buildChain, netnsCapability, removeStaleNamespaces, type Chain } from './topology.js';

/**
 * `check --source-address` through client-r1-server: the client namespace has a second
 * address on its link (10.213.0.3, fd00:213::3 — the latter deprecated, so the kernel never
 * picks it on its own), and the server answers echo requests only from that second address.
 * So the ping and the path reach the server only when every request really leaves from the
 * asked address; without the binding they would leave from 10.213.0.1 / fd00:213::1 and go
 * unanswered. The server also counts what arrived from each source (iptables counters).
 * Root only; in CI a missing capability fails (see path.test.ts).
 */
const missing = netnsCapability();
const inCi = Boolean(process.env.CI);
if (missing !== undefined && !inCi) console.warn(`test/netns/source-address.test.ts skipped: ${missing}`);

/** The system-ping case runs smtprobe as nobody with setpriv (util-linux): node may not open a raw socket, the system ping (setcap or setuid) may. */
const noSetpriv = spawnSync('setpriv', ['--version']).status !== 0;
if (noSetpriv && missing === undefined && !inCi) console.warn('test/netns/source-address.test.ts: the system-ping case skipped: setpriv (util-linux) is not installed');

const SECOND4 = '10.213.0.3';
const SECOND6 = 'fd00:213::3';
/** An address on the client's subnet that no namespace has. */
const ABSENT4 = '10.213.0.9';

describe.skipIf(missing !== undefined && !inCi)('ICMP and the path analysis leave from --source-address', () => {
  let chain: Chain;
  let cli: string;
  let runner: string;
  let cleanupBuild: () => void = () => undefined;

  beforeAll(() => {
    removeStaleNamespaces();
    const built = buildRunner();
    cleanupBuild = built.cleanup;
    cli = built.cli;
    runner = built.runner;
    if (!existsSync(cli)) throw new Error(`the CLI did not compile to ${cli}`);
    chain = buildChain(1, 'src');
    chain.exec(chain.client, ['ip', 'addr', 'add', `${SECOND4}/24`, 'dev', 'right']);
    chain.exec(chain.client, ['ip', '-6', 'addr', 'add', `${SECOND6}/64`, 'dev', 'right', 'nodad', 'preferred_lft', '0']);
  });

  afterAll(() => {
    chain?.destroy();
    cleanupBuild();
  });

  beforeEach(() => {
    for (const cmd of ['iptables', 'ip6tables']) chain.exec(chain.server, [cmd, '-F']);
    // Counting rules first (no target: they only count), then the filter.
    for (const src of [chain.clientAddress, SECOND4, ABSENT4]) chain.exec(chain.server, ['iptables', '-A', 'INPUT', '-p', 'icmp', '--icmp-type', 'echo-request', '-s', src]);
    chain.exec(chain.server, ['iptables', '-A', 'INPUT', '-p', 'icmp', '--icmp-type', 'echo-request', '!', '-s', SECOND4, '-j', 'DROP']);
    for (const src of ['fd00:213::1', SECOND6]) chain.exec(chain.server, ['ip6tables', '-A', 'INPUT', '-p', 'ipv6-icmp', '--icmpv6-type', 'echo-request', '-s', src]);
    chain.exec(chain.server, ['ip6tables', '-A', 'INPUT', '-p', 'ipv6-icmp', '--icmpv6-type', 'echo-request', '!', '-s', SECOND6, '-j', 'DROP']);
  });

  /** Echo requests the server saw from `source` (its counting rule's packet count). */
  function arrivedFrom(source: string): number {
    const cmd = source.includes(':') ? 'ip6tables' : 'iptables';
    const listing = chain.exec(chain.server, [cmd, '-L', 'INPUT', '-v', '-x', '-n']);
    const line = listing.split('\n').find((l) => l.includes(source) && !l.includes('DROP') && !l.includes('!'));
    if (line === undefined) throw new Error(`no counting rule for ${source}:\n${listing}`);
    return Number(line.trim().split(/\s+/)[0]);
  }

  function check(host: string, ...extra: string[]): Report {
    return checkAs([], host, '--path', '--path-count', '5', ...extra);
  }

  /** `check` in the client namespace, behind `prefix` (e.g. setpriv dropping CAP_NET_RAW). */
  function checkAs(prefix: string[], host: string, ...extra: string[]): Report {
    const args = ['check', host, '--port', '2525', '--tls', 'none', '--icmp-count', '3', '--phase-timeout', '3', '--timeout', '30', '--json', ...extra];
    const r = spawnSync('ip', ['netns', 'exec', chain.client, ...prefix, process.execPath, cli, ...args], { encoding: 'utf8', timeout: 60_000 });
    if (!r.stdout) throw new Error(`check printed nothing (exit ${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Report;
  }

  const icmp = (r: Report) => r.steps.find((s) => s.step === 'icmp');
  const path = (r: Report) => r.steps.find((s) => s.step === 'path');

  for (const [family, second, dest] of [[4, SECOND4, () => chain.serverAddress], [6, SECOND6, () => chain.serverAddress6]] as const) {
    it(`IPv${family}: without --source-address the echoes leave from the first address and go unanswered (the filter works)`, () => {
      const r = check(dest());
      expect((icmp(r)?.data as IcmpData | undefined)?.received).toBe(0);
      expect((path(r)?.data as PathData | undefined)?.reached).toBe(false);
      expect(arrivedFrom(second)).toBe(0);
    });

    it(`IPv${family}: with --source-address ${second} the ping and every path probe leave from it and are answered`, () => {
      const r = check(dest(), '--source-address', second);
      const ping = icmp(r)?.data as IcmpData | undefined;
      expect(icmp(r)?.status, JSON.stringify(icmp(r))).toBe('pass');
      expect(ping?.backend).toBe('raw-socket');
      expect(ping?.received).toBe(3);
      const p = path(r)?.data as PathData | undefined;
      expect(path(r)?.status, JSON.stringify(path(r))).toBe('pass');
      expect(p?.reached).toBe(true);
      expect(p?.hops.map((h) => h.address)).toEqual([family === 4 ? chain.routerAddress(1) : chain.routerAddress6(1), dest()]);
      expect(p?.hops.at(-1)?.received).toBe(5);
      // Every request that reached the server came from the asked address, none from the first.
      expect(arrivedFrom(second)).toBeGreaterThanOrEqual(8);
      expect(arrivedFrom(family === 4 ? chain.clientAddress : 'fd00:213::1')).toBe(0);
      expect(r.transcript.map((l) => l.text)).toContain(`icmp: echo requests to ${dest()} from ${second}`);
    });
  }

  it('smtprobe path --source-address: every hop measured from the asked address (IPv6); an absent address is one line, exit 3', () => {
    const path6 = (...extra: string[]) => spawnSync('ip', ['netns', 'exec', chain.client, process.execPath, runner, 'path', chain.serverAddress6, '-n', '--count', '5', '--json', ...extra], { encoding: 'utf8', timeout: 60_000 });
    const r = path6('--source-address', SECOND6);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.hops?.map((h) => h.address)).toEqual([chain.routerAddress6(1), chain.serverAddress6]);
    expect(report.hops?.at(-1)?.received).toBe(5);
    expect(r.status).toBe(0);
    expect(arrivedFrom('fd00:213::1')).toBe(0);
    const bad = path6('--source-address', 'fd00:213::9');
    expect(bad.status).toBe(3);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('smtprobe: error: --source-address: cannot send from source address fd00:213::9 (EADDRNOTAVAIL: not an address of this host)\n');
  });

  it.skipIf(noSetpriv && !inCi)('without raw-socket privilege the system ping sends the echoes, from the asked address too (ping -I)', () => {
    const unprivileged = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', 'HOME=/tmp'];
    for (const [second, dest] of [[SECOND4, chain.serverAddress], [SECOND6, chain.serverAddress6]] as const) {
      const r = checkAs(unprivileged, dest, '--source-address', second);
      const ping = icmp(r)?.data as IcmpData | undefined;
      expect(ping?.backend, JSON.stringify(icmp(r))).toBe('system-ping');
      expect(ping?.received).toBe(3);
      expect(arrivedFrom(second)).toBe(3);
      const without = checkAs(unprivileged, dest);
      expect((icmp(without)?.data as IcmpData | undefined)?.received, 'the first address is filtered').toBe(0);
    }
  });

  it('an address this host does not have: ICMP, path and TCP each say so, and no echo leaves from it', () => {
    const r = check(chain.serverAddress, '--source-address', ABSENT4);
    for (const step of [icmp(r), path(r)]) {
      expect(step?.status).toBe('fail');
      expect(step?.error?.code).toBe('HOST_UNREACHABLE');
      expect(step?.error?.message).toMatch(/^cannot send from source address 10\.213\.0\.9 \(\w+: not an address of this host\)$/);
    }
    expect(r.steps.find((s) => s.step === 'tcp')?.error?.message).toMatch(/cannot connect from source address 10\.213\.0\.9/);
    expect(arrivedFrom(ABSENT4)).toBe(0);
  });
});
