import type { Report, Verdict } from '../model/report.js';
import { countVerdicts, VERDICT_RANK, worstVerdict } from '../model/worst-verdict.js';

/** SummaryTableOptions: colour (the CLI decides: TTY and no NO_COLOR). */
export interface SummaryTableOptions {
  color: boolean;
  /** Names of targets that did not run (the run was interrupted). */
  notRun?: readonly string[];
}

const COLOR: Record<Verdict, number> = { ok: 32, warning: 33, unknown: 33, critical: 31 };

/**
 * renderSummaryTable: the human output of `run` — one row per target (verdict, time, TLS,
 * certificate days, what failed), then the findings of every target that is not ok, then a
 * one-line total. Rows keep the file's order so a reader finds a relay where they put it.
 */
export function renderSummaryTable(reports: readonly Report[], opts: SummaryTableOptions): string {
  const paint = (v: Verdict, s: string): string => (opts.color ? `\x1b[${COLOR[v]}m${s}\x1b[0m` : s);
  const header = ['TARGET', 'ADDRESS', 'VERDICT', 'TIME', 'TLS', 'CERT', 'PROBLEM'];
  const rows = reports.map((r) => [
    r.target.name,
    `${r.target.host}:${r.target.port}`,
    r.verdict,
    r.durationMs >= 1000 ? `${(r.durationMs / 1000).toFixed(1)} s` : `${Math.round(r.durationMs)} ms`,
    r.summary.tlsProtocol ?? '-',
    r.summary.certDaysLeft !== undefined ? `${r.summary.certDaysLeft}d` : '-',
    problem(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[], verdict?: Verdict): string =>
    cells.map((c, i) => {
      const padded = i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0);
      return i === 2 && verdict ? paint(verdict, padded) : padded;
    }).join('  ').trimEnd();
  const out = [line(header), ...rows.map((row, i) => line(row, reports[i]?.verdict))];

  const troubled = [...reports].filter((r) => r.verdict !== 'ok').sort((a, b) => VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict]);
  for (const r of troubled) {
    out.push('', `${r.target.name} (${paint(r.verdict, r.verdict)}):`);
    for (const f of r.findings.filter((x) => x.severity !== 'info')) {
      out.push(`  ${f.code}: ${f.title}`);
      if (f.fix[0]) out.push(`    fix: ${f.fix[0]}`);
    }
  }
  const notRun = opts.notRun ?? [];
  if (notRun.length > 0) out.push('', `not run (interrupted): ${notRun.join(', ')}`);
  const basic = reports.filter((r) => r.findings.some((f) => f.code === 'AUTH_BASIC_RETIREMENT')).length;
  if (basic > 0) out.push('', `${basic} of ${reports.length} targets use Basic auth towards Microsoft 365 (AUTH_BASIC_RETIREMENT): it is turned off by default at the end of December 2026`);

  const counts = countVerdicts(reports.map((r) => r.verdict));
  const parts = (['ok', 'warning', 'unknown', 'critical'] as const).filter((v) => counts[v] > 0).map((v) => paint(v, `${counts[v]} ${v}`));
  if (notRun.length > 0) parts.push(`${notRun.length} not run`);
  const worst = worstVerdict([...reports.map((r) => r.verdict), ...(notRun.length > 0 ? ['unknown' as const] : [])]);
  out.push('', `${reports.length + notRun.length} targets: ${parts.join(', ') || 'none'} — worst ${paint(worst, worst)}`);
  return `${out.join('\n')}\n`;
}

function problem(r: Report): string {
  const failed = r.summary.failedStep;
  const codes = r.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
  if (failed) return [`${failed.step}: ${failed.code}`, ...codes.filter((c) => c !== failed.code)].join(', ');
  return codes.join(', ');
}
