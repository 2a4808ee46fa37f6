import type { Clock, Deadline } from '../model/deadline.js';
import type { StepName, StepResult, StepError, Status } from '../model/report.js';
import type { Target } from '../model/target.js';
import type { TranscriptRecorder } from './transcript.js';

/**
 * SessionContext: the live state one probe's steps share. Steps read what earlier steps
 * left (`state`) and add to it; `results` holds every StepResult so far.
 * The SMTP connection lives in `state.conn` (typed in smtp/session-state.ts).
 */
export interface SessionContext<S = Record<string, unknown>> {
  transcript: TranscriptRecorder;
  clock: Clock;
  /** Aborted when the whole probe is cancelled (hard deadline, SIGINT). */
  signal: AbortSignal;
  state: S;
  results: StepResult[];
}

/**
 * Step: one module, one signature (docs/design.md, "Steps"). Returns a StepResult for every network
 * outcome; throws only on a bug.
 */
export type Step<D = unknown, S = Record<string, unknown>, T = Target> = (
  target: T,
  ctx: SessionContext<S>,
  deadline: Deadline,
) => Promise<StepResult<D>>;

/** StepTimer builds a StepResult with start time and duration measured on the injected clock. */
export class StepTimer {
  readonly startedAt: number;

  constructor(readonly step: StepName, readonly clock: Clock) {
    this.startedAt = clock.now();
  }

  done<D>(status: Status, data?: NoInfer<D>, error?: StepError): StepResult<D> {
    const r: StepResult<D> = { step: this.step, status, startedAt: this.startedAt, durationMs: this.clock.now() - this.startedAt };
    if (data !== undefined) r.data = data;
    if (error !== undefined) r.error = error;
    return r;
  }
}

/** skipped: a StepResult for a step that did not run, with the reason. */
export function skipped<D>(step: StepName, clock: Clock, reason?: string): StepResult<D> {
  const r: StepResult<D> = { step, status: 'skip', startedAt: clock.now(), durationMs: 0 };
  if (reason) r.reason = reason;
  return r;
}
