import { isSea } from 'node:sea';
import type { ProbeFn } from './runner.js';
import { sharedProbe } from './shared-probe.js';
import { ProbeWorkerPool } from './worker-pool.js';

/** FleetProbe: how `run` and `serve` probe, and how they let go of it at the end. */
export interface FleetProbe {
  probe: ProbeFn;
  /** Worker threads used at most; 1 = every probe in the main thread. */
  readonly workers: number;
  /** Ends the worker threads (nothing to do in-process). */
  close(): Promise<void>;
}

/** FleetProbeOptions: the --workers and --per-host of a run or exporter. */
export interface FleetProbeOptions {
  workers: number;
  perHost: number;
  /** A worker died with probes in flight: one line for the log (their Reports say PROBE_INTERNAL_ERROR). */
  onWorkerLost?: (why: string, lostTargets: string[]) => void;
}

/**
 * fleetProbe: the probe of a fleet run or exporter. One worker probes in the main thread exactly
 * as before workers existed (no thread at all); more spread probes over a ProbeWorkerPool. A
 * Windows single executable (`smtprobe.exe`) always probes in the main thread: a worker thread
 * runs a file, and the executable has no file next to it to run.
 */
export function fleetProbe(o: FleetProbeOptions): FleetProbe {
  if (o.workers <= 1 || isSea()) return { probe: sharedProbe(o.perHost), workers: 1, close: () => Promise.resolve() };
  const pool = new ProbeWorkerPool({ size: o.workers, perHost: o.perHost, ...(o.onWorkerLost ? { onWorkerLost: o.onWorkerLost } : {}) });
  return { probe: pool.probe, workers: o.workers, close: () => pool.close() };
}
