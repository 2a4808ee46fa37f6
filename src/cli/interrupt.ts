import { Interrupted } from '../model/deadline.js';

/** The signals that mean "stop": Ctrl-C on a terminal, and what service managers send. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Exit code of a second, immediate stop: 128 + the signal number, as shells report it. */
const EXIT_ON_SECOND: Record<(typeof STOP_SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

/** InterruptScope: the cancellation one command listens to, until `dispose`. */
export interface InterruptScope {
  /** Aborted (reason: Interrupted) at the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  readonly interrupted: boolean;
  /** Stops listening for the signals (call in `finally`). */
  dispose(): void;
}

/**
 * onInterrupt: the one SIGINT/SIGTERM handling every long-running command shares (check, run,
 * path, serve, mock, explain). The first signal aborts `signal` with an `Interrupted` reason,
 * so probes end within a second with their partial Reports and the command prints what it has;
 * `notice` (if given) tells the user that on stderr. A second signal exits at once.
 */
export function onInterrupt(opts: { notice?: (signal: string) => string; onStop?: (signal: string) => void } = {}): InterruptScope {
  const abort = new AbortController();
  const handlers = new Map<string, () => void>();
  for (const sig of STOP_SIGNALS) {
    const handler = (): void => {
      if (abort.signal.aborted) process.exit(EXIT_ON_SECOND[sig]);
      const notice = opts.notice?.(sig);
      if (notice) process.stderr.write(notice);
      abort.abort(new Interrupted(sig));
      opts.onStop?.(sig);
    };
    handlers.set(sig, handler);
    process.on(sig, handler);
  }
  return {
    signal: abort.signal,
    get interrupted() {
      return abort.signal.aborted;
    },
    dispose: () => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
    },
  };
}

/**
 * withInterrupt runs `work` under one InterruptScope and always stops listening afterwards:
 * the SIGINT/SIGTERM → AbortSignal wiring of every command, written once.
 */
export async function withInterrupt<T>(opts: Parameters<typeof onInterrupt>[0], work: (scope: InterruptScope) => Promise<T>): Promise<T> {
  const scope = onInterrupt(opts);
  try {
    return await work(scope);
  } finally {
    scope.dispose();
  }
}

/** stopRequested resolves at the scope's first SIGINT/SIGTERM (servers that run until told to stop). */
export function stopRequested(scope: InterruptScope): Promise<void> {
  if (scope.signal.aborted) return Promise.resolve();
  return new Promise((resolve) => scope.signal.addEventListener('abort', () => resolve(), { once: true }));
}
