import type { Deadline } from '../model/deadline.js';
import type { StepName, StepResult } from '../model/report.js';
import type { Target } from '../model/target.js';
import { dnsStep } from './dns.js';
import { failureIsFatal, planDialogue } from './plan.js';
import type { SmtpContext, SmtpSessionState } from './smtp/session-state.js';
import { skipped, type Step } from './step.js';
import { runStep, type ProbeRun } from './probe-run.js';
import { isInterrupted } from '../model/deadline.js';

/**
 * AuthHold: why a scheduled probe does not send AUTH this round. `suspended`: the relay rejected
 * the credentials `rejections.length` times in a row (AUTH_SUSPENDED, critical); `not-due`:
 * `authEvery` says AUTH runs less often than the probe (the step is skipped, not a finding).
 */
export type AuthHold =
  | { kind: 'suspended'; rejections: string[]; since: number; retryAt: number }
  | { kind: 'not-due'; nextAt: number };

/**
 * checkSteps runs the steps of one check inside its frame: DNS, then the SMTP dialogue (one
 * conversation, step by step) with the connectivity checks and the TLS version scan beside
 * it in parallel. Every phase has its own deadline and the whole probe a hard one. Returns
 * the observations in report order (connectivity, dialogue, version scan). Never throws for a
 * network outcome; a bug in a step becomes PROBE_INTERNAL_ERROR. The caller ends the run.
 */
export async function checkSteps(target: Target, run: ProbeRun, authHold?: AuthHold): Promise<StepResult[]> {
  if (authHold) run.ctx.state.authHold = authHold;
  const { ctx, clock, overall } = run;
  const phase = (name: StepName): Deadline => overall.forPhase(name, target.timeouts.phaseMs);
  const side: StepResult[] = [];
  const dialogue: StepResult[] = [];
  const dns = await guarded('dns', dnsStep, target, ctx, phase('dns'));
  side.push(dns);
  if (dns.status === 'fail') {
    for (const s of planDialogue(target)) dialogue.push(skipped(s.name, clock, 'DNS failed'));
  } else {
    const extras: Promise<StepResult>[] = [];
    if (target.connectivity.icmp !== 'off') extras.push(guarded('icmp', lazy(async () => (await import('./icmp.js')).icmpStep), target, ctx, overall));
    if (target.connectivity.path) extras.push(guarded('path', lazy(async () => (await import('./path/index.js')).pathStep), target, ctx, overall));
    if (target.tlsScan) extras.push(guarded('tls-scan', lazy(async () => (await import('./tls-scan-step.js')).tlsScanStep), target, ctx, phase('tls-scan')));
    const [, ...rest] = await Promise.all([runDialogue(target, ctx, phase, dialogue), ...extras]);
    side.push(...rest);
  }
  return order([...side, ...dialogue]);
}

/**
 * lazy: a side step loaded on first use. ICMP (a native raw-socket module), path and the TLS
 * version scan are off for most checks; importing them up front cost `check` ~30 ms of start-up.
 */
function lazy(load: () => Promise<Step<StepName, SmtpSessionState>>): Step<StepName, SmtpSessionState> {
  return async (target, ctx, deadline) => (await load())(target, ctx, deadline);
}

/** runDialogue runs the planned SMTP steps in order; after a fatal failure only QUIT runs. */
async function runDialogue(target: Target, ctx: SmtpContext, phase: (n: StepName) => Deadline, out: StepResult[]): Promise<void> {
  let stoppedBy: StepName | undefined;
  for (const planned of planDialogue(target)) {
    if (isInterrupted(ctx.signal)) {
      out.push(skipped(planned.name, ctx.clock, 'interrupted'));
      continue;
    }
    if (stoppedBy && !planned.always) {
      out.push(skipped(planned.name, ctx.clock, `${stoppedBy} failed`));
      continue;
    }
    if (planned.when && !planned.when(ctx)) {
      out.push(skipped(planned.name, ctx.clock, planned.reason));
      continue;
    }
    const held = planned.name === 'auth' ? heldAuth(target, ctx) : undefined;
    if (held?.status === 'skip') {
      out.push(held);
      continue;
    }
    const result = held ?? await guarded(planned.name, planned.run, target, ctx, phase(planned.name));
    out.push(result);
    ctx.results.push(result);
    if (result.status === 'fail' && !stoppedBy && failureIsFatal(planned.name, ctx)) stoppedBy = planned.name;
  }
}

/** heldAuth: the AUTH step's result when lockout protection withholds AUTH this round. */
function heldAuth(target: Target, ctx: SmtpContext): StepResult | undefined {
  const hold = ctx.state.authHold as AuthHold | undefined;
  if (!hold) return undefined;
  const now = ctx.clock.now();
  if (hold.kind === 'not-due') return skipped('auth', ctx.clock, `authEvery: next AUTH at ${new Date(hold.nextAt).toISOString()}`);
  const suspended = { rejections: hold.rejections, since: new Date(hold.since).toISOString(), retryAt: new Date(hold.retryAt).toISOString() };
  ctx.transcript.event(`AUTH not sent: suspended after ${hold.rejections.length} consecutive credential rejections`);
  return {
    step: 'auth',
    status: 'fail',
    startedAt: now,
    durationMs: 0,
    data: { offered: [], offeredBeforeTls: [], usable: [], detectedOnly: [], attempted: false, skipped: 'suspended', suspended },
    error: {
      code: 'AUTH_SUSPENDED',
      message: `AUTH for ${target.user ?? 'this user'} suspended after ${hold.rejections.length} consecutive credential rejections (since ${suspended.since}); it resumes when the credential changes, or at ${suspended.retryAt}`,
    },
  };
}

/** guarded runs a step under the runner's deadline, interrupt and bug guarantees (runStep). */
function guarded(name: StepName, step: Step<StepName, SmtpSessionState>, target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResult> {
  return runStep(name, step, target, ctx, deadline);
}

const CONNECTIVITY_ORDER: StepName[] = ['dns', 'icmp', 'path'];

/** order: connectivity first, then the dialogue in wire order, then the version scan. */
function order(steps: StepResult[]): StepResult[] {
  const rank = (s: StepResult): number => {
    const c = CONNECTIVITY_ORDER.indexOf(s.step);
    if (c >= 0) return c;
    return s.step === 'tls-scan' ? 100 : 10;
  };
  return steps.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map((x) => x.s);
}
