import { setMaxListeners } from 'node:events';
import type { Report } from '../model/report.js';
import type { Target } from '../model/target.js';
import { FleetLimiter, type FleetLimits } from './fleet-limiter.js';

/** ProbeFn: how the runner probes one target (the real `probe`, or a fake in tests). */
export type ProbeFn = (target: Target, opts: { signal: AbortSignal }) => Promise<Report>;

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
}

/** RunResult: every Report, in target order; targets that never started are listed by index. */
export interface RunResult {
  /** reports[i] is the Report of targets[i], or undefined when it did not run (or `retain` was false). */
  reports: (Report | undefined)[];
  /** Indices of targets that did not run because the run was interrupted. */
  notRun: number[];
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
  const onOuterAbort = (): void => run.abort();
  if (opts.signal?.aborted) run.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const retain = opts.retain ?? true;
  const reports: (Report | undefined)[] = new Array<Report | undefined>(targets.length).fill(undefined);
  const done = new Uint8Array(targets.length);
  try {
    await Promise.all(targets.map((target, index) => limiter.run(target.host, async () => {
      // Queued work is dropped once the run is interrupted; p-limit's clearQueue would leave
      // these promises pending forever, so each task checks instead.
      if (signal.aborted) return;
      const report = await opts.probe(target, { signal });
      done[index] = 1;
      if (retain) reports[index] = report;
      opts.onReport?.(report, index);
    })));
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  const notRun: number[] = [];
  done.forEach((d, i) => {
    if (!d) notRun.push(i);
  });
  return { reports, notRun, interrupted: signal.aborted };
}
