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

/** TIMING_RULES: thresholds on how long the probe took. */
export const TIMING_RULES: readonly Rule[] = [probeSlow];
