import type { Rule } from './rule.js';

/**
 * probeTime: the probe's total time as its steps measured it — from the first step's start to
 * the last step's end (DNS to QUIT, path analysis included when it ran), in milliseconds.
 */
export function probeTimeMs(steps: readonly { startedAt: number; durationMs: number }[]): number | undefined {
  if (steps.length === 0) return undefined;
  const start = Math.min(...steps.map((s) => s.startedAt));
  const end = Math.max(...steps.map((s) => s.startedAt + s.durationMs));
  return end - start;
}

/**
 * PROBE_SLOW: the Nagios `-w`/`-c` of check_smtp on the whole probe — critical above
 * `critMs`, warning above `warnMs`. A probe that failed outright is already explained by its
 * failure; the threshold speaks only to how long the answer took.
 */
const probeSlow: Rule = {
  id: 'probe-slow',
  apply(ctx) {
    const { warnMs, critMs } = ctx.target;
    if (warnMs === undefined && critMs === undefined) return [];
    const ms = probeTimeMs(ctx.steps);
    if (ms === undefined) return [];
    const severity = critMs !== undefined && ms > critMs ? 'critical' : warnMs !== undefined && ms > warnMs ? 'warning' : undefined;
    if (severity === undefined) return [];
    const limit = severity === 'critical' ? `--crit-ms ${critMs}` : `--warn-ms ${warnMs}`;
    return [{ code: 'PROBE_SLOW', severity, evidence: [`the probe took ${Math.round(ms)} ms (above ${limit})`] }];
  },
};

/**
 * PROBE_SLOW per step (--step-warn-ms / --step-crit-ms): the same finding as the whole probe's
 * threshold (one code for "slower than its limit"), its evidence naming each slow step. A
 * step that failed is explained by its failure; only steps that passed or warned are timed.
 */
const stepSlow: Rule = {
  id: 'step-slow',
  apply(ctx) {
    const { stepWarnMs, stepCritMs } = ctx.target;
    if (!stepWarnMs && !stepCritMs) return [];
    return ctx.steps.flatMap((s) => {
      if (s.status !== 'pass' && s.status !== 'warn') return [];
      const warn = stepWarnMs?.[s.step];
      const crit = stepCritMs?.[s.step];
      const severity = crit !== undefined && s.durationMs > crit ? 'critical' : warn !== undefined && s.durationMs > warn ? 'warning' : undefined;
      if (severity === undefined) return [];
      const limit = severity === 'critical' ? `--step-crit-ms ${s.step}=${crit}` : `--step-warn-ms ${s.step}=${warn}`;
      return [{ code: 'PROBE_SLOW' as const, severity, evidence: [`${s.step} took ${Math.round(s.durationMs)} ms (above ${limit})`] }];
    });
  },
};

/**
 * ICMP_DEGRADED: check_ping's thresholds on the echoes to the relay — critical when the
 * average round-trip time or the loss is above `--ping-crit`, warning above `--ping-warn`.
 * Only when echoes were sent (a host that may not ping has nothing to judge).
 */
const icmpDegraded: Rule = {
  id: 'icmp-degraded',
  apply(ctx) {
    const { pingWarn, pingCrit } = ctx.target;
    const icmp = ctx.data('icmp');
    if ((!pingWarn && !pingCrit) || !icmp || icmp.sent === 0) return [];
    const over = (t: { rttMs: number; lossPct: number } | undefined): string[] => {
      if (!t) return [];
      const out: string[] = [];
      if (icmp.rttMs && icmp.rttMs.avg > t.rttMs) out.push(`average round-trip ${icmp.rttMs.avg.toFixed(2)} ms is above ${t.rttMs} ms`);
      if (icmp.lossPct > t.lossPct) out.push(`loss ${icmp.lossPct}% (${icmp.received}/${icmp.sent} answered) is above ${t.lossPct}%`);
      return out;
    };
    const crit = over(pingCrit);
    const hit = crit.length ? { severity: 'critical' as const, why: crit, flag: '--ping-crit' } : { severity: 'warning' as const, why: over(pingWarn), flag: '--ping-warn' };
    if (hit.why.length === 0) return [];
    return [{ code: 'ICMP_DEGRADED', step: 'icmp', severity: hit.severity, evidence: hit.why.map((w) => `ICMP echo to ${icmp.address}: ${w} (${hit.flag})`) }];
  },
};

/** TIMING_RULES: thresholds on how long the probe and its steps took, and on the ping. */
export const TIMING_RULES: readonly Rule[] = [probeSlow, stepSlow, icmpDegraded];
