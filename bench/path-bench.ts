/**
 * path-bench: `smtprobe path` against `mtr --report` on a 5-hop network-namespace chain with
 * configured faults, in one run: wall time, and each tool's loss estimates against the truth.
 *
 *   client — r1 — r2 — r3 — r4 — server        (hops 1-4 = r1..r4, hop 5 = server)
 *   r2: drops 10% of what it forwards towards the server (real loss, carried to every later hop)
 *   r3: rate-limits the ICMP it sends itself (echo replies, time-exceeded: 20/minute, burst 3)
 *
 * Truth per hop: real (forwarded) loss 0, 0, 10, 10, 10 %; hop 3's own answers are throttled,
 * which is not loss. Run as root: `sh bench/path-bench.sh` (Debian: apt-get install mtr-tiny).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../src/model/report.js';
import { buildChain, faults, removeStaleNamespaces, type Chain } from '../test/netns/topology.js';

const here = dirname(fileURLToPath(import.meta.url));
const runner = resolve(here, '../test/netns/path-runner.js');
const COUNT = Number(process.env.BENCH_COUNT ?? 100);
const FORWARD_LOSS = 0.1;
const TRUTH = [0, 0, 10, 10, 10];

interface ToolRun {
  tool: string;
  command: string;
  wallMs: number;
  /** Loss each tool shows per hop (mtr: Loss%; smtprobe: Here% = echoes lost to that hop). */
  shownLossPct: (number | null)[];
  /** What the tool says is real loss carried to that hop (smtprobe: Here% - Node%); mtr has no such split. */
  realLossPct?: (number | null)[];
  addresses: (string | null)[];
  findings?: string[];
}

function timed(cmd: string, args: string[]): { stdout: string; wallMs: number; status: number | null } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { stdout: r.stdout, wallMs, status: r.status };
}

function runSmtprobe(chain: Chain): ToolRun {
  const args = ['path', chain.serverAddress, '-n', '--json', '--count', String(COUNT)];
  const r = timed('ip', ['netns', 'exec', chain.client, process.execPath, runner, ...args]);
  const report = JSON.parse(r.stdout) as Report;
  const hops = report.hops ?? [];
  return {
    tool: 'smtprobe path',
    command: `smtprobe ${args.join(' ')}`,
    wallMs: r.wallMs,
    shownLossPct: hops.map((h) => h.sourceLossPct),
    realLossPct: hops.map((h) => Math.round((h.sourceLossPct - h.lossPct) * 10) / 10),
    addresses: hops.map((h) => h.address),
    findings: report.findings.map((f) => `${f.code}: ${f.evidence[0] ?? ''}`),
  };
}

interface MtrHub {
  host: string;
  'Loss%': number;
  Snt: number;
}

function runMtr(chain: Chain, extra: string[], label: string): ToolRun {
  const args = ['--report', '--json', '-n', '-c', String(COUNT), ...extra, chain.serverAddress];
  const r = timed('ip', ['netns', 'exec', chain.client, 'mtr', ...args]);
  const hubs = (JSON.parse(r.stdout) as { report: { hubs: MtrHub[] } }).report.hubs;
  return {
    tool: label,
    command: `mtr ${args.join(' ')}`,
    wallMs: r.wallMs,
    shownLossPct: hubs.map((h) => h['Loss%']),
    addresses: hubs.map((h) => (h.host === '???' ? null : h.host)),
  };
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : v.toFixed(1);
}

/** maxError: the largest |estimate - truth| over the hops, in points. */
function maxError(est: (number | null)[]): number {
  return Math.max(...TRUTH.map((t, i) => Math.abs((est[i] ?? 100) - t)));
}

function table(runs: ToolRun[]): string {
  const lines = [
    '| tool | wall time | hop 1 | hop 2 | hop 3 (rate-limited) | hop 4 | hop 5 (server) | max error vs truth |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| truth (real loss) | | ${TRUTH.map((t) => t.toFixed(1)).join(' | ')} | |`,
  ];
  for (const r of runs) {
    lines.push(`| ${r.tool}: loss shown | ${(r.wallMs / 1000).toFixed(2)} s | ${TRUTH.map((_, i) => fmt(r.shownLossPct[i])).join(' | ')} | ${maxError(r.shownLossPct).toFixed(1)} |`);
    if (r.realLossPct) {
      lines.push(`| ${r.tool}: real loss (Here% - Node%) | | ${TRUTH.map((_, i) => fmt(r.realLossPct?.[i])).join(' | ')} | ${maxError(r.realLossPct).toFixed(1)} |`);
    }
  }
  return lines.join('\n');
}

function main(): void {
  if (process.getuid?.() !== 0) throw new Error('the path bench needs root (network namespaces, raw sockets)');
  if (spawnSync('mtr', ['--version']).status !== 0) throw new Error('mtr is not installed (apt-get install mtr-tiny)');
  removeStaleNamespaces();
  const chain = buildChain(4, 'bench');
  try {
    faults.forwardLoss(chain, 2, FORWARD_LOSS);
    faults.rateLimitOwnIcmp(chain, 3, '20/minute', 3);
    const runs = [
      runSmtprobe(chain),
      runMtr(chain, ['-i', '0.025'], 'mtr -i 0.025 (smtprobe\'s pacing)'),
      runMtr(chain, [], 'mtr (default 1 s interval)'),
    ];
    const smt = runs[0] as ToolRun;
    const mtr = runs[2] as ToolRun;
    const summary = {
      date: new Date().toISOString(),
      kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
      node: process.version,
      count: COUNT,
      truth: TRUTH,
      runs,
      speedup: mtr.wallMs / smt.wallMs,
    };
    const out = process.env.BENCH_OUT ?? resolve(process.cwd(), 'bench/results/path-bench.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`${table(runs)}\n\nsmtprobe findings:\n${(smt.findings ?? []).map((f) => `- ${f}`).join('\n')}\n`);
    process.stdout.write(`\nspeed-up vs mtr at equal sample count: ${summary.speedup.toFixed(1)}x; results in ${out}\n`);
  } finally {
    chain.destroy();
  }
}

main();
