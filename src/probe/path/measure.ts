import type { Clock } from '../../model/deadline.js';
import type { Pinger } from './pinger.js';

/** SeriesSpec: one address to sample (a hop's own address, or the destination). */
export interface SeriesSpec {
  address: string;
  /** How long one sample waits for its reply before it counts as lost, ms. */
  timeoutMs: number;
}

/** SeriesResult: the samples of one series. */
export interface SeriesResult {
  address: string;
  sent: number;
  /** Round trips of the answered samples, ms, in send order. */
  rtts: number[];
  /** Address that answered destination unreachable, if any sample got one. */
  unreachableFrom?: string;
  /** Samples that could not be sent (local error). */
  errors: number;
}

/** MeasureOptions: sample count, pacing and bounds of one measurement run. */
export interface MeasureOptions {
  /** Samples per series. */
  count: number;
  /** Spacing between two samples of the same series, ms. */
  intervalMs: number;
  clock: Clock;
  signal: AbortSignal;
  /** Epoch ms after which no sample may still be waiting (the step's deadline). */
  deadlineAt: number;
}

/**
 * measureSeries samples every series concurrently: `count` echo requests each, `intervalMs`
 * apart, with the series staggered across the interval so the packets interleave evenly
 * instead of leaving in bursts (pathping measures hop after hop; we measure all at once).
 *
 * Sends follow an absolute schedule (start + slot × k), so timer lateness does not stretch the
 * run. A sample that could not finish before `deadlineAt` is not sent, so `sent` counts only
 * samples that had their full time to answer and loss is never inflated by the deadline.
 */
export function measureSeries(pinger: Pinger, specs: readonly SeriesSpec[], opts: MeasureOptions): Promise<SeriesResult[]> {
  const { clock, signal } = opts;
  const results: SeriesResult[] = specs.map((s) => ({ address: s.address, sent: 0, rtts: [], errors: 0 }));
  const totalSlots = specs.length * opts.count;
  if (totalSlots === 0) return Promise.resolve(results);
  const slotMs = opts.intervalMs / specs.length;
  const start = clock.now();
  const inflight: Promise<void>[] = [];
  // rtts arrive out of order; keep each in its send position, then compact.
  const bySample: (number | null)[][] = specs.map(() => new Array<number | null>(opts.count).fill(null));

  return new Promise((resolve) => {
    let next = 0;
    let timer: unknown;
    let stopped = false;

    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      void Promise.all(inflight).then(() => {
        results.forEach((r, i) => {
          r.rtts = (bySample[i] as (number | null)[]).filter((x): x is number => x !== null);
        });
        resolve(results);
      });
    };

    const sendSlot = (slot: number): boolean => {
      const i = slot % specs.length;
      const k = Math.floor(slot / specs.length);
      const spec = specs[i] as SeriesSpec;
      if (clock.now() + spec.timeoutMs > opts.deadlineAt) return false;
      const r = results[i] as SeriesResult;
      r.sent++;
      inflight.push(
        pinger.echo({ address: spec.address, timeoutMs: spec.timeoutMs }).then((o) => {
          if (o.kind === 'reply') (bySample[i] as (number | null)[])[k] = o.rttMs;
          else if (o.kind === 'unreachable') r.unreachableFrom ??= o.from;
          else if (o.kind === 'error') r.errors++;
        }),
      );
      return true;
    };

    const tick = (): void => {
      if (stopped) return;
      const now = clock.now();
      while (next < totalSlots && start + next * slotMs <= now) {
        if (!sendSlot(next)) return stop();
        next++;
      }
      if (next >= totalSlots || signal.aborted) return stop();
      timer = clock.setTimeout(tick, Math.max(0, start + next * slotMs - clock.now()));
    };

    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    tick();
  });
}
