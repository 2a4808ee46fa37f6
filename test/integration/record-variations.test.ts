/**
 * Round trip beyond the bundled files' own probe sections: the same servers probed the way
 * people get them wrong in the field (implicit TLS on a STARTTLS port, the Exchange client,
 * TLS 1.0 only, a version scan, MAIL/RCPT, a short deadline), recorded and replayed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type Scenario } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';
import { recordReport } from '../../src/record/index.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

async function run(scenario: Scenario, overrides: Record<string, unknown> = {}): Promise<Report> {
  const server = await startMockServer(scenario, { pki });
  try {
    return await probe(await targetForScenario(scenario, server, overrides));
  } finally {
    await server.close();
  }
}
const codesOf = (r: Report): string[] => [...new Set(r.findings.map((f) => f.code))].sort();

const VARIATIONS: [string, Record<string, unknown>][] = [
  ['good-starttls', { tls: 'implicit' }],
  ['good-starttls', { client: 'exchange' }],
  ['good-starttls', { client: 'exchange', exchangeTls: '1.0' }],
  ['tls10-legacy', { client: 'exchange', exchangeTls: '1.0' }],
  ['good-starttls', { tlsScan: true }],
  ['cram-only', { client: 'exchange' }],
  ['login-only', { mailFrom: 'probe@smarthost.test', rcpt: ['someone@elsewhere.test'] }],
  ['legacy-auth-equals', { client: 'exchange' }],
  ['no-starttls', { tls: 'starttls-optional', allowPlaintextAuth: true }],
  ['cert-wrong-host', { tlsVerify: 'none' }],
  ['cert-expired', { tlsVerify: 'chain', tlsDomain: 'other.test' }],
  ['slow-banner', { phaseTimeout: 1, timeout: 4 }],
];

describe('record round trip: field-style probes of the bundled servers', () => {
  for (const [name, overrides] of VARIATIONS) {
    it(`${name} ${JSON.stringify(overrides)}`, async () => {
      const first = await run(await findScenario(name), overrides);
      const recording = recordReport(first, { name: 'variation' });
      const second = await run(recording.scenario);
      const ctx = `first ${first.verdict} [${codesOf(first).join(', ')}], replay ${second.verdict} [${codesOf(second).join(', ')}]\n${recording.text}`;
      expect(codesOf(second), ctx).toEqual(codesOf(first));
      expect(second.verdict, ctx).toBe(first.verdict);
    });
  }
});
