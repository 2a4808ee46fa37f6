import { targetForScenario } from '../mock/scenario-target.js';
import type { TestPki } from '../mock/certs/index.js';
import { startMockServer } from '../mock/index.js';
import type { Scenario } from '../mock/scenario-schema.js';
import type { Report } from '../model/report.js';
import { probe } from '../check.js';

export interface ReplayOptions {
  /** Share one test PKI across many replays (making one takes a few hundred ms). */
  pki?: TestPki;
  /** `check` flags in camelCase that override the scenario's `probe:` section. */
  overrides?: Record<string, unknown>;
}

/**
 * replayScenario: start the mock smart host as the scenario says, probe it as the scenario
 * says, and always stop the mock — the one loop behind the demo, recordings' expectations and
 * the scenario tests.
 */
export async function replayScenario(scenario: Scenario, opts: ReplayOptions = {}): Promise<Report> {
  const server = await startMockServer(scenario, opts.pki ? { pki: opts.pki } : {});
  try {
    return await probe(await targetForScenario(scenario, server, opts.overrides));
  } finally {
    await server.close();
  }
}
