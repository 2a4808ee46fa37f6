import { setMaxListeners } from 'node:events';
import type { Report } from '../model/report.js';
import type { Target } from '../model/target.js';
import type { AuthHold } from '../probe/probe.js';
import { FleetLimiter, type FleetLimits } from './fleet-limiter.js';

/** ProbeFn: how the runner probes one target (the real `probe`, or a fake in tests). */
export type ProbeFn = (target: Target, opts: { signal: AbortSignal; authHold?: AuthHold }) => Promise<Report>;

/** RunOptions: limits, cancellation and the per-report callback of one fleet run. */
export interface RunOptions extends Partial<FleetLimits> {
  probe: ProbeFn;
  /** Aborting ends the run: running probes end promptly with their partial Reports, queued ones never start. */
  signal?: AbortSignal;
  /** Called as each Report arrives (streaming sinks: ndjson, progress). */
  onReport?: (report: Report, index: number) => void;
  /** Share a limiter (e.g. the exporter's) instead of making one from the limits. */
  limiter?: FleetLimiter;
  /**
   * Keep every Report in the result (default true). Streaming sinks (ndjson) pass false so a
   * run of any size holds only the probes in flight: memory stays bounded by the concurrency.
   */
  retain?: boolean;
  /** How long past a target's hard deadline to wait for its Report (default REPORT_GRACE_MS). */
  reportGraceMs?: number;
}

/**
 * REPORT_GRACE_MS: how long past a target's hard deadline the runner waits for its Report.
 * Steps are bounded by the step runner, so a probe that is still pending then has a bug; the
 * runner stops waiting (a real timer: the process never drains its event loop with probes
 * pending) and lists the target as missing, which the CLI turns into exit 3.
 */
export const REPORT_GRACE_MS = 5000;

/** RunResult: every Report, in target order; targets that never started are listed by index. */
export interface RunResult {
  /** reports[i] is the Report of targets[i], or undefined when it did not run (or `retain` was false). */
  reports: (Report | undefined)[];
  /** Indices of targets that did not run because the run was interrupted. */
  notRun: number[];
  /** Indices of targets whose probe started but gave no Report by its deadline (a bug; never silent). */
  missing: number[];
  interrupted: boolean;
}

/**
 * runFleet probes every target concurrently under the global and per-host limits. One slow
 * host (a tarpit, a 421) holds at most its per-host slots, so it never stalls the others; each
 * probe has its own hard deadline. A probe that throws is a bug in smtprobe, and it
 * propagates — the runner does not invent Reports.
 */
export async function runFleet(targets: readonly Target[], opts: RunOptions): Promise<RunResult> {
  const limiter = opts.limiter ?? new FleetLimiter({ concurrency: opts.concurrency ?? 64, perHost: opts.perHost ?? 2 });
  // One run-wide signal, listened to by every probe in flight: raise Node's listener warning
  // threshold (10) to what a run really has, so 64 probes are not reported as a leak.
  const run = new AbortController();
  const signal = run.signal;
  setMaxListeners(limiter.limits.concurrency + 16, signal);
  const onOuterAbort = (): void => run.abort(opts.signal?.reason);
  if (opts.signal?.aborted) run.abort(opts.signal.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const retain = opts.retain ?? true;
  const reports: (Report | undefined)[] = new Array<Report | undefined>(targets.length).fill(undefined);
  const done = new Uint8Array(targets.length);
  try {
    await Promise.all(targets.map((target, index) => limiter.run(target.host, async () => {
      // Queued work is dropped once the run is interrupted; p-limit's clearQueue would leave
      // these promises pending forever, so each task checks instead.
      if (signal.aborted) return;
      done[index] = 2;
      const report = await withinDeadline(opts.probe(target, { signal }), target.timeouts.totalMs + (opts.reportGraceMs ?? REPORT_GRACE_MS));
      if (report === undefined) return;
      done[index] = 1;
      if (retain) reports[index] = report;
      opts.onReport?.(report, index);
    })));
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  const notRun: number[] = [];
  const missing: number[] = [];
  done.forEach((d, i) => {
    if (d === 0) notRun.push(i);
    else if (d === 2) missing.push(i);
  });
  return { reports, notRun, missing, interrupted: signal.aborted };
}

/** withinDeadline: the probe's Report, or undefined if it has none after `ms` (the timer is cleared either way). */
function withinDeadline(p: Promise<Report>, ms: number): Promise<Report | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
