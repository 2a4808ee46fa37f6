import { diagnose, pathVerdict, verdictOf } from './diagnose/index.js';
import type { Clock } from './model/deadline.js';
import type { Finding, RawReport, Report, StepResult, Verdict } from './model/report.js';
import { toPublicPathTarget, toPublicTarget, type PathTarget, type Target } from './model/target.js';
import type { TokenCache } from './oauth/token-cache.js';
import type { OpenPinger, PingerSource } from './probe/path/pinger.js';
import { pathSteps } from './probe/path/probe-path.js';
import { checkSteps, type AuthHold } from './probe/probe.js';
import { ProbeRun } from './probe/probe-run.js';
import { summarize, withDiagnosedCodes } from './probe/summary.js';
import type { TrustStoreCache } from './probe/tls/trust-store.js';

/**
 * The orchestrator: target → plan → steps → raw Report → diagnose → verdict, in one place.
 * `probe/` runs the steps and records what they saw; `diagnose/` decides the finding codes
 * and the verdict; only this file puts the two together.
 */

export interface ProbeOptions {
  clock?: Clock;
  /** Cancels the probe (SIGINT, a scheduler's deadline); steps end promptly. */
  signal?: AbortSignal;
  /** Parsed trust anchors shared by the probes of one run (saves ~35 ms a probe). */
  trustStores?: TrustStoreCache;
  /** Bearer tokens fetched with --oauth-*: one per credential for a whole run, reused until they expire. */
  tokens?: TokenCache;
  /** The run's shared ICMP sessions (one raw socket per address family for every probe). */
  pingers?: PingerSource;
  /** Withhold AUTH this time (lockout protection, `authEvery`); the Report says why. */
  authHold?: AuthHold;
}

/**
 * probe runs one check against one target: the steps of its plan (probe/probe.ts), then
 * diagnosis and the verdict. Every phase has its own deadline and the whole probe a hard one;
 * the socket is always closed. Never throws for a network outcome; a bug in a step becomes
 * PROBE_INTERNAL_ERROR.
 */
export async function probe(target: Target, opts: ProbeOptions = {}): Promise<Report> {
  const run = new ProbeRun(target, opts);
  let steps: StepResult[];
  try {
    steps = await checkSteps(target, run, opts.authHold);
  } finally {
    run.end();
  }
  return judge(run.observed(toPublicTarget(target), steps), run, verdictOf);
}

/** ProbePathOptions: what a caller of probePath may inject. */
export interface ProbePathOptions {
  clock?: Clock;
  signal?: AbortSignal;
  /** Replaces net-ping (tests). */
  openPinger?: OpenPinger;
}

/**
 * probePath runs `smtprobe path`: DNS, then the path analysis, then diagnosis; a Report of
 * the same shape as `check`, plus `hops[]`. Bounded by `target.timeouts.totalMs`.
 */
export async function probePath(target: PathTarget, opts: ProbePathOptions = {}): Promise<Report> {
  const run = new ProbeRun(target, { ...opts, phase: 'path' });
  let steps: StepResult[];
  try {
    steps = await pathSteps(target, run, opts.openPinger);
  } finally {
    run.end();
  }
  return judge(run.observed(toPublicPathTarget(target), steps), run, pathVerdict);
}

/**
 * judge turns the raw Report into the Report: diagnosis names the findings, each step's
 * error carries the primary finding's code, the verdict and the summary follow from them.
 */
function judge(raw: RawReport, run: ProbeRun, verdict: (f: Finding[], s: StepResult[]) => Verdict): Report {
  const findings = diagnose({ target: raw.target, steps: raw.steps, transcript: raw.transcript });
  const steps = withDiagnosedCodes(raw.steps, findings);
  const path = steps.find((s) => s.step === 'path');
  const hops = path?.data?.hops;
  return {
    ...raw,
    steps,
    findings,
    // An interrupted probe says nothing certain about the server: its verdict is unknown.
    verdict: run.interrupted ? 'unknown' : verdict(findings, steps),
    summary: summarize(steps, run.started),
    ...(hops ? { hops } : {}),
  };
}
