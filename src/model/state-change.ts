import type { Report, Verdict } from './report.js';

/** StateChange: a target's verdict moved (or was seen for the first time: `from` undefined). */
export interface StateChange {
  target: string;
  from?: Verdict;
  to: Verdict;
  report: Report;
}
