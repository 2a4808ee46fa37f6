/**
 * Every scenario file is a test (docs/design.md, "Mock smart host and scenarios"): start the mock as the file says, probe it as
 * the file says, and compare the findings and verdict with the file's `expect`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { loadScenarioFile } from '../../src/mock/index.js';
import { replayScenario } from '../../src/run/replay.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

describe('bundled scenarios', () => {
  it('there are scenario files', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });

  for (const file of files) {
    it.concurrent(file.replace(/\.yaml$/, ''), async () => {
      const scenario = await loadScenarioFile(path.join(dir, file));
      const report = await replayScenario(scenario, { pki });
      const codes = report.findings.map((f) => f.code);
      const ctx = `${file}: got ${report.verdict} [${codes.join(', ')}]; steps ${report.steps.map((s) => `${s.step}:${s.status}${s.error ? `(${s.error.code})` : ''}`).join(' ')}`;
      for (const c of scenario.expect.codes) expect(codes, ctx).toContain(c);
      for (const c of scenario.expect.absent) expect(codes, ctx).not.toContain(c);
      if (scenario.expect.anyOf.length > 0) expect(scenario.expect.anyOf.some((c) => codes.includes(c)), ctx).toBe(true);
      expect(report.verdict, ctx).toBe(scenario.expect.verdict);
      // The probe ends within its own hard deadline.
      expect(report.durationMs).toBeLessThanOrEqual((scenario.probe.timeout ?? 60) * 1000 + 1000);
    });
  }
});

