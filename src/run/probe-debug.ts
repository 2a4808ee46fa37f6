import type { Report } from '../model/report.js';
import { renderHuman } from '../report/human.js';

/**
 * probeDebugText: what `/probe?...&debug=true` answers instead of metrics, as the blackbox
 * exporter's debug output does — the probe's log (the human report with its transcript), the
 * metrics the scrape would have returned, and the target's settings. Everything comes from the
 * Report: the transcript is redacted at capture and the target is the public one (whether a
 * password or token is set, never its value), so no secret can appear.
 */
export function probeDebugText(report: Report, metrics: string): string {
  return [
    'Logs for the probe:',
    renderHuman(report, { color: false, transcript: true }).trimEnd(),
    '',
    'Metrics that would have been returned:',
    metrics.trimEnd(),
    '',
    'Target configuration (secrets are never shown):',
    JSON.stringify(report.target, null, 2),
    '',
  ].join('\n');
}
