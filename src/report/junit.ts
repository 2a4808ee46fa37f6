import type { Report } from '../model/report.js';

/**
 * renderJunit: reports as a JUnit XML document (the de-facto schema Jenkins, GitLab and
 * GitHub Actions read), so a CI job can gate on smart-host health. One testcase per target:
 * critical is a <failure>, unknown an <error> (we could not check), warning passes with its
 * findings in <system-out> (JUnit has no warning state). Steps and findings go in <system-out>.
 */
export function renderJunit(reports: readonly Report[], notRun: readonly string[] = []): string {
  const failures = reports.filter((r) => r.verdict === 'critical').length;
  const errors = reports.filter((r) => r.verdict === 'unknown').length;
  const time = seconds(reports.reduce((a, r) => a + r.durationMs, 0));
  const timestamp = reports[0]?.startedAt.replace(/\.\d+Z$/, '') ?? '';
  const cases = reports.map(testcase);
  for (const name of notRun) cases.push(`    <testcase classname="smtprobe" name="${attr(name)}" time="0">\n      <skipped message="not run (interrupted)"/>\n    </testcase>`);
  const counts = `tests="${reports.length + notRun.length}" failures="${failures}" errors="${errors}" skipped="${notRun.length}" time="${time}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="smtprobe" ${counts}>`,
    `  <testsuite name="smtprobe" ${counts}${timestamp ? ` timestamp="${attr(timestamp)}"` : ''}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(r: Report): string {
  const t = r.target;
  const head = `    <testcase classname="smtprobe" name="${attr(t.name)}" time="${seconds(r.durationMs)}">`;
  const alerting = r.findings.filter((f) => f.severity !== 'info');
  const message = alerting.map((f) => f.code).join(', ') || r.summary.failedStep?.code || r.verdict;
  const detail = alerting.map((f) => `${f.code}: ${f.title}\n  cause: ${f.cause}${f.fix[0] ? `\n  fix: ${f.fix[0]}` : ''}`).join('\n');
  const body: string[] = [];
  if (r.verdict === 'critical') body.push(`      <failure message="${attr(message)}" type="${attr(r.summary.failedStep?.code ?? alerting[0]?.code ?? 'critical')}">${text(detail)}</failure>`);
  if (r.verdict === 'unknown') body.push(`      <error message="${attr(message)}" type="${attr(alerting[0]?.code ?? 'unknown')}">${text(detail)}</error>`);
  const steps = r.steps.map((s) => `${s.step} ${s.status} ${Math.round(s.durationMs)} ms${s.error ? ` ${s.error.code}` : ''}`);
  const out = [`${t.host}:${t.port} verdict ${r.verdict}`, ...steps, ...(r.verdict === 'warning' ? [detail] : [])].join('\n');
  body.push(`      <system-out>${text(out)}</system-out>`);
  return [head, ...body, '    </testcase>'].join('\n');
}

function seconds(ms: number): string {
  return (Math.round(ms) / 1000).toFixed(3);
}

// XML 1.0 §2.2: control characters other than tab, CR, LF are not allowed at all; drop them.
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(XML_INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
