/**
 * fleet-worker: one measured smtprobe run in its own process (so its peak RSS is its own):
 * N full probes (STARTTLS, certificate verified, AUTH) of one server at concurrency C, through
 * the same runner `smtprobe run` uses. Prints one JSON line: throughput, latency percentiles
 * (each Report's own durationMs), peak RSS, verdict counts, descriptors before/after.
 *
 *   node fleet-worker.js '{"host":"127.0.0.1","port":2525,"ca":"/tmp/ca.pem","tlsDomain":"smarthost.test",
 *                          "user":"probe@smarthost.test","n":1000,"concurrency":64}'   (password: BENCH_PASS)
 */
import { readdirSync } from 'node:fs';
import { resolveTarget } from '../src/config/resolve-target.js';
import type { Report } from '../src/model/report.js';
import type { Target } from '../src/model/target.js';
import { probe } from '../src/check.js';
import { TrustStoreCache } from '../src/probe/tls/trust-store.js';
import { runFleet } from '../src/run/runner.js';

interface WorkerArgs {
  /** One or more servers; targets are spread over them round-robin. */
  servers: { host: string; port: number }[];
  ca: string;
  tlsDomain: string;
  user: string;
  n: number;
  concurrency: number;
  /** Default: = concurrency (every probe may hit the same host). */
  perHost?: number;
  tlsMax?: 'TLSv1.2' | 'TLSv1.3';
  /** Keep only counts, not the Reports (the 10,000-probe run: memory bounded, as `run --format ndjson`). */
  lean?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function targets(): Promise<Target[]> {
  const base = await Promise.all(args.servers.map((s, i) => resolveTarget({
    name: `bench-${i}`, host: s.host, port: s.port, tls: 'starttls', tlsVerify: 'domain', tlsDomain: args.tlsDomain, ca: args.ca,
    user: args.user, passwordEnv: 'BENCH_PASS', icmp: false, timeout: 30, phaseTimeout: 15, ...(args.tlsMax ? { tlsMax: args.tlsMax } : {}),
  }, { env: process.env, baseDir: process.cwd() })));
  return Array.from({ length: args.n }, (_, i) => ({ ...base[i % base.length]!, name: `bench-${i}` }));
}

const all = await targets();
// As `smtprobe run` does: one TrustStoreCache for the run (BENCH_NO_TRUST_CACHE=1: one per probe, the old behaviour).
const trustStores = process.env.BENCH_NO_TRUST_CACHE === '1' ? undefined : new TrustStoreCache();
// Warm-up, not measured: one probe loads every lazily imported module; then 2 x concurrency
// probes at full concurrency, so the server has forked its processes (Postfix starts one
// smtpd per concurrent session) and V8 has compiled the hot paths — the rate measured is the
// steady state, as wrk and similar tools measure it. The cold start is in `warmupMs`.
await probe(all[0]!);
const warmStart = performance.now();
await runFleet(all.slice(0, Math.min(all.length, 2 * args.concurrency)), {
  concurrency: args.concurrency,
  perHost: args.perHost ?? args.concurrency,
  probe: (t, o) => probe(t, { signal: o.signal, trustStores }),
  retain: false,
});
const warmupMs = Math.round(performance.now() - warmStart);
await new Promise((r) => setTimeout(r, 300)); // the warm-up's sockets finish closing before the baseline
const fdsBefore = readdirSync('/proc/self/fd').length;
const durations: number[] = [];
const verdicts: Record<string, number> = {};
const codes: Record<string, number> = {};
const stepTotals: Record<string, number[]> = {};
let seen = 0;
const t0 = performance.now();
const result = await runFleet(all, {
  concurrency: args.concurrency,
  perHost: args.perHost ?? args.concurrency,
  probe: (t, o) => probe(t, { signal: o.signal, trustStores }),
  retain: !args.lean,
  onReport: (r: Report) => {
    seen += 1;
    durations.push(r.durationMs);
    verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
    for (const f of r.findings) codes[f.code] = (codes[f.code] ?? 0) + 1;
    if (seen % 10 === 0) for (const s of r.steps) if (s.status !== 'skip') (stepTotals[s.step] ??= []).push(s.durationMs);
  },
});
const wallMs = performance.now() - t0;
// Sockets close asynchronously after the last probe; give them a moment before counting.
let fdsAfter = readdirSync('/proc/self/fd').length;
for (let i = 0; i < 40 && fdsAfter > fdsBefore; i++) {
  await new Promise((r) => setTimeout(r, 50));
  fdsAfter = readdirSync('/proc/self/fd').length;
}
durations.sort((a, b) => a - b);
const stepP50 = Object.fromEntries(Object.entries(stepTotals).map(([k, v]) => [k, Math.round(pct(v.sort((a, b) => a - b), 50) * 10) / 10]));
process.stdout.write(`${JSON.stringify({
  tool: 'smtprobe',
  n: args.n,
  concurrency: args.concurrency,
  warmupProbes: Math.min(all.length, 2 * args.concurrency),
  warmupMs,
  reports: seen,
  notRun: result.notRun.length,
  wallMs: Math.round(wallMs),
  probesPerSec: Math.round((seen / wallMs) * 1000 * 10) / 10,
  p50Ms: Math.round(pct(durations, 50) * 10) / 10,
  p99Ms: Math.round(pct(durations, 99) * 10) / 10,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  fdsBefore,
  fdsAfter,
  verdicts,
  codes,
  stepP50Ms: stepP50,
})}\n`);
