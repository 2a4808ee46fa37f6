import type { MockServer } from './mock-server.js';
import type { Scenario } from './scenario-schema.js';
import type { Target } from '../model/target.js';
import { parseTargetInput, resolveTarget } from '../config/resolve-target.js';
import { withMockOAuth } from './oauth-mock.js';

/**
 * targetForScenario builds the Target a scenario's `probe:` section describes, aimed at a
 * running mock server: host and port filled in, the mock's CA trusted unless `useMockCa` is
 * false, a client certificate from the mock's PKI when asked. Scenario files may hold test
 * passwords inline (never real ones), so literal secrets are allowed here only.
 * ICMP is off unless the scenario asks: a loopback ping says nothing about a fixture.
 */
export async function targetForScenario(scenario: Scenario, server: MockServer, overrides: Record<string, unknown> = {}): Promise<Target> {
  const { clientCert, useMockCa, ...flags } = scenario.probe;
  const raw: Record<string, unknown> = {
    icmp: false,
    ...withMockOAuth(flags, server),
    name: scenario.name,
    host: server.host,
    port: server.port,
    ...(useMockCa === false ? {} : { ca: server.caFile }),
    ...overrides,
  };
  const input = parseTargetInput(raw, `scenario ${scenario.name}: probe`);
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd(), allowLiteral: true, where: `scenario ${scenario.name}` });
  if (clientCert === 'trusted' || clientCert === 'untrusted' || clientCert === 'server-auth-only') {
    const issued = await server.pki.issueClient('smtprobe-client', { untrusted: clientCert === 'untrusted', serverAuthOnly: clientCert === 'server-auth-only' });
    target.clientCert = issued.certPem;
    target.clientKey = issued.keyPem;
  }
  return target;
}
