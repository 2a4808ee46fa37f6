import type { Report, Verdict } from '../model/report.js';
import { countVerdicts, VERDICT_RANK, worstVerdict } from '../model/worst-verdict.js';
import { wrapLine } from './wrap.js';

/** SummaryTableOptions: colour (the CLI decides: TTY and no NO_COLOR). */
export interface SummaryTableOptions {
  color: boolean;
  /** Names of targets that did not run (the run was interrupted). */
  notRun?: readonly string[];
  /** Terminal width to wrap to; none (a pipe, a file): one line per row. */
  width?: number | undefined;
}

/** Narrower than this, the PROBLEM column moves under its row instead of beside it. */
const MIN_PROBLEM_COLUMN = 24;

const COLOR: Record<Verdict, number> = { ok: 32, warning: 33, unknown: 33, critical: 31 };

/**
 * renderSummaryTable: the human output of `run` — one row per target (verdict, time, TLS,
 * certificate days, what failed), then the findings of every target that is not ok, then a
 * one-line total. Rows keep the file's order so a reader finds a relay where they put it.
 */
export function renderSummaryTable(reports: readonly Report[], opts: SummaryTableOptions): string {
  const paint = (v: Verdict, s: string): string => (opts.color ? `\x1b[${COLOR[v]}m${s}\x1b[0m` : s);
  const allHeader = ['TARGET', 'ADDRESS', 'VERDICT', 'TIME', 'TLS', 'CERT', 'PROBLEM'];
  const allRows = reports.map((r) => [
    r.target.name,
    `${r.target.host}:${r.target.port}`,
    r.verdict,
    r.durationMs >= 1000 ? `${(r.durationMs / 1000).toFixed(1)} s` : `${Math.round(r.durationMs)} ms`,
    r.summary.tlsProtocol ?? '-',
    r.summary.certDaysLeft !== undefined ? `${r.summary.certDaysLeft}d` : '-',
    problem(r),
  ]);
  const colWidths = (table: string[][]): number[] => table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  // A terminal narrower than the fixed columns loses ADDRESS (as mtr drops columns), not its layout.
  const fixed = colWidths([allHeader, ...allRows]).slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const dropAddress = opts.width !== undefined && fixed > opts.width;
  const keep = (cells: string[]): string[] => (dropAddress ? cells.filter((_, i) => i !== 1) : cells);
  const header = keep(allHeader);
  const rows = allRows.map(keep);
  const verdictCol = dropAddress ? 1 : 2;
  const widths = colWidths([header, ...rows]);
  const line = (cells: string[], verdict?: Verdict): string =>
    cells.map((c, i) => {
      const padded = i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0);
      return i === verdictCol && verdict ? paint(verdict, padded) : padded;
    }).join('  ').trimEnd();
  // Where PROBLEM starts: after the other columns and their two-space gaps.
  const problemAt = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const width = opts.width;
  const row = (cells: string[], verdict?: Verdict): string[] => {
    const text = line(cells, verdict);
    const problemText = cells[cells.length - 1] ?? '';
    if (width === undefined || problemText === '' || problemAt + problemText.length <= width) return [text];
    const rest = line([...cells.slice(0, -1), ''], verdict);
    // Room beside the row: the problem continues under its own column; otherwise it goes
    // under the row, indented, so a narrow terminal still shows it whole.
    if (width - problemAt >= MIN_PROBLEM_COLUMN) {
      const [first = '', ...more] = wrapLine(' '.repeat(problemAt) + problemText, width, problemAt);
      return [`${rest.padEnd(problemAt)}${first.trimStart()}`, ...more];
    }
    return [rest, ...wrapLine(`    ${problemText}`, width, 4)];
  };
  const out = [...row(header), ...rows.flatMap((cells, i) => row(cells, reports[i]?.verdict))];

  const troubled = [...reports].filter((r) => r.verdict !== 'ok').sort((a, b) => VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict]);
  for (const r of troubled) {
    out.push('', `${r.target.name} (${paint(r.verdict, r.verdict)}):`);
    for (const f of r.findings.filter((x) => x.severity !== 'info')) {
      out.push(...wrapLine(`  ${f.code}: ${f.title}`, width, 4));
      if (f.fix[0]) out.push(...wrapLine(`    fix: ${f.fix[0]}`, width, 9));
    }
  }
  const notRun = opts.notRun ?? [];
  if (notRun.length > 0) out.push('', ...wrapLine(`not run (interrupted): ${notRun.join(', ')}`, width, 2));
  const basic = reports.filter((r) => r.findings.some((f) => f.code === 'AUTH_BASIC_RETIREMENT')).length;
  if (basic > 0) out.push('', ...wrapLine(`${basic} of ${reports.length} targets use Basic auth towards Microsoft 365 (AUTH_BASIC_RETIREMENT): it is turned off by default at the end of December 2026`, width, 0));

  const counts = countVerdicts(reports.map((r) => r.verdict));
  const parts = (['ok', 'warning', 'unknown', 'critical'] as const).filter((v) => counts[v] > 0).map((v) => paint(v, `${counts[v]} ${v}`));
  if (notRun.length > 0) parts.push(`${notRun.length} not run`);
  const worst = worstVerdict([...reports.map((r) => r.verdict), ...(notRun.length > 0 ? ['unknown' as const] : [])]);
  out.push('', ...wrapLine(`${reports.length + notRun.length} targets: ${parts.join(', ') || 'none'} — worst ${paint(worst, worst)}`, width, 2));
  return `${out.join('\n')}\n`;
}

function problem(r: Report): string {
  const failed = r.summary.failedStep;
  const codes = r.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
  if (failed) return [`${failed.step}: ${failed.code}`, ...codes.filter((c) => c !== failed.code)].join(', ');
  return codes.join(', ');
}
