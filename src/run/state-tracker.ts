import type { Report } from '../model/report.js';
import type { StateChange } from '../model/state-change.js';

/**
 * StateTracker remembers each target's last verdict so a schedule reports transitions
 * (ok -> critical) instead of repeating itself every round, as Nagios notifications do.
 */
export class StateTracker {
  readonly #last = new Map<string, Report>();

  /** observe records a report; returns the change, or undefined when the verdict is unchanged. */
  observe(report: Report): StateChange | undefined {
    const name = report.target.name;
    const prev = this.#last.get(name);
    this.#last.set(name, report);
    if (prev && prev.verdict === report.verdict) return undefined;
    const change: StateChange = { target: name, to: report.verdict, report };
    if (prev) change.from = prev.verdict;
    return change;
  }

  /** The latest report of every target seen, in first-seen order. */
  latest(): Report[] {
    return [...this.#last.values()];
  }
}
