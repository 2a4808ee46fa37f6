import pLimit, { type LimitFunction } from 'p-limit';

/** FleetLimits: how many probes may run at once, overall and against one host. */
export interface FleetLimits {
  /** Probes in flight at once, across all hosts (`--concurrency`, default 64). */
  concurrency: number;
  /** Probes in flight at once against one host (`--per-host`, default 2). */
  perHost: number;
}

export const DEFAULT_LIMITS: FleetLimits = { concurrency: 64, perHost: 2 };

/**
 * FleetLimiter runs tasks under two separate p-limit limiters: one per host, then the global
 * one. The order matters. A task first waits for a slot on its host and only then for a global
 * slot, so queued work for one busy (or tarpitting) relay never holds global slots that other
 * hosts could use. And the two are separate limiters because p-limit warns that calling a
 * limiter inside a task it already limits can deadlock.
 *
 * One instance per run or per exporter — no module-level state.
 */
export class FleetLimiter {
  readonly #global: LimitFunction;
  readonly #hosts = new Map<string, LimitFunction>();

  constructor(readonly limits: FleetLimits = DEFAULT_LIMITS) {
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`${k} must be a whole number >= 1, got ${v}`);
    }
    this.#global = pLimit(limits.concurrency);
  }

  /** run `task` when both its host and the fleet have a free slot. */
  run<T>(host: string, task: () => Promise<T>): Promise<T> {
    const key = host.toLowerCase();
    let perHost = this.#hosts.get(key);
    if (!perHost) {
      perHost = pLimit(this.limits.perHost);
      this.#hosts.set(key, perHost);
    }
    const limiter = perHost;
    return limiter(async () => {
      try {
        return await this.#global(task);
      } finally {
        // Forget idle hosts so a long-running exporter does not grow one limiter per host ever seen.
        if (limiter.activeCount <= 1 && limiter.pendingCount === 0 && this.#hosts.get(key) === limiter) this.#hosts.delete(key);
      }
    });
  }

  /** Probes running now, across all hosts. */
  get activeCount(): number {
    return this.#global.activeCount;
  }

  /** Probes waiting for a global slot (those waiting for a host slot are not counted). */
  get pendingCount(): number {
    return this.#global.pendingCount;
  }
}
