/**
 * --warn-ms / --crit-ms: Nagios thresholds on the whole probe's time. The Report is a real one
 * (the good-starttls scenario) whose step times are then set to fixed values spanning 46.7 ms,
 * so the verdicts below follow from the data, not from a clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose, verdictOf } from '../../../src/diagnose/index.js';
import { probeTimeMs } from '../../../src/diagnose/timing-rules.js';
import { createTestPki } from '../../../src/mock/certs/index.js';
import { findScenario } from '../../../src/mock/index.js';
import type { Report } from '../../../src/model/report.js';
import { renderNagios } from '../../../src/report/nagios.js';
import { replayScenario } from '../../../src/run/replay.js';

let okReport: Report;
beforeAll(async () => {
  const real = await replayScenario(await findScenario('good-starttls'), { pki: await createTestPki() });
  const n = real.steps.length;
  // Steps 1 ms apart, the last one 46.7 - (n - 1) ms long: the probe spans 46.7 ms.
  const steps = real.steps.map((s, i) => ({ ...s, startedAt: 1_000_000 + i, durationMs: i === n - 1 ? 46.7 - (n - 1) : 0.5 }));
  okReport = { ...real, steps, durationMs: 48.6 };
  expect(okReport.verdict).toBe('ok');
});

function judged(thresholds: { warnMs?: number; critMs?: number }): Report {
  const target = { ...okReport.target, ...thresholds };
  const findings = diagnose({ target, steps: okReport.steps, transcript: okReport.transcript });
  return { ...okReport, target, findings, verdict: verdictOf(findings, okReport.steps) };
}

describe('PROBE_SLOW', () => {
  it('measures the probe from its first step start to its last step end', () => {
    expect(probeTimeMs(okReport.steps)).toBeCloseTo(46.7, 3);
  });

  it('no threshold, or a probe within them: no finding, ok', () => {
    for (const t of [{}, { warnMs: 50 }, { warnMs: 50, critMs: 100 }]) {
      const r = judged(t);
      expect(r.findings.map((f) => f.code)).not.toContain('PROBE_SLOW');
      expect(r.verdict, JSON.stringify(r.findings.map((f) => f.evidence))).toBe('ok');
    }
  });

  it('above --warn-ms: a warning naming the time and the threshold', () => {
    const r = judged({ warnMs: 40, critMs: 100 });
    const f = r.findings.find((x) => x.code === 'PROBE_SLOW');
    expect(f?.severity).toBe('warning');
    expect(f?.evidence).toEqual(['the probe took 47 ms (above --warn-ms 40)']);
    expect(r.verdict).toBe('warning');
  });

  it('above --crit-ms: critical (also without --warn-ms)', () => {
    for (const t of [{ warnMs: 10, critMs: 45 }, { critMs: 45 }]) {
      const r = judged(t);
      expect(r.findings.find((x) => x.code === 'PROBE_SLOW')?.severity).toBe('critical');
      expect(r.verdict).toBe('critical');
    }
  });

  it('nagios perfdata carries the thresholds as the time ranges, in seconds', () => {
    const line = renderNagios(judged({ warnMs: 40, critMs: 1500 }));
    expect(line).toMatch(/^SMTP WARNING - .*PROBE_SLOW/);
    expect(line).toContain(' | time=0.049s;0.040;1.500;0 ');
    expect(renderNagios(okReport)).toContain(' | time=0.049s;;;0 ');
  });
});
