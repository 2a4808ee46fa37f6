import type { Clock } from '../../model/deadline.js';
import { VERDICT_EXIT_CODE, type Finding, type Report, type StepResult, type Verdict } from '../../model/report.js';
import type { Target } from '../../model/target.js';
import { verdictOf } from '../../diagnose/index.js';
import { dnsStep } from '../dns.js';
import { ProbeRun } from '../probe-run.js';
import { skipped } from '../step.js';
import { createPathStep, pathStep } from './path-step.js';
import type { OpenPinger } from './pinger.js';

/** ProbePathOptions: what a caller of probePath may inject. */
export interface ProbePathOptions {
  clock?: Clock;
  signal?: AbortSignal;
  /** Replaces net-ping (tests). */
  openPinger?: OpenPinger;
}

/** DNS gets at most this long of the probe's time. */
const DNS_PHASE_MS = 10_000;

/**
 * pathVerdict: the check's verdict (worst finding decides), except that a path that could not
 * be measured at all (no raw-socket privilege) is `unknown` — `smtprobe path` has nothing
 * else to judge by, while `check` goes on with TCP.
 */
export function pathVerdict(findings: Finding[], steps: StepResult[]): Verdict {
  const path = steps.find((s) => s.step === 'path');
  if (path?.error?.code === 'ICMP_NOT_PERMITTED') return 'unknown';
  return verdictOf(findings, steps);
}

/**
 * probePath runs `smtprobe path`: DNS, then the path analysis, and returns a Report of the
 * same shape as `check`, plus `hops[]`. Bounded by `target.timeouts.totalMs`.
 */
export async function probePath(target: Target, opts: ProbePathOptions = {}): Promise<Report> {
  const run = new ProbeRun(target, { ...opts, phase: 'path' });
  const { ctx, clock, overall } = run;
  const step = opts.openPinger ? createPathStep(opts.openPinger) : pathStep;
  const steps: StepResult[] = [];
  try {
    const dns = await dnsStep(target, ctx, overall.forPhase('dns', DNS_PHASE_MS));
    steps.push(dns);
    ctx.results.push(dns);
    steps.push(dns.status === 'fail' ? skipped('path', clock, 'DNS failed') : await step(target, ctx, overall));
  } finally {
    run.end();
  }
  return run.report(steps, pathVerdict);
}

/** pathExitCode: the process exit code of a path report (0 ok, 1 warning, 2 critical, 3 unknown). */
export function pathExitCode(report: Report): number {
  return VERDICT_EXIT_CODE[report.verdict];
}
