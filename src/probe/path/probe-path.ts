import type { StepResult } from '../../model/report.js';
import type { PathTarget } from '../../model/target.js';
import { dnsStep } from '../dns.js';
import type { ProbeRun } from '../probe-run.js';
import { skipped } from '../step.js';
import { createPathStep, pathStep } from './path-step.js';
import type { OpenPinger } from './pinger.js';

/** DNS gets at most this long of the probe's time. */
const DNS_PHASE_MS = 10_000;

/**
 * pathSteps runs the steps of `smtprobe path` inside its frame: DNS, then the path analysis
 * (skipped when DNS failed). `openPinger` replaces net-ping (tests). The caller ends the run.
 */
export async function pathSteps(target: PathTarget, run: ProbeRun, openPinger?: OpenPinger): Promise<StepResult[]> {
  const { ctx, clock, overall } = run;
  const step = openPinger ? createPathStep(openPinger) : pathStep;
  const dns = await dnsStep(target, ctx, overall.forPhase('dns', DNS_PHASE_MS));
  ctx.results.push(dns);
  return [dns, dns.status === 'fail' ? skipped('path', clock, 'DNS failed') : await step(target, ctx, overall)];
}
