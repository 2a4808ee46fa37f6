import type { Clock, Deadline } from '../model/deadline.js';
import type { StepName, StepResult, StepError, Status, StepOutcome, StepResultOf } from '../model/report.js';
import type { StepDataMap } from '../model/step-data.js';
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
export type Step<N extends StepName = StepName, S = Record<string, unknown>, T = Target> = (
  target: T,
  ctx: SessionContext<S>,
  deadline: Deadline,
) => Promise<StepResultOf<N>>;

/** StepTimer builds a StepResult with start time and duration measured on the injected clock. */
export class StepTimer<N extends StepName> {
  readonly startedAt: number;

  constructor(readonly step: N, readonly clock: Clock) {
    this.startedAt = clock.now();
  }

  done(status: Status, data?: StepDataMap[N], error?: StepError): StepResultOf<N> {
    return stepResult(this.step, { status, startedAt: this.startedAt, durationMs: this.clock.now() - this.startedAt }, data, error);
  }
}

/** skipped: a StepResult for a step that did not run, with the reason. */
export function skipped<N extends StepName>(step: N, clock: Clock, reason?: string): StepResultOf<N> {
  const r = stepResult(step, { status: 'skip', startedAt: clock.now(), durationMs: 0 });
  if (reason) r.reason = reason;
  return r;
}

/**
 * stepResult: the result of step `step` with its data. The one place where a step name and a
 * data type are paired for a name TypeScript knows only as a type parameter; StepDataMap
 * (model/step-data.ts) is what makes the pairing right.
 */
export function stepResult<N extends StepName>(step: N, outcome: StepOutcome, data?: StepDataMap[N], error?: StepError): StepResultOf<N> {
  const r = { step, ...outcome } as StepResultOf<N>;
  if (data !== undefined) r.data = data;
  if (error !== undefined) r.error = error;
  return r;
}
