import type { Report, Verdict } from '../model/report.js';
import { addressMetrics } from './prometheus-addresses.js';
import { connectivityMetrics } from './prometheus-connectivity.js';

/**
 * Prometheus metrics of a Report — computed from the Report only (docs/design.md, "Layers and imports"), once, as
 * plain data: the `--format prometheus` text renderer and the exporter's prom-client
 * registries both read this list, so the two can never disagree.
 *
 * Names follow the blackbox exporter's where one exists (probe_success,
 * probe_duration_seconds, probe_ssl_earliest_cert_expiry, probe_tls_version_info) so existing
 * dashboards and alert rules carry over; smtprobe's own start with probe_smtp_.
 */

/** MetricSample: one time series value. */
export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** MetricFamily: one metric name with its help, label names and samples (all gauges). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge';
  labelNames: string[];
  samples: MetricSample[];
}

const VERDICTS: Verdict[] = ['ok', 'warning', 'critical', 'unknown'];

/**
 * reportMetrics: the metric families of one Report. `extraLabels` (e.g. `{ target }` when
 * several reports share one exposition) are added to every sample.
 */
export function reportMetrics(report: Report, extraLabels: Record<string, string> = {}): MetricFamily[] {
  const extra = Object.keys(extraLabels);
  const family = (name: string, help: string, labelNames: string[], samples: MetricSample[]): MetricFamily => ({
    name, help, type: 'gauge', labelNames: [...extra, ...labelNames],
    samples: samples.map((s) => ({ labels: { ...extraLabels, ...s.labels }, value: s.value })),
  });
  const s = report.summary;
  const families: MetricFamily[] = [
    // Success is the dialogue reaching its goal, whatever the findings' severity: a certificate
    // expiring in 15 days still relays mail (1); a 454 to AUTH stops all mail (0).
    family('probe_success', 'Whether the SMTP dialogue reached its goal (every dialogue step passed)', [], [{ labels: {}, value: report.verdict !== 'unknown' && (s.goalReached ?? (report.verdict === 'ok' || report.verdict === 'warning')) ? 1 : 0 }]),
    family('probe_duration_seconds', 'How long the whole probe took, in seconds', [], [{ labels: {}, value: seconds(report.durationMs) }]),
    family('probe_step_duration_seconds', 'Duration of each step that ran, in seconds', ['step'],
      report.steps.filter((st) => st.status !== 'skip').map((st) => ({ labels: { step: st.step }, value: seconds(st.durationMs) }))),
    family('probe_failed_step', 'The first step that failed and its finding code (absent when none failed)', ['step', 'code'],
      s.failedStep ? [{ labels: { step: s.failedStep.step, code: s.failedStep.code }, value: 1 }] : []),
    family('probe_smtp_reply_code', 'Last SMTP reply code seen in each step', ['step'],
      Object.entries(s.replyCodes).map(([step, code]) => ({ labels: { step }, value: code as number }))),
    family('probe_smtp_verdict', 'The probe verdict as a state set: 1 for the current verdict', ['verdict'],
      VERDICTS.map((v) => ({ labels: { verdict: v }, value: report.verdict === v ? 1 : 0 }))),
    family('probe_smtp_finding', 'Findings of the probe by code and severity', ['code', 'severity'],
      report.findings.map((f) => ({ labels: { code: f.code, severity: f.severity }, value: 1 }))),
  ];
  if (s.certNotAfter !== undefined) {
    families.push(family('probe_ssl_earliest_cert_expiry', 'Earliest notAfter of the presented chain, as Unix time in seconds', [],
      [{ labels: {}, value: Math.floor(Date.parse(s.certNotAfter) / 1000) }]));
  }
  if (s.tlsProtocol !== undefined) {
    families.push(family('probe_tls_version_info', 'The negotiated TLS version', ['version'], [{ labels: { version: s.tlsProtocol }, value: 1 }]));
  }
  for (const f of [...connectivityMetrics(report), ...addressMetrics(report)]) families.push(family(f.name, f.help, f.labelNames, f.samples));
  return families;
}

/** mergeFamilies joins families of the same name (samples of several reports) in first-seen order. */
export function mergeFamilies(lists: readonly MetricFamily[][]): MetricFamily[] {
  const byName = new Map<string, MetricFamily>();
  for (const list of lists) {
    for (const f of list) {
      const had = byName.get(f.name);
      if (had) had.samples.push(...f.samples);
      else byName.set(f.name, { ...f, labelNames: [...f.labelNames], samples: [...f.samples] });
    }
  }
  return [...byName.values()];
}

/**
 * formatExposition: families in the Prometheus text exposition format 0.0.4, byte for byte
 * as prom-client's Registry.metrics() writes it (families separated by a blank line).
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const blocks = families.map((f) => {
    const lines = [`# HELP ${f.name} ${escapeText(f.help)}`, `# TYPE ${f.name} ${f.type}`];
    for (const s of f.samples) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeText(v).replace(/"/g, '\\"')}"`);
      lines.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** renderPrometheus: one report's metrics, labelled with its target name (for textfile collectors). */
export function renderPrometheus(report: Report): string {
  return formatExposition(reportMetrics(report, { target: report.target.name }));
}

/** renderPrometheusFleet: many reports in one exposition, each series labelled with its target. */
export function renderPrometheusFleet(reports: readonly Report[]): string {
  return formatExposition(mergeFamilies(reports.map((r) => reportMetrics(r, { target: r.target.name }))));
}

/** seconds from milliseconds, to the microsecond (no 0.0021000000000000003 in the output). */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}
