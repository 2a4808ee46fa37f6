import type { CheckedCause, CheckVerdict } from '../exchange/probe-confirm.js';
import type { ExplainedCause, Explanation } from '../exchange/explain.js';
import type { ExplainProbe } from '../exchange/explain-json.js';

/** ExplainHumanOptions: terminal colour, and the probe's outcome when `--probe` ran. */
export interface ExplainHumanOptions {
  color: boolean;
  probe?: ExplainProbe;
}

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
type Style = keyof typeof ANSI;

const VERDICT_MARK: Record<CheckVerdict, [string, Style]> = {
  confirmed: ['CONFIRMED', 'red'],
  'ruled-out': ['ruled out', 'green'],
  unknown: ['unknown', 'yellow'],
};

/**
 * renderExplainHuman: an explanation for the terminal — what the input says, each parameter
 * in plain words, then the causes most likely first with their fixes and PowerShell lines.
 * Pure: the CLI writes the string.
 */
export function renderExplainHuman(expl: Explanation, opts: ExplainHumanOptions): string {
  const paint = (s: Style, t: string): string => (opts.color ? `\x1b[${ANSI[s]}m${t}\x1b[0m` : t);
  const out: string[] = [paint('bold', opts.probe?.summary ?? expl.summary), ''];
  if (expl.notes.length > 0) {
    out.push(paint('bold', 'Parameters'));
    const width = Math.min(18, Math.max(...expl.notes.map((n) => n.name.length)));
    for (const n of expl.notes) out.push(`  ${n.name.padEnd(width)}  ${n.value}`, `  ${' '.repeat(width)}  ${paint('dim', n.meaning)}`);
    out.push('');
  }
  const causes: (ExplainedCause | CheckedCause)[] = opts.probe?.causes ?? expl.causes;
  if (causes.length === 0) {
    out.push('No failure to explain: nothing in the input points at a cause.');
  } else {
    out.push(paint('bold', opts.probe ? 'Causes (after probing, confirmed first)' : 'Likely causes, most likely first'));
    causes.forEach((c, i) => {
      const probe = 'probe' in c ? c.probe : undefined;
      const mark = probe ? ` [${paint(VERDICT_MARK[probe.verdict][1], VERDICT_MARK[probe.verdict][0])}]` : '';
      out.push(`  ${i + 1}. ${paint('bold', c.code)}${mark} — ${c.title}`);
      out.push(`     why: ${c.why}`);
      out.push(`     ${paint('dim', `because ${c.because}`)}`);
      if (probe) for (const e of probe.evidence) out.push(`     probe: ${e}`);
      for (const f of c.fix) out.push(`     fix: ${f}`);
      if (c.exchange) out.push(`     Exchange (${c.exchange.setting}): ${c.exchange.command}`);
    });
  }
  if (expl.excluded && expl.excluded.length > 0) {
    out.push('', paint('bold', 'Left out: the connector\'s settings contradict them'));
    for (const x of expl.excluded) out.push(`  ${x.code} — ${paint('dim', x.because)}`);
  }
  if (opts.probe) {
    const r = opts.probe.report;
    out.push('', paint('bold', `Probe of ${r.target.host}:${r.target.port} (${r.target.client}, EHLO ${r.target.ehlo}): ${r.verdict}`));
    for (const f of r.findings) out.push(`  ${f.severity.toUpperCase()} ${f.code} — ${f.title}`);
    for (const n of opts.probe.notes) out.push(`  ${paint('dim', `note: ${n}`)}`);
  }
  return `${out.join('\n')}\n`;
}
