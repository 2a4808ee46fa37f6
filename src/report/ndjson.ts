import type { Report } from '../model/report.js';

/**
 * renderNdjsonLine: one Report as one line of JSON (newline-delimited JSON, one object per
 * line), for log pipelines (Vector, Fluent Bit, Loki, jq). JSON.stringify never emits a raw
 * newline inside a string, so a line is always exactly one Report.
 */
export function renderNdjsonLine(report: Report): string {
  return `${JSON.stringify(report)}\n`;
}

/** renderNdjson: the Reports, one per line, in the order given. */
export function renderNdjson(reports: readonly Report[]): string {
  return reports.map(renderNdjsonLine).join('');
}
