import type { Finding, Report, Severity, Status, StepName, StepResult, Verdict } from '../model/report.js';
import type {
  AuthData, BannerData, DnsData, EhloData, IcmpData, PathData, QuitData, RelayData, SmtpReply, StartTlsData, TcpData, TlsData, TlsScanData,
} from '../model/step-data.js';
import { replyLine } from '../model/smtp-reply.js';
import { addressLines } from './address-table.js';
import { renderHopTable } from './path-table.js';
import { wrapLine } from './wrap.js';

export interface HumanOptions {
  color: boolean;
  /** Terminal width to wrap to (COLUMNS); undefined: no wrapping. */
  width?: number | undefined;
  /** Append the redacted SMTP dialogue. */
  transcript?: boolean;
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
type Paint = (style: keyof typeof ANSI, s: string) => string;

const STATUS_MARK: Record<Status, [string, keyof typeof ANSI]> = {
  pass: ['✓', 'green'], warn: ['!', 'yellow'], fail: ['✗', 'red'], skip: ['-', 'dim'],
};
const SEVERITY_STYLE: Record<Severity, keyof typeof ANSI> = { critical: 'red', warning: 'yellow', info: 'blue' };
const VERDICT_STYLE: Record<Verdict, keyof typeof ANSI> = { ok: 'green', warning: 'yellow', critical: 'red', unknown: 'yellow' };

const reply = (r: SmtpReply | undefined): string => (r ? replyLine(r) : '');

/**
 * STEP_DETAIL: one line of detail per step, read from the step's data — a table every step
 * shares, like mtr's data_fields. Pure formatting; all judgement is in the Report already.
 */
const STEP_DETAIL: Partial<Record<StepName, (d: never) => string>> = {
  dns: (d: DnsData) => d.addresses.map((a) => a.address).join(', '),
  icmp: (d: IcmpData) => `${d.received}/${d.sent} replies${d.rttMs ? `, rtt avg ${d.rttMs.avg.toFixed(2)} ms` : ''}${d.backend === 'system-ping' ? ' (system ping)' : ''}`,
  path: (d: PathData) => `${d.hops.length} hops to ${d.address}${d.reached ? '' : ' (not reached)'}, ${d.count} samples per hop`,
  tcp: (d: TcpData) => `${d.family === 6 ? `[${d.address}]` : d.address}:${d.port}`,
  banner: (d: BannerData) => reply(d.reply) || (d.detected ? `server sent ${d.detected}` : ''),
  ehlo: (d: EhloData) => ehloLine(d),
  'ehlo-tls': (d: EhloData) => ehloLine(d),
  starttls: (d: StartTlsData) => reply(d.reply) || (d.offered ? '' : 'not offered'),
  tls: (d: TlsData) => tlsLine(d),
  'tls-scan': (d: TlsScanData) => d.versions.map((v) => `${v.version.replace('TLSv', '')}${v.accepted ? '✓' : '✗'}`).join(' '),
  auth: (d: AuthData) => authLine(d),
  mail: (d: RelayData) => `MAIL FROM:<${d.mailFrom ?? ''}> → ${reply(d.reply)}`,
  rcpt: (d: RelayData) => (d.rcpt ?? []).map((r) => `<${r.address}> → ${reply(r.reply)}`).join('; '),
  quit: (d: QuitData) => reply(d.reply),
};

function ehloLine(d: EhloData): string {
  if (!d.capabilities) return `${d.command}: ${reply(d.reply)}`;
  const c = d.capabilities;
  const words = Object.keys(c.keywords).filter((k) => k !== 'AUTH');
  const auth = c.auth.length ? [`AUTH ${c.auth.join(' ')}`] : [];
  return [d.command === 'HELO' ? 'HELO (no extensions)' : '', ...words, ...auth].filter(Boolean).join(', ');
}

/**
 * lifeLeft: a certificate's remaining life in words. Past expiry it says "expired" — the
 * finding gives the date and how long ago; "-31 days left" beside "expired 30 days ago"
 * (a whole-day count rounded two ways) read as a contradiction.
 */
function lifeLeft(daysLeft: number, long: boolean): string {
  if (daysLeft < 0) return 'expired';
  return long ? `${daysLeft} days left` : `${daysLeft} d`;
}

function tlsLine(d: TlsData): string {
  const leaf = d.chain[0];
  const cert = leaf ? `cert ${leaf.subject.replace(/\n/g, ', ')}${leaf.daysLeft !== undefined ? `, ${lifeLeft(leaf.daysLeft, true)}` : ''}` : 'no certificate';
  return [d.protocol, d.cipher?.name, cert].filter(Boolean).join(', ');
}

function authLine(d: AuthData): string {
  if (d.mechanism) return `${d.mechanism}${d.reply ? ` → ${reply(d.reply)}` : ''}`;
  const offered = d.offered.length ? `offered ${d.offered.join(' ')}` : 'AUTH not offered';
  return d.skipped ? `${offered}; not attempted (${d.skipped})` : offered;
}

/** The column a step's detail starts in: continuation lines of a wrapped step line start there too. */
const STEP_DETAIL_COLUMN = 24;

/**
 * errorText: a step's error for its line, said once. The message often repeats the reply the
 * detail already shows ("PLAIN → 535 ..." then "AUTH PLAIN refused: 535 ...") or names the
 * step again ("banner: no complete reply"); then the code is enough, or the message without
 * the step's name.
 */
function errorText(s: StepResult, detail: string, findings: readonly Finding[]): string {
  if (!s.error) return s.reason ? (s.status === 'skip' ? `skipped: ${s.reason}` : s.reason) : '';
  let message = s.error.message.replace(new RegExp(`(^|: )${s.step}: `, 'g'), '$1');
  // Advice after the first clause ("...; run smtprobe as root, or ...") is printed with the
  // finding below; the step line keeps what happened.
  const code = s.error.code;
  if (message.includes('; ') && findings.some((f) => f.code === code && f.evidence.some((e) => e.includes(s.error?.message ?? '')))) {
    message = message.slice(0, message.indexOf('; '));
  }
  const replyShown = /\b[2-5]\d\d\b.{8,}$/.exec(detail)?.[0];
  if (detail !== '' && (detail.includes(message) || (replyShown !== undefined && message.includes(replyShown)))) return s.error.code;
  return `${s.error.code}: ${message}`;
}

function stepLine(s: StepResult, paint: Paint, findings: readonly Finding[]): string {
  const [mark, style] = STATUS_MARK[s.status];
  const detail = s.data !== undefined ? (STEP_DETAIL[s.step] as ((d: unknown) => string) | undefined)?.(s.data) ?? '' : '';
  const err = errorText(s, detail, findings);
  const text = [detail, err && detail !== err ? err : ''].filter(Boolean).join(' — ');
  const ms = s.status === 'skip' ? '' : `${Math.round(s.durationMs)} ms`;
  return `  ${paint(style, mark)} ${s.step.padEnd(9)} ${ms.padStart(8)}  ${s.status === 'skip' ? paint('dim', text) : text}`;
}

function findingBlock(f: Finding, paint: Paint): string[] {
  const lines = [`  ${paint(SEVERITY_STYLE[f.severity], f.severity.toUpperCase())} ${paint('bold', f.code)} — ${f.title}`];
  for (const e of f.evidence) lines.push(`    ${paint('dim', e)}`);
  lines.push(`    cause: ${f.cause}`);
  // A fix that only repeats an evidence line (a step's own advice, quoted above) is said once.
  for (const fix of f.fix) if (!f.evidence.some((e) => e.includes(fix))) lines.push(`    fix: ${fix}`);
  if (f.exchange) lines.push(`    Exchange (${f.exchange.setting}): ${f.exchange.command}`);
  return lines;
}

/** renderHuman: the Report for a terminal — steps with times, capability changes, findings, verdict. */
export function renderHuman(report: Report, opts: HumanOptions): string {
  const paint: Paint = (style, s) => (opts.color ? `\x1b[${ANSI[style]}m${s}\x1b[0m` : s);
  const t = report.target;
  const out: string[] = [];
  out.push(paint('bold', `smtprobe check ${t.name}`) + paint('dim', ` (${t.host}:${t.port}, tls ${t.tls}, verify ${t.tlsVerify}${t.tlsDomain ? ` as ${t.tlsDomain}` : ''}${t.client === 'exchange' ? ', Exchange profile' : ''})`));
  out.push('');
  for (const s of report.steps) out.push(stepLine(s, paint, report.findings));
  const tls = report.steps.find((s) => s.step === 'tls')?.data;
  if (tls && tls.chain.length > 0) {
    const cn = (dn: string): string => /CN=([^,\n]+)/.exec(dn)?.[1] ?? dn.split('\n')[0] ?? dn;
    const links = tls.chain.map((c) => `${cn(c.subject)}${c.daysLeft !== undefined ? ` (${lifeLeft(c.daysLeft, false)}${c.keyType ? `, ${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}` : ''})` : ''}`);
    out.push('', `  chain as sent: ${links.join(' → ')}${tls.chain.at(-1)?.selfSigned ? '' : ` → issued by ${cn(tls.chain.at(-1)?.issuer ?? '')}`}`);
  }
  const path = report.steps.find((s) => s.step === 'path')?.data;
  const table = path && path.hops.length > 0 ? renderHopTable(path.hops, path.sourceLinkLossPct).map((l) => `  ${l}`) : [];
  if (table.length > 0) out.push('', ...table);
  const addresses = addressLines(report);
  if (addresses.length > 0) out.push('', ...addresses);
  const diff = report.summary.capabilityDiff;
  if (diff && (diff.added.length || diff.removed.length || diff.changed.length)) {
    const parts = [...diff.added.map((a) => `+${a}`), ...diff.removed.map((r) => `-${r}`), ...diff.changed.map((c) => `~${c}`)];
    out.push('', `  capabilities after STARTTLS: ${parts.join('  ')}`);
  }
  if (report.findings.length) {
    out.push('', paint('bold', 'Findings'));
    for (const f of report.findings) out.push(...findingBlock(f, paint), '');
    out.pop();
  }
  if (opts.transcript) out.push(...transcriptSections(report, paint));
  const worst = report.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
  const counts = ['critical', 'warning'].map((sev) => `${report.findings.filter((f) => f.severity === sev).length} ${sev}`).join(', ');
  out.push('', `${paint(VERDICT_STYLE[report.verdict], report.verdict.toUpperCase())}: ${worst.length ? worst.join(', ') : 'all checks passed'} (${counts}) in ${Math.round(report.durationMs)} ms`);
  // Wrapped last, each line under its own text: step details in their column, the rest two
  // columns in from where the line starts. The hop table keeps its columns.
  const columns = new Set([...table, ...addresses]);
  const stepLines = new Set(report.steps.map((s) => stepLine(s, paint, report.findings)));
  const wrapped = out.flatMap((line) => columns.has(line) ? [line]
    : wrapLine(line, opts.width, stepLines.has(line) ? STEP_DETAIL_COLUMN : Math.min((/^ */.exec(line)?.[0].length ?? 0) + 2, 12)));
  return `${wrapped.join('\n')}\n`;
}

/**
 * transcriptSections: the Report's transcript, or with --all-addresses one section per
 * address, each headed by the address (and whether it is the odd one out), so no address's
 * dialogue is hidden behind the first's. Times count from the start of that address's probe.
 */
function transcriptSections(report: Report, paint: Paint): string[] {
  const lines = (list: Report['transcript']): string[] => list.map((l) => `  ${String(l.t).padStart(6)} ms ${l.dir} ${l.text}`);
  const each = report.addresses?.filter((a) => a.transcript !== undefined) ?? [];
  if (each.length < 2) return ['', paint('bold', 'Transcript (secrets redacted)'), ...lines(report.transcript)];
  return each.flatMap((a, i) => [
    '',
    paint('bold', `Transcript of ${a.address} (address ${i + 1} of ${each.length}${a.odd ? ', the odd one out' : ''}; secrets redacted)`),
    ...lines(a.transcript ?? []),
  ]);
}
