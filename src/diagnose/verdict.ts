import type { Finding, Severity, StepResult, Verdict } from '../model/report.js';

/** SEVERITY_RANK orders severities; higher is worse. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * verdictOf: the one-line outcome, by the monitoring-plugin convention (critical > warning >
 * ok). `unknown` when smtprobe itself failed (PROBE_INTERNAL_ERROR) or no step ran at all:
 * then the findings say nothing about the server.
 */
export function verdictOf(findings: readonly Finding[], steps: readonly StepResult[]): Verdict {
  const internal = findings.some((f) => f.code === 'PROBE_INTERNAL_ERROR')
    || steps.some((s) => s.error?.code === 'PROBE_INTERNAL_ERROR');
  if (internal || !steps.some((s) => s.status !== 'skip')) return 'unknown';
  const worst = Math.max(-1, ...findings.map((f) => SEVERITY_RANK[f.severity]));
  if (worst >= SEVERITY_RANK.critical) return 'critical';
  if (worst >= SEVERITY_RANK.warning) return 'warning';
  return 'ok';
}

/**
 * pathVerdict: the verdict of `smtprobe path` — the worst finding decides, as for a check,
 * except that a path that could not be measured at all (no raw-socket privilege) is `unknown`:
 * `path` has nothing else to judge by, while `check` goes on with TCP.
 */
export function pathVerdict(findings: readonly Finding[], steps: readonly StepResult[]): Verdict {
  const path = steps.find((s) => s.step === 'path');
  if (path?.error?.code === 'ICMP_NOT_PERMITTED') return 'unknown';
  return verdictOf(findings, steps);
}
