/**
 * --step-warn-ms / --step-crit-ms and --ping-warn / --ping-crit: Nagios thresholds on each
 * step's time and on the ICMP echoes (check_ping's RTT,LOSS%). The Report is a real one (the
 * good-starttls scenario) with fixed step times and a fixed ICMP result, so the verdicts follow
 * from the data, not from a clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../../src/config/resolve-target.js';
import { diagnose, verdictOf } from '../../../src/diagnose/index.js';
import { createTestPki } from '../../../src/mock/certs/index.js';
import { findScenario } from '../../../src/mock/index.js';
import type { Report, StepResult } from '../../../src/model/report.js';
import type { PublicTarget } from '../../../src/model/target.js';
import { renderNagios } from '../../../src/report/nagios.js';
import { replayScenario } from '../../../src/run/replay.js';

let base: Report;
beforeAll(async () => {
  const real = await replayScenario(await findScenario('good-starttls'), { pki: await createTestPki() });
  // Every step 2 ms, except TLS: 300 ms. ICMP: 4 echoes, 1 lost, 12.5 ms average.
  const icmp: StepResult = { step: 'icmp', status: 'pass', startedAt: 1_000_000, durationMs: 40, data: { address: '127.0.0.1', family: 4, sent: 4, received: 3, lossPct: 25, rttMs: { min: 10, avg: 12.5, max: 15, stddev: 2, p95: 15 } } };
  const steps = real.steps.map((s, i) => ({ ...s, startedAt: 1_000_000 + i, durationMs: s.step === 'tls' ? 300 : 2 }));
  base = { ...real, steps: [steps[0] as StepResult, icmp, ...steps.slice(1)] };
  expect(base.verdict).toBe('ok');
});

function judged(t: Partial<PublicTarget>): Report {
  const target = { ...base.target, ...t };
  const findings = diagnose({ target, steps: base.steps, transcript: base.transcript });
  return { ...base, target, findings, verdict: verdictOf(findings, base.steps) };
}

describe('per-step thresholds', () => {
  it('a step above its limit is PROBE_SLOW naming the step; other steps and limits do not count', () => {
    expect(judged({ stepWarnMs: { tls: 500, auth: 1 } }).verdict).toBe('warning'); // auth took 2 ms
    const w = judged({ stepWarnMs: { tls: 250 } });
    expect(w.verdict).toBe('warning');
    expect(w.findings.find((f) => f.code === 'PROBE_SLOW')?.evidence).toEqual(['tls took 300 ms (above --step-warn-ms tls=250)']);
    const c = judged({ stepWarnMs: { tls: 100 }, stepCritMs: { tls: 299 } });
    expect(c.verdict).toBe('critical');
    expect(judged({ stepWarnMs: { tls: 300 } }).verdict).toBe('ok');
  });

  it('nagios perfdata carries each step limit as its range (seconds)', () => {
    const text = renderNagios(judged({ stepWarnMs: { tls: 250 }, stepCritMs: { tls: 1000 } }));
    expect(text).toMatch(/ tls=0\.300s;0\.250;1\.000;0/);
    expect(text).toMatch(/ banner=0\.002s;;;0/);
  });
});

describe('ping thresholds (check_ping -w / -c)', () => {
  it('RTT or loss above --ping-warn: ICMP_DEGRADED warning; above --ping-crit: critical', () => {
    expect(judged({ pingWarn: { rttMs: 100, lossPct: 30 } }).verdict).toBe('ok');
    const rtt = judged({ pingWarn: { rttMs: 10, lossPct: 30 } });
    expect(rtt.verdict).toBe('warning');
    expect(rtt.findings.find((f) => f.code === 'ICMP_DEGRADED')?.evidence).toEqual(['ICMP echo to 127.0.0.1: average round-trip 12.50 ms is above 10 ms (--ping-warn)']);
    const loss = judged({ pingWarn: { rttMs: 5, lossPct: 10 }, pingCrit: { rttMs: 100, lossPct: 20 } });
    expect(loss.verdict).toBe('critical');
    expect(loss.findings.find((f) => f.code === 'ICMP_DEGRADED')?.evidence).toEqual(['ICMP echo to 127.0.0.1: loss 25% (3/4 answered) is above 20% (--ping-crit)']);
  });

  it('perfdata: rta and pl as check_ping writes them', () => {
    const text = renderNagios(judged({ pingWarn: { rttMs: 100, lossPct: 20 }, pingCrit: { rttMs: 500, lossPct: 60 } }));
    expect(text).toMatch(/ rta=12\.500ms;100;500;0 pl=25%;20;60;0;100/);
  });
});

describe('input', () => {
  const resolve = (raw: Record<string, unknown>) => resolveTarget(parseTargetInput({ host: '127.0.0.1', ...raw }), { env: {}, baseDir: '/' });

  it('flag form STEP=MS,... and the probes.yaml mapping give the same limits; RTT,LOSS% is check_ping\'s', async () => {
    expect((await resolve({ stepWarnMs: 'tls=500, auth=2000' })).stepWarnMs).toEqual({ tls: 500, auth: 2000 });
    expect((await resolve({ stepWarnMs: { tls: 500 } })).stepWarnMs).toEqual({ tls: 500 });
    expect((await resolve({ pingWarn: '100.5,20%' })).pingWarn).toEqual({ rttMs: 100.5, lossPct: 20 });
  });

  it.each([
    [{ stepWarnMs: 'handshake=5' }, /stepWarnMs: "handshake" is not a step/],
    [{ stepWarnMs: 'tls=fast' }, /stepWarnMs: tls: a whole number of milliseconds/],
    [{ stepWarnMs: { tls: 900 }, stepCritMs: { tls: 500 } }, /stepWarnMs: tls=900 is above stepCritMs tls=500/],
    [{ pingWarn: '100' }, /pingWarn: "100" is not RTT_MS,LOSS%/],
    [{ pingCrit: '100,120%' }, /pingCrit: loss 120% is above 100%/],
    [{ pingWarn: '100,70%', pingCrit: '500,60%' }, /pingWarn: 100,70% is above pingCrit 500,60%/],
  ])('%j is one input error', async (raw, message) => {
    await expect(resolve(raw)).rejects.toThrow(message);
  });
});
