/**
 * One failure, one code: for every bundled scenario, the failed step's error, the Report
 * summary, the Prometheus metric, JUnit, Nagios and the run table all name the same code,
 * and it is the code of a finding — the one diagnosis attached to the failed step.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { loadScenarioFile } from '../../src/mock/index.js';
import { renderHuman } from '../../src/report/human.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderNagios } from '../../src/report/nagios.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { renderSummaryTable } from '../../src/report/summary-table.js';
import { replayScenario } from '../../src/run/replay.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

describe('one failure, one code (every bundled scenario)', () => {
  for (const file of files) {
    it.concurrent(file.replace(/\.yaml$/, ''), async () => {
      const report = await replayScenario(await loadScenarioFile(path.join(dir, file)), { pki });
      const failed = report.steps.find((s) => s.status === 'fail');
      const prom = renderPrometheus(report);
      const ctx = `${file}: steps ${report.steps.map((s) => `${s.step}:${s.status}${s.error ? `(${s.error.code})` : ''}`).join(' ')}; findings ${report.findings.map((f) => `${f.code}@${f.step ?? '-'}`).join(' ')}`;
      if (!failed) {
        expect(report.summary.failedStep, ctx).toBeUndefined();
        expect(prom, ctx).not.toMatch(/^probe_failed_step\{/m);
        expect(prom, ctx).toMatch(report.verdict === 'unknown' ? /^probe_success(\{[^}]*\})? 0$/m : /^probe_success(\{[^}]*\})? 1$/m);
        return;
      }
      const code = failed.error?.code;
      expect(code, ctx).toBeDefined();
      // The code is a finding's code: the one for that step when diagnosis attached one.
      const forStep = report.findings.find((f) => f.step === failed.step);
      expect(report.findings.map((f) => f.code), ctx).toContain(code);
      if (forStep) expect(code, ctx).toBe(forStep.code);
      expect(report.summary.failedStep, ctx).toEqual({ step: failed.step, code });
      expect(prom, ctx).toMatch(new RegExp(`^probe_failed_step\\{(?:[^}]*,)?step="${failed.step}",code="${code}"\\} 1$`, 'm'));
      if (failed.step !== 'quit') expect(prom, ctx).toMatch(/^probe_success(\{[^}]*\})? 0$/m);
      const junit = renderJunit([report]);
      if (report.verdict === 'critical') expect(junit, ctx).toContain(`type="${code}"`);
      expect(junit, ctx).toContain(`${failed.step} fail`);
      expect(junit, ctx).toMatch(new RegExp(`${failed.step} fail \\d+ ms ${code}`));
      if (report.verdict !== 'ok') expect(renderNagios(report), ctx).toContain(code);
      expect(renderSummaryTable([report], { color: false, notRun: [] }), ctx).toContain(`${failed.step}: ${code}`);
      // the failed step's line names the code (after its reply, or as its message)
      const stepLine = renderHuman(report, { color: false, transcript: false }).split('\n').find((l) => new RegExp(`^\\s+[✗!] ${failed.step}\\b`).test(l));
      expect(stepLine, ctx).toContain(code);
    });
  }
});
