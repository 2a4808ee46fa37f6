import { diagnose, verdictOf } from '../diagnose/index.js';
import { Deadline, systemClock, type Clock } from '../model/deadline.js';
import type { Finding, Report, StepResult, Verdict } from '../model/report.js';
import type { PathData } from '../model/step-data.js';
import { toPublicTarget, type Target } from '../model/target.js';
import type { SmtpContext } from './smtp/session-state.js';
import { summarize, withDiagnosedCodes } from './summary.js';
import { TrustStoreCache } from './tls/trust-store.js';
import { TranscriptRecorder } from './transcript.js';

/**
 * ProbeRun: the frame around one probe — its hard deadline (a timer that aborts every step
 * when `totalMs` is up), the caller's cancellation linked in, the transcript, the shared step
 * context — and, at the end, the Report assembled from the steps. `probe` (check) and
 * `probePath` (path) both run inside one, so both reports have the same shape and bounds.
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
  readonly #onOuterAbort = (): void => this.#abort.abort();

  constructor(readonly target: Target, opts: { clock?: Clock; signal?: AbortSignal; phase?: string; trustStores?: TrustStoreCache } = {}) {
    this.clock = opts.clock ?? systemClock;
    this.started = this.clock.now();
    this.#outer = opts.signal;
    this.#outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
    if (this.#outer?.aborted) this.#abort.abort();
    this.#hardStop = this.clock.setTimeout(() => this.#abort.abort(), target.timeouts.totalMs);
    this.overall = new Deadline(this.started + target.timeouts.totalMs, opts.phase ?? 'probe', this.clock, this.#abort.signal);
    this.transcript = new TranscriptRecorder(this.clock, this.started);
    const trustStores = opts.trustStores ?? new TrustStoreCache();
    this.ctx = { transcript: this.transcript, clock: this.clock, signal: this.#abort.signal, state: { trustStores }, results: [] };
  }

  /** end releases the timer, the listener and the connection; call it in `finally`. */
  end(): void {
    this.clock.clearTimeout(this.#hardStop);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
    this.ctx.state.conn?.close();
  }

  /** report diagnoses the steps and builds the Report (with `hops[]` when a path was measured). */
  report(observed: StepResult[], verdict: (f: Finding[], s: StepResult[]) => Verdict = verdictOf): Report {
    const publicTarget = toPublicTarget(this.target);
    const findings = diagnose({ target: publicTarget, steps: observed, transcript: this.transcript.lines });
    const steps = withDiagnosedCodes(observed, findings);
    const path = steps.find((s) => s.step === 'path')?.data as PathData | undefined;
    return {
      schema: 1,
      target: publicTarget,
      startedAt: new Date(this.started).toISOString(),
      durationMs: this.clock.now() - this.started,
      steps,
      transcript: this.transcript.lines,
      findings,
      verdict: verdict(findings, steps),
      summary: summarize(steps, this.started),
      ...(path ? { hops: path.hops } : {}),
    };
  }
}
