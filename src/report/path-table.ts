import type { Finding, Report } from '../model/report.js';
import type { HopStats } from '../model/step-data.js';

/** Column: one column of the hop table, as mtr lists its fields once (ui/mtr.c data_fields). */
interface Column {
  title: string;
  width: number;
  align: 'left' | 'right';
  value: (h: HopStats) => string;
}

const ms = (v: number | undefined): string => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const pct = (v: number): string => v.toFixed(1);

const COLUMNS: readonly Column[] = [
  { title: 'Hop', width: 3, align: 'right', value: (h) => String(h.ttl) },
  { title: 'Address', width: 32, align: 'left', value: (h) => (h.address === null ? '*' : h.name ? `${h.name} (${h.address})` : h.address) },
  { title: 'Sent', width: 5, align: 'right', value: (h) => String(h.sent) },
  { title: 'Recv', width: 5, align: 'right', value: (h) => String(h.received) },
  { title: 'Here%', width: 6, align: 'right', value: (h) => pct(h.sourceLossPct) },
  { title: 'Node%', width: 6, align: 'right', value: (h) => pct(h.lossPct) },
  { title: 'Link%', width: 6, align: 'right', value: (h) => pct(h.linkLossPct) },
  { title: 'Min', width: 6, align: 'right', value: (h) => ms(h.rttMs?.min) },
  { title: 'Avg', width: 6, align: 'right', value: (h) => ms(h.rttMs?.avg) },
  { title: 'Max', width: 6, align: 'right', value: (h) => ms(h.rttMs?.max) },
  { title: 'StDev', width: 6, align: 'right', value: (h) => ms(h.rttMs?.stddev) },
  { title: 'p95', width: 6, align: 'right', value: (h) => ms(h.rttMs?.p95) },
];

function cell(c: Column, text: string): string {
  const t = text.length > c.width && c.align === 'left' ? `${text.slice(0, c.width - 1)}…` : text;
  return c.align === 'left' ? t.padEnd(c.width) : t.padStart(c.width);
}

function row(values: string[]): string {
  return values.map((v, i) => cell(COLUMNS[i] as Column, v)).join('  ').trimEnd();
}

function findingLines(f: Finding): string[] {
  return [
    `${f.severity.toUpperCase()} ${f.code}: ${f.title}`,
    ...f.evidence.map((e) => `    ${e}`),
    ...f.fix.map((x) => `    fix: ${x}`),
  ];
}

/**
 * renderHopTable renders the hop rows alone (header, an optional first-link row, one row per
 * hop) — for renderers that show a path inside a larger report (`check --path`).
 */
export function renderHopTable(hops: readonly HopStats[], sourceLinkLossPct = 0): string[] {
  if (hops.length === 0) return [];
  const out = [row(COLUMNS.map((c) => c.title))];
  if (sourceLinkLossPct > 0) out.push(row(['0', 'this host', '', '', '', '', pct(sourceLinkLossPct), '', '', '', '', '']));
  for (const h of hops) out.push(row(COLUMNS.map((c) => c.value(h))));
  return out;
}

/**
 * renderPathTable renders a path report as a pathping/mtr-style table: per hop the samples,
 * loss split three ways (Here% = echoes to this hop lost, pathping's "source to here"; Node% =
 * lost at the node itself, e.g. rate limiting; Link% = loss that begins on the link onwards
 * and persists to the destination) and round-trip times in ms; then findings and the verdict.
 * Pure: reads only the Report.
 */
export function renderPathTable(report: Report): string {
  const step = report.steps.find((s) => s.step === 'path');
  const data = step?.data;
  const hops = report.hops ?? data?.hops ?? [];
  const out: string[] = [];
  const head = data ? `${report.target.host} (${data.address})` : report.target.host;
  const facts = data
    ? `${hops.length} hops, ${data.count} samples/hop every ${data.intervalMs} ms, discovery ${data.discoveryMs} ms, measurement ${data.measureMs} ms`
    : 'no path measured';
  out.push(`Path to ${head}: ${facts}`);
  out.push(...renderHopTable(hops, data?.sourceLinkLossPct ?? 0));
  for (const s of report.steps) {
    if (s.error) out.push(`${s.step}: ${s.status} ${s.error.code}: ${s.error.message}`);
    else if (s.status === 'skip' && s.reason) out.push(`${s.step}: skipped: ${s.reason}`);
  }
  if (report.findings.length > 0) {
    out.push('');
    for (const f of report.findings) out.push(...findingLines(f));
  }
  out.push('', `Verdict: ${report.verdict.toUpperCase()} (${(report.durationMs / 1000).toFixed(1)} s)`);
  return `${out.join('\n')}\n`;
}
