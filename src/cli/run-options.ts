import { ConfigError } from '../config/config-error.js';
import { DEFAULT_LIMITS, type FleetLimits } from '../run/fleet-limiter.js';
import { parseDuration } from '../config/duration.js';
import { wholeNumberIn } from './whole-number.js';
import { availableParallelism } from 'node:os';

/** limitsFromFlags reads --concurrency and --per-host (whole numbers >= 1). */
export function limitsFromFlags(flags: Record<string, unknown>): FleetLimits {
  return {
    concurrency: wholeNumber(flags.concurrency, 'concurrency', DEFAULT_LIMITS.concurrency),
    perHost: wholeNumber(flags.perHost, 'per-host', DEFAULT_LIMITS.perHost),
  };
}

/** scheduleFromFlags reads --every and --jitter (a fraction, or a percentage like 10%). */
export function scheduleFromFlags(flags: Record<string, unknown>): { everyMs?: number; jitter: number } {
  const out: { everyMs?: number; jitter: number } = { jitter: 0.1 };
  if (typeof flags.every === 'string') out.everyMs = parseDuration(flags.every, 'every');
  if (typeof flags.jitter === 'string') {
    const s = flags.jitter.trim();
    const v = s.endsWith('%') ? Number(s.slice(0, -1)) / 100 : Number(s);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new ConfigError('jitter', `"${flags.jitter}" is not a fraction between 0 and 1 (or 0%..100%)`);
    out.jitter = v;
  }
  return out;
}

function wholeNumber(v: unknown, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = wholeNumberIn(v, 1, 100_000);
  if (n === undefined) throw new ConfigError(flag, `"${String(v)}" is not a whole number from 1 to 100000`);
  return n;
}

/**
 * workersFromFlags reads --workers: a whole number from 1 to 1024; default, the machine's cores
 * (`os.availableParallelism()`). The caller caps it by what can run at once (--concurrency, a
 * run's target count): a worker with no probe to run would only cost its start-up.
 */
export function workersFromFlags(flags: Record<string, unknown>): number {
  if (flags.workers === undefined) return availableParallelism();
  const n = wholeNumberIn(flags.workers, 1, 1024);
  if (n === undefined) throw new ConfigError('--workers', `"${String(flags.workers)}" is not a whole number from 1 to 1024`);
  return n;
}
