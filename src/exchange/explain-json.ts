import type { Report } from '../model/report.js';
import type { Explanation } from './explain.js';
import type { CheckedCause } from './probe-confirm.js';

/** ExplainProbe: the outcome of `explain --probe`. */
export interface ExplainProbe {
  report: Report;
  causes: CheckedCause[];
  notes: string[];
  /** The headline after probing: names the confirmed cause, or says none was. */
  summary: string;
}

/** explainJson: the `--json` shape — `{ parameters, causes: [{ code, title, fix }] }` plus more fields. */
export function explainJson(expl: Explanation, probe?: ExplainProbe): string {
  const causes = (probe?.causes ?? expl.causes).map((c) => {
    const { checks, ...rest } = c;
    return { ...rest, manualChecks: checks.manual };
  });
  const body: Record<string, unknown> = { input: expl.input, summary: probe?.summary ?? expl.summary, parameters: expl.parameters, notes: expl.notes, causes };
  if (expl.excluded) body.excluded = expl.excluded;
  if (probe) {
    body.probe = {
      target: { host: probe.report.target.host, port: probe.report.target.port, ehlo: probe.report.target.ehlo, client: probe.report.target.client, auth: probe.report.target.auth },
      verdict: probe.report.verdict,
      findings: probe.report.findings.map((f) => ({ code: f.code, severity: f.severity, title: f.title })),
      notes: probe.notes,
    };
  }
  return `${JSON.stringify(body, null, 2)}\n`;
}
