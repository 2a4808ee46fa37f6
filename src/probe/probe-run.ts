import { Deadline, isInterrupted, systemClock, type Clock } from '../model/deadline.js';
import type { FindingCode } from '../model/finding-codes.js';
import type { RawReport, StepName, StepResult } from '../model/report.js';
import type { PublicTarget, Target, Timeouts } from '../model/target.js';
import type { SmtpContext } from './smtp/session-state.js';
import type { PingerSource } from './path/pinger.js';
import { stepResult, type SessionContext, type Step } from './step.js';
import { TokenCache } from '../oauth/token-cache.js';
import { TrustStoreCache } from './tls/trust-store.js';
import { TranscriptRecorder } from './transcript.js';

/**
 * ProbeRun: the frame around one probe — its hard deadline (a timer that aborts every step
 * when `totalMs` is up), the caller's cancellation linked in, the transcript, the shared step
 * context — and, at the end, the raw Report: what the steps observed, not yet judged. The
 * orchestrator (src/check.ts) runs both `check` and `path` inside one, so both reports have
 * the same shape and bounds.
 */
export class ProbeRun {
  readonly clock: Clock;
  readonly started: number;
  readonly overall: Deadline;
  readonly transcript: TranscriptRecorder;
  readonly ctx: SmtpContext;
  readonly #abort = new AbortController();
  readonly #hardStop: unknown;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = (): void => this.#abort.abort(this.#outer?.reason);

  constructor(target: { timeouts: Timeouts }, opts: { clock?: Clock; signal?: AbortSignal; phase?: string; trustStores?: TrustStoreCache; tokens?: TokenCache; pingers?: PingerSource } = {}) {
    this.clock = opts.clock ?? systemClock;
    this.started = this.clock.now();
    this.#outer = opts.signal;
    this.#outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
    if (this.#outer?.aborted) this.#abort.abort(this.#outer.reason);
    this.#hardStop = this.clock.setTimeout(() => this.#abort.abort(new Error('probe deadline passed')), target.timeouts.totalMs);
    this.overall = new Deadline(this.started + target.timeouts.totalMs, opts.phase ?? 'probe', this.clock, this.#abort.signal);
    this.transcript = new TranscriptRecorder(this.clock, this.started);
    const trustStores = opts.trustStores ?? new TrustStoreCache();
    this.ctx = { transcript: this.transcript, clock: this.clock, signal: this.#abort.signal, state: { trustStores, tokens: opts.tokens ?? new TokenCache(), ...(opts.pingers ? { pingers: opts.pingers } : {}) }, results: [] };
  }

  /** end releases the timer, the listener and the connection; call it in `finally`. */
  end(): void {
    this.clock.clearTimeout(this.#hardStop);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
    this.ctx.state.conn?.close();
  }

  /** interrupted: whether the user stopped this probe (SIGINT/SIGTERM), as opposed to a deadline. */
  get interrupted(): boolean {
    return isInterrupted(this.#abort.signal);
  }

  /** observed: the raw Report of the steps, in the order given; diagnosis and verdict come after. */
  observed(target: PublicTarget, steps: StepResult[]): RawReport {
    return {
      schema: 1,
      target,
      startedAt: new Date(this.started).toISOString(),
      durationMs: this.clock.now() - this.started,
      steps,
      transcript: this.transcript.lines,
    };
  }
}

/**
 * STEP_GRACE_MS: how long past its deadline a step may take to report its own timeout (with
 * its own, more precise code) before the runner abandons it as PHASE_TIMEOUT.
 */
export const STEP_GRACE_MS = 1000;
/** INTERRUPT_GRACE_MS: how long an interrupted step may take to stop by itself. */
export const INTERRUPT_GRACE_MS = 300;

/**
 * runStep runs one step under the runner's guarantees, whatever the step's own code does:
 * - it ends by its deadline: a step that has not settled `STEP_GRACE_MS` after `deadline.at`
 *   is abandoned and reported as PHASE_TIMEOUT naming the step (a real timer, so a step
 *   waiting on a promise nothing will settle cannot leave the process with nothing to do);
 * - on interrupt (SIGINT/SIGTERM) it ends within `INTERRUPT_GRACE_MS`, marked PROBE_INTERRUPTED
 *   with whatever data it had;
 * - a throw is a bug, reported as PROBE_INTERNAL_ERROR rather than crashing the run.
 */
export async function runStep<S>(
  name: StepName,
  step: Step<StepName, S>,
  target: Target,
  ctx: SessionContext<S>,
  deadline: Deadline,
): Promise<StepResult> {
  const { clock, signal } = ctx;
  const t0 = clock.now();
  const fail = (code: FindingCode, message: string, data?: StepResult['data']): StepResult =>
    stepResult(name, { status: 'fail', startedAt: t0, durationMs: clock.now() - t0 }, data, { code, message });
  const interruptedResult = (data?: StepResult['data']): StepResult => {
    ctx.transcript.event(`interrupted during ${name}`);
    return fail('PROBE_INTERRUPTED', `${name}: interrupted after ${clock.now() - t0} ms`, data);
  };
  let settle: (r: StepResult) => void = () => undefined;
  const guard = new Promise<StepResult>((resolve) => {
    settle = resolve;
  });
  const timers: unknown[] = [];
  timers.push(clock.setTimeout(() => {
    ctx.transcript.event(`${name}: no result by the ${deadline.phase} deadline; step abandoned`);
    settle(fail('PHASE_TIMEOUT', `${name}: no result within its deadline (${deadline.at - t0} ms)`));
  }, Math.max(0, deadline.at - t0) + STEP_GRACE_MS));
  const onAbort = (): void => {
    if (isInterrupted(signal)) timers.push(clock.setTimeout(() => settle(interruptedResult()), INTERRUPT_GRACE_MS));
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const running = (async () => step(target, ctx, deadline))().catch((err: unknown): StepResult => {
    const message = err instanceof Error ? err.message : String(err);
    ctx.transcript.event(`internal error in ${name}: ${message}`);
    return fail('PROBE_INTERNAL_ERROR', `${name}: ${message}`);
  });
  try {
    const result = await Promise.race([running, guard]);
    // A step that stopped because of the interrupt reports what it saw then (often a timeout
    // code): it is the interrupt, not the server, that ended it.
    if (isInterrupted(signal) && result.status !== 'pass' && result.error?.code !== 'PROBE_INTERRUPTED') return interruptedResult(result.data);
    return result;
  } finally {
    for (const t of timers) clock.clearTimeout(t);
    signal.removeEventListener('abort', onAbort);
  }
}
