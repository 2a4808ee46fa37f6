/**
 * Round trip for every bundled scenario: start the mock with scenario X,
 * probe it as X says, record the Report as scenario Y (YAML, loaded back as the mock loads a
 * file), start the mock with Y, probe Y with Y's own probe section, and compare the finding
 * codes (as sets) and the verdict. No scenario is excluded.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { loadScenarioFile, startMockServer, type Scenario } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';
import { recordReport } from '../../src/record/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

async function run(scenario: Scenario): Promise<Report> {
  const server = await startMockServer(scenario, { pki });
  try {
    return await probe(await targetForScenario(scenario, server));
  } finally {
    await server.close();
  }
}

const codesOf = (r: Report): string[] => [...new Set(r.findings.map((f) => f.code))].sort();
const stepsOf = (r: Report): string => r.steps.map((s) => `${s.step}:${s.status}${s.error ? `(${s.error.code})` : ''}`).join(' ');

describe('record round trip: scenario → probe → recording → replay → same findings', () => {
  it('covers every bundled scenario', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const file of files) {
    const name = file.replace(/\.yaml$/, '');
    it.concurrent(name, async () => {
      const original = await loadScenarioFile(path.join(dir, file));
      const first = await run(original);
      const recording = recordReport(first, { name: `recorded-${name}` });
      // The recording replays the server, never the original scenario's test credentials.
      for (const u of original.server.auth.users) expect(recording.text).not.toContain(u.password);
      const second = await run(recording.scenario);
      const ctx = `${name}\nfirst:  ${first.verdict} [${codesOf(first).join(', ')}] ${stepsOf(first)}\nreplay: ${second.verdict} [${codesOf(second).join(', ')}] ${stepsOf(second)}\n${recording.text}`;
      expect(codesOf(second), ctx).toEqual(codesOf(first));
      expect(second.verdict, ctx).toBe(first.verdict);
      // The recording states what it reproduces.
      expect([...recording.scenario.expect.codes].sort()).toEqual(codesOf(first));
      expect(recording.scenario.expect.verdict).toBe(first.verdict);
    });
  }
});
