import type { StateChange } from '../model/state-change.js';

/**
 * renderStateChange: one line for a scheduled target whose verdict changed — what `run
 * --every` prints instead of repeating unchanged results. Names the finding codes that explain
 * the new state, so the line alone says what to look at.
 */
export function renderStateChange(change: StateChange): string {
  const r = change.report;
  const codes = r.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
  const why = r.verdict === 'ok' ? '' : `: ${codes.join(', ') || r.summary.failedStep?.code || 'no finding'}`;
  const arrow = change.from === undefined ? change.to : `${change.from} -> ${change.to}`;
  return `${r.startedAt} ${change.target} ${arrow}${why}\n`;
}
