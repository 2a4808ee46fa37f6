import type { Finding, Report, Verdict } from '../model/report.js';
import { countVerdicts, VERDICT_RANK, worstVerdict } from '../model/worst-verdict.js';

/**
 * Nagios / Icinga plugin output (Monitoring Plugins Development Guidelines, "Plugin Output"):
 * the first line is `SERVICE STATUS: text | perfdata`, further lines are long output. The exit
 * code (the caller's job) is the verdict's plugin code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 * Perfdata is `'label'=value[UOM];[warn];[crit];[min];[max]` — each step's time in seconds,
 * the whole probe's time (with --warn-ms/--crit-ms as its warn/crit ranges, in seconds), and the
 * certificate's days left with the report's own thresholds as ranges ("21:" alerts below 21).
 */

const STATE: Record<Verdict, string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', unknown: 'UNKNOWN' };

/** renderNagios: one report as one plugin status line with perfdata. */
export function renderNagios(report: Report): string {
  return `SMTP ${STATE[report.verdict]} - ${statusText(report)} | ${perfdata(report, '').join(' ')}\n`;
}

/**
 * renderNagiosFleet: a whole run as one plugin output — the first line is the worst state and
 * the counts (with every target's perfdata, label-prefixed), then one long-output line per
 * target, worst first.
 */
export function renderNagiosFleet(reports: readonly Report[], notRun: readonly string[] = []): string {
  const verdicts = reports.map((r) => r.verdict);
  if (notRun.length > 0) verdicts.push('unknown');
  const worst = worstVerdict(verdicts);
  const counts = countVerdicts(reports.map((r) => r.verdict));
  const parts = (['critical', 'unknown', 'warning', 'ok'] as const).filter((v) => counts[v] > 0).map((v) => `${counts[v]} ${v}`);
  if (notRun.length > 0) parts.push(`${notRun.length} not run`);
  const perf = reports.flatMap((r) => perfdata(r, `${r.target.name}_`));
  const head = `SMTP ${STATE[worst]} - ${reports.length + notRun.length} targets: ${parts.join(', ') || 'none'}${perf.length ? ` | ${perf.join(' ')}` : ''}`;
  const sorted = [...reports].sort((a, b) => VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict]);
  const lines = sorted.map((r) => `[${STATE[r.verdict]}] ${statusText(r)}`);
  for (const name of notRun) lines.push(`[UNKNOWN] ${clean(name)}: not run (interrupted)`);
  return `${[head, ...lines].join('\n')}\n`;
}

function statusText(r: Report): string {
  const where = `${r.target.name}`;
  // diagnose() already orders findings most severe first.
  const alerting = r.findings.filter((f) => f.severity !== 'info');
  if (r.verdict === 'ok' || alerting.length === 0) {
    const s = r.summary;
    const bits = [s.tlsProtocol ?? 'no TLS', s.authMechanism ? `AUTH ${s.authMechanism} accepted` : undefined, s.certDaysLeft !== undefined ? `certificate ${s.certDaysLeft} days left` : undefined];
    return clean(`${where}: ${bits.filter(Boolean).join(', ')} in ${seconds(r.durationMs)} s`);
  }
  return clean(`${where}: ${alerting.map(findingText).join('; ')}`);
}

function findingText(f: Finding): string {
  return `${f.code} ${f.title}`;
}

function perfdata(r: Report, prefix: string): string[] {
  const out = [`${label(`${prefix}time`)}=${seconds(r.durationMs)}s;${threshold(r.target.warnMs)};${threshold(r.target.critMs)};0`];
  for (const s of r.steps) {
    if (s.status === 'skip') continue;
    out.push(`${label(`${prefix}${s.step}`)}=${seconds(s.durationMs)}s;${threshold(r.target.stepWarnMs?.[s.step])};${threshold(r.target.stepCritMs?.[s.step])};0`);
  }
  out.push(...pingPerfdata(r, prefix));
  if (r.summary.certDaysLeft !== undefined) {
    out.push(`${label(`${prefix}cert_days`)}=${r.summary.certDaysLeft};${r.target.certWarnDays}:;${r.target.certCritDays}:;;`);
  }
  return out;
}

/**
 * pingPerfdata: check_ping's `rta` (ms) and `pl` (%) with their -w / -c thresholds, when echoes
 * were sent — so graphs built for check_ping read smtprobe's too.
 */
function pingPerfdata(r: Report, prefix: string): string[] {
  const step = r.steps.find((s) => s.step === 'icmp');
  const icmp = step?.status !== 'skip' ? step?.data : undefined;
  if (!icmp || icmp.sent === 0) return [];
  const { pingWarn: w, pingCrit: c } = r.target;
  const out: string[] = [];
  if (icmp.rttMs) out.push(`${label(`${prefix}rta`)}=${icmp.rttMs.avg.toFixed(3)}ms;${w?.rttMs ?? ''};${c?.rttMs ?? ''};0`);
  out.push(`${label(`${prefix}pl`)}=${icmp.lossPct}%;${w?.lossPct ?? ''};${c?.lossPct ?? ''};0;100`);
  return out;
}

/** A time threshold as a perfdata range in seconds ("0.5" alerts above 0.5 s); empty when not set. */
function threshold(ms: number | undefined): string {
  return ms === undefined ? '' : seconds(ms);
}

/** Labels with anything but [A-Za-z0-9_-] are quoted; a quote inside is doubled (guidelines). */
function label(s: string): string {
  const l = s.replace(/[=']/g, '_');
  return /^[A-Za-z0-9_.-]+$/.test(l) ? l : `'${l}'`;
}

/** The status text may not contain '|' (it starts perfdata) nor a newline. */
function clean(s: string): string {
  return s.replace(/\|/g, '/').replace(/[\r\n]+/g, ' ');
}

function seconds(ms: number): string {
  return (Math.round(ms) / 1000).toFixed(3);
}
