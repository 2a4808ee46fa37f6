import { CATALOG } from '../diagnose/catalog.js';
import type { Report } from '../model/report.js';
import { toPublicTarget, type Target } from '../model/target.js';
import { summarize } from '../probe/summary.js';

/**
 * lostProbeReport: the Report of a probe whose worker thread died before answering (an uncaught
 * error, out of memory). What the probe saw died with the worker, so the Report says only that:
 * PROBE_INTERNAL_ERROR, verdict unknown (a run that lost it never exits 0), and the target still
 * has its one Report in the round.
 */
export function lostProbeReport(target: Target, startedAt: number, now: number, why: string): Report {
  const entry = CATALOG.PROBE_INTERNAL_ERROR;
  const text = `probe worker died before this probe ended (${why}); what it observed is lost`;
  return {
    schema: 1,
    target: toPublicTarget(target),
    startedAt: new Date(startedAt).toISOString(),
    durationMs: now - startedAt,
    steps: [],
    transcript: [{ t: now - startedAt, dir: '*', text }],
    findings: [{ code: 'PROBE_INTERNAL_ERROR', severity: entry.severity, title: entry.title, evidence: [text], cause: entry.cause, fix: [...entry.fix] }],
    verdict: 'unknown',
    summary: summarize([], startedAt),
  };
}
