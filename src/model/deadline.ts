/** Clock is injected so that tests and the scheduler never depend on wall time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Deadline is a point in time by which a phase must end, plus the probe-wide abort signal.
 * It holds no timer itself: whoever waits (a socket read, a connect) arms one timer for
 * `remainingMs()` and clears it when done, so a deadline can never leak a timer.
 */
export class Deadline {
  constructor(
    readonly at: number,
    readonly phase: string,
    readonly clock: Clock = systemClock,
    readonly signal: AbortSignal = new AbortController().signal,
  ) {}

  /** Deadline.after makes a deadline `ms` from now. */
  static after(ms: number, phase: string, clock: Clock = systemClock, signal?: AbortSignal): Deadline {
    return new Deadline(clock.now() + ms, phase, clock, signal);
  }

  remainingMs(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0 || this.signal.aborted;
  }

  /** phaseDeadline is the earlier of this deadline and `ms` from now, named for the phase. */
  forPhase(phase: string, ms: number): Deadline {
    return new Deadline(Math.min(this.at, this.clock.now() + ms), phase, this.clock, this.signal);
  }
}

/**
 * Interrupted: the abort reason when the user stopped smtprobe (SIGINT, SIGTERM), as opposed
 * to a deadline. Probes tell the two apart: an interrupted step is marked PROBE_INTERRUPTED
 * and the verdict is unknown, while a deadline is a finding about the server.
 */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}`);
  }
}

/** isInterrupted: whether a signal was aborted because the user stopped smtprobe. */
export function isInterrupted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof Interrupted;
}
