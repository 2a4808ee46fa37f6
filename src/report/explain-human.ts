import type { CheckedCause, CheckVerdict } from '../exchange/probe-confirm.js';
import type { ExplainedCause, Explanation } from '../exchange/explain.js';
import type { ExplainProbe } from '../exchange/explain-json.js';
import { wrapLine } from './wrap.js';

/** ExplainHumanOptions: terminal colour, and the probe's outcome when `--probe` ran. */
export interface ExplainHumanOptions {
  color: boolean;
  /** Terminal width to wrap to (COLUMNS); undefined: no wrapping. */
  width?: number | undefined;
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
    // Causes found by one provider signature share its explanation and fixes: each sentence
    // and each fix is printed once, under the first cause that has it.
    const saidWhy = new Set<string>();
    const saidFix = new Map<string, number>();
    causes.forEach((c, i) => {
      const probe = 'probe' in c ? c.probe : undefined;
      const mark = probe ? ` [${paint(VERDICT_MARK[probe.verdict][1], VERDICT_MARK[probe.verdict][0])}]` : '';
      out.push(`  ${i + 1}. ${paint('bold', c.code)}${mark} — ${c.title}`);
      const sentences = c.why.split(/(?<=[.!?])\s+/).filter((x) => x !== '');
      const fresh = sentences.filter((x) => !saidWhy.has(x));
      for (const x of sentences) saidWhy.add(x);
      if (fresh.length > 0) out.push(`     why: ${fresh.join(' ')}`);
      out.push(`     ${paint('dim', `because ${c.because}`)}`);
      if (probe) for (const e of probe.evidence) out.push(`     probe: ${e}`);
      const earlier = new Set<number>();
      for (const f of c.fix) {
        const at = saidFix.get(f);
        if (at !== undefined) earlier.add(at);
        else {
          saidFix.set(f, i + 1);
          out.push(`     fix: ${f}`);
        }
      }
      if (earlier.size > 0) out.push(`     fix: also ${[...earlier].map((n) => `${n}.`).join(', ')} above`);
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
  return `${out.flatMap((line) => wrapLine(line, opts.width, Math.min((/^ */.exec(line)?.[0].length ?? 0) + 2, 12))).join('\n')}\n`;
}
