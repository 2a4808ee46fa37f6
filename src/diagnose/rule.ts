import type { FindingCode } from '../model/finding-codes.js';
import type { ExchangeFix, Severity, StepName, StepResult, TranscriptLine } from '../model/report.js';
import type { StepDataMap } from '../model/step-data.js';
import type { PublicTarget } from '../model/target.js';
import type { ProviderSignature } from './provider-signatures.js';

/** RuleContext: the inputs of one diagnosis, indexed once so rules stay short. */
export interface RuleContext {
  readonly target: PublicTarget;
  readonly steps: readonly StepResult[];
  readonly transcript: readonly TranscriptLine[];
  /** result returns the last StepResult with that name (a step runs at most once per probe). */
  result(name: StepName): StepResult | undefined;
  /** data returns the typed data of a step, when the step ran and left some. */
  data<N extends StepName>(name: N): StepDataMap[N] | undefined;
}

/**
 * FindingDraft: what a rule says about one problem. The catalog fills in whatever the draft
 * leaves out (severity, title, cause, generic fix), and the Exchange remediation table adds
 * the Send connector setting, so rules only state what is specific to this report.
 */
export interface FindingDraft {
  code: FindingCode;
  step?: StepName;
  evidence: string[];
  /** Overrides the catalog severity (e.g. a warn-status step, a certificate problem's own level). */
  severity?: Severity;
  /** Replaces the catalog title (e.g. a provider signature's). */
  title?: string;
  /** Replaces the catalog cause. */
  cause?: string;
  /** Sentences appended to the cause (e.g. what Exchange does in this situation). */
  causeNotes?: string[];
  /** Fix steps placed before the catalog's generic fix. */
  fix?: string[];
  /** When true, `fix` replaces the catalog fix instead of preceding it. */
  replaceFix?: boolean;
  /** The provider signature that refined this finding, if any. */
  signature?: ProviderSignature;
  /** Overrides the table-driven Exchange remediation. */
  exchange?: ExchangeFix;
  /** The reply came from a server behind the probed one: the probed server's own remedies do not apply. */
  passedThrough?: boolean;
}

/** Rule: one diagnosis rule. Rules are pure: same context, same drafts, in the same order. */
export interface Rule {
  /** Stable name, for tests and debugging. */
  readonly id: string;
  apply(ctx: RuleContext): FindingDraft[];
}

/** makeContext indexes the inputs of a diagnosis. */
export function makeContext(
  target: PublicTarget,
  steps: readonly StepResult[],
  transcript: readonly TranscriptLine[],
): RuleContext {
  const byName = new Map<StepName, StepResult>();
  for (const s of steps) byName.set(s.step, s);
  return {
    target,
    steps,
    transcript,
    result: (name) => byName.get(name),
    // A step runs at most once, so the result filed under `name` is step `name`'s: its data
    // has that step's type (StepResult is keyed on `step`). TypeScript cannot follow a generic
    // name through a Map, hence the one widening here.
    data: <N extends StepName>(name: N) => byName.get(name)?.data as StepDataMap[N] | undefined,
  };
}

/** ran is true when a step produced a result other than `skip`. */
export function ran(r: StepResult | undefined): r is StepResult {
  return r !== undefined && r.status !== 'skip';
}

/** statusSeverity: a step that only warned yields a warning, whatever its code's usual weight. */
export function statusSeverity(r: StepResult): Severity | undefined {
  return r.status === 'warn' ? 'warning' : undefined;
}
