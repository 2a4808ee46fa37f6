import { setMaxListeners } from 'node:events';
import type { Clock } from '../model/deadline.js';
import type { Report } from '../model/report.js';
import type { Target } from '../model/target.js';
import type { FleetLimiter } from './fleet-limiter.js';
import type { ProbeFn } from './runner.js';
import type { StateChange } from '../model/state-change.js';
import { StateTracker } from './state-tracker.js';

/** ScheduleOptions: how often, how much jitter, and where results go. */
export interface ScheduleOptions {
  /** Interval between two probes of one target, ms. */
  everyMs: number;
  /**
   * Jitter as a fraction of the interval (default 0.1): the first probe of each target starts
   * at a random point in the first `jitter × every`, and each interval varies by ±jitter, so a
   * fleet's probes spread out instead of hitting the relays in lockstep.
   */
  jitter?: number;
  clock: Clock;
  /** Random source in [0, 1) — injected so tests are deterministic. */
  random?: () => number;
  limiter: FleetLimiter;
  probe: ProbeFn;
  /** Every report, with the state change it caused (if any). */
  onReport?: (report: Report, change: StateChange | undefined) => void;
  /** A probe threw (a bug); without this the error is rethrown. */
  onError?: (err: unknown, target: Target) => void;
}

/** Schedule: a running schedule. */
export interface Schedule {
  readonly tracker: StateTracker;
  /** Stops scheduling, aborts running probes and resolves once they have ended. */
  stop(): Promise<void>;
}

/**
 * startSchedule probes every target every `everyMs` (± jitter) until stopped. Each target has
 * its own timer; all probes share the limiter, so the global and per-host limits hold across
 * targets and rounds. A probe that overruns its interval is followed straight away by the
 * next one — a target is never probed twice at once.
 */
export function startSchedule(targets: readonly Target[], opts: ScheduleOptions): Schedule {
  const { clock, everyMs } = opts;
  const jitter = Math.min(Math.max(opts.jitter ?? 0.1, 0), 1);
  const random = opts.random ?? Math.random;
  const abort = new AbortController();
  setMaxListeners(opts.limiter.limits.concurrency + 16, abort.signal);
  const tracker = new StateTracker();
  const timers = new Set<unknown>();
  const running = new Set<Promise<void>>();

  const arm = (target: Target, delayMs: number): void => {
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      if (abort.signal.aborted) return;
      const startedAt = clock.now();
      const p = opts.limiter.run(target.host, async () => {
        if (abort.signal.aborted) return;
        const report = await opts.probe(target, { signal: abort.signal });
        if (abort.signal.aborted) return;
        opts.onReport?.(report, tracker.observe(report));
      }).catch((err: unknown) => {
        // A throwing probe is a bug in smtprobe; the schedule reports it and keeps going.
        if (opts.onError) opts.onError(err, target);
        else throw err;
      }).finally(() => {
        running.delete(p);
        if (abort.signal.aborted) return;
        const interval = everyMs * (1 + jitter * (2 * random() - 1));
        arm(target, Math.max(0, startedAt + interval - clock.now()));
      });
      running.add(p);
    }, Math.max(0, delayMs));
    timers.add(handle);
  };

  for (const t of targets) arm(t, random() * jitter * everyMs);

  return {
    tracker,
    async stop() {
      abort.abort();
      for (const h of timers) clock.clearTimeout(h);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
