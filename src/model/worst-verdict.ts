import type { Verdict } from '../model/report.js';

/**
 * VERDICT_RANK orders verdicts from best to worst for a fleet: a critical target outweighs one
 * we could not check (unknown), which outweighs a warning. The exit code of `run` is the
 * monitoring-plugin code of the worst verdict (check_multi and Icinga's cluster checks rank
 * them the same way).
 */
export const VERDICT_RANK: Record<Verdict, number> = { ok: 0, warning: 1, unknown: 2, critical: 3 };

/** worstVerdict of a set of verdicts; `ok` for an empty set. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'ok';
  for (const v of verdicts) if (VERDICT_RANK[v] > VERDICT_RANK[worst]) worst = v;
  return worst;
}

/** countVerdicts: how many of each verdict, in rank order (for summaries). */
export function countVerdicts(verdicts: Iterable<Verdict>): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { ok: 0, warning: 0, unknown: 0, critical: 0 };
  for (const v of verdicts) counts[v] += 1;
  return counts;
}
