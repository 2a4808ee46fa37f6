/**
 * The mock servers of one test file: one test PKI for the file, every server started through
 * the pool closed after the file's tests. Call mockPool() at the top level of a test file.
 */
import { afterAll, beforeAll } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockOptions, type MockServer, type Scenario } from '../../src/mock/index.js';

export interface MockPool {
  /** The file's test PKI (set in beforeAll). */
  readonly pki: TestPki;
  /** start serves a bundled scenario (by name) or a parsed one; the server closes after the file. */
  start(scenario: string | Scenario, opts?: Omit<MockOptions, 'pki'>): Promise<MockServer>;
}

export function mockPool(): MockPool {
  let pki: TestPki | undefined;
  const servers: MockServer[] = [];
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  return {
    get pki(): TestPki {
      if (!pki) throw new Error('mockPool: the PKI exists from beforeAll on');
      return pki;
    },
    async start(scenario, opts = {}) {
      const s = await startMockServer(typeof scenario === 'string' ? await findScenario(scenario) : scenario, { ...opts, pki: this.pki });
      servers.push(s);
      return s;
    },
  };
}

/**
 * mockFleetYaml: a probes.yaml for mock smart hosts of a test PKI — STARTTLS, the PKI's root as
 * `./ca.pem` beside the file (the caller writes it), the mocks' name and user, no ICMP — with
 * one `targets:` line per entry of `targets`.
 */
export function mockFleetYaml(targets: readonly string[]): string {
  return ['defaults:', '  tls: starttls', '  ca: ./ca.pem', '  tlsDomain: smarthost.test', '  user: probe@smarthost.test', '  icmp: false', 'targets:', ...targets, ''].join('\n');
}
