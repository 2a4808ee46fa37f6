import type { Report } from '../model/report.js';

/**
 * renderJson: the Report as pretty JSON, field names as in docs/design.md (`verdict`,
 * `findings[].code`, `steps[]`, `transcript[]`). The Report never holds a secret (Target's
 * secrets are dropped by toPublicTarget and the transcript is redacted at capture).
 */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
