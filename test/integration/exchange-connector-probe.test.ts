/**
 * A Send connector (one fixture per SmartHostAuthMechanism, in both enum forms) → probes.yaml
 * (import-connector) → the target the fleet loader reads back → a probe of the matching mock scenario, with the findings
 * Exchange's behaviour implies. Only the address changes: host and port point at the mock,
 * its CA is trusted and its certificate name stands in for the smart host's DNS name; the
 * user is the mock's test account, the password comes from the connector's env reference.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProbesText, targetInputFor } from '../../src/config/probes-file.js';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import type { TargetInput } from '../../src/config/target-schema.js';
import { parseSendConnectorJson } from '../../src/exchange/connector-json.js';
import { mapConnector } from '../../src/exchange/connector-mapping.js';
import { writeProbesYaml } from '../../src/exchange/probes-yaml-writer.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import type { FindingCode } from '../../src/model/finding-codes.js';
import type { Report, Verdict } from '../../src/model/report.js';
import { probe } from '../../src/check.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/connectors');
const MOCK_USER = 'probe@smarthost.test';
const MOCK_PASS = 'mock-pass-1';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => undefined);

/**
 * connectorInput: the first target of the probes.yaml that import-connector writes for a
 * connector fixture, read back by the fleet loader (defaults < module < target merged).
 */
function connectorInput(file: string): TargetInput {
  const mappings = parseSendConnectorJson(readFileSync(path.join(dir, file), 'utf8'), file).map((c) => mapConnector(c));
  const config = parseProbesText(writeProbesYaml(mappings, { source: file }), 'probes.yaml', dir);
  const entry = config.targets[0];
  if (!entry) throw new Error(`${file}: no target`);
  return targetInputFor(config, entry);
}

/** probeScenario probes a bundled mock scenario with a connector-derived input, re-aimed at the mock. */
async function probeScenario(input: TargetInput, scenarioName: string): Promise<Report> {
  const scenario = await findScenario(scenarioName);
  const server: MockServer = await startMockServer(scenario, { pki });
  try {
    const env: Record<string, string> = {};
    const raw: Record<string, unknown> = { ...input, host: server.host, port: server.port, tlsDomain: scenario.server.hostname, icmp: false, timeout: 5 };
    // As scenario-target.ts does: the mock's CA is trusted unless the scenario is about an untrusted one.
    if (scenario.probe.useMockCa !== false) raw.ca = server.caFile;
    if (input.user) {
      raw.user = MOCK_USER;
      // The connector's password reference (env:SMTP_PASS_<CONNECTOR>) resolved from this test's env.
      env[String(input.password).replace(/^env:/, '')] = MOCK_PASS;
    }
    const target = await resolveTarget(parseTargetInput(raw, 'connector'), { env, baseDir: dir });
    return await probe(target);
  } finally {
    await server.close();
  }
}

interface Case {
  connector: string;
  scenario: string;
  codes: FindingCode[];
  absent?: FindingCode[];
  verdict: Verdict;
}

const CASES: Case[] = [
  // None: opportunistic TLS, no AUTH — a healthy relay is fine, no credential ever sent.
  { connector: 'none', scenario: 'good-starttls', codes: [], absent: ['AUTH_NOT_OFFERED', 'AUTH_NO_COMMON_MECHANISM'], verdict: 'ok' },
  // BasicAuth: LOGIN only. A relay with PLAIN only is the "451 5.7.3 Require basic authentication" case.
  { connector: 'basicauth', scenario: 'login-only', codes: [], verdict: 'ok' },
  { connector: 'basicauth', scenario: 'exchange-plain-only', codes: ['AUTH_NO_COMMON_MECHANISM'], verdict: 'critical' },
  // Opportunistic TLS and no STARTTLS: Exchange would send the password in clear; smtprobe refuses and says so.
  { connector: 'basicauth', scenario: 'no-starttls', codes: ['STARTTLS_NOT_OFFERED', 'AUTH_PLAINTEXT_REFUSED'], verdict: 'critical' },
  // BasicAuthRequireTLS with CertificateValidation.
  { connector: 'basicauthrequiretls', scenario: 'good-starttls', codes: [], absent: ['CERT_UNTRUSTED_ROOT', 'STARTTLS_NOT_OFFERED'], verdict: 'ok' },
  { connector: 'basicauthrequiretls', scenario: 'no-starttls', codes: ['STARTTLS_NOT_OFFERED'], verdict: 'critical' },
  { connector: 'basicauthrequiretls', scenario: 'starttls-masked-by-firewall', codes: ['STARTTLS_NOT_OFFERED'], verdict: 'critical' },
  { connector: 'basicauthrequiretls', scenario: 'exchange-legacy-auth-only', codes: ['AUTH_NOT_OFFERED'], verdict: 'critical' },
  { connector: 'basicauthrequiretls', scenario: 'cert-untrusted-root', codes: ['CERT_UNTRUSTED_ROOT'], verdict: 'critical' },
  // ExchangeServer against a relay that is not Exchange (no X-EXPS / X-ANONYMOUSTLS): Exchange's
  // "451 5.7.3 Cannot achieve Exchange Server authentication", no AUTH attempted.
  { connector: 'exchangeserver', scenario: 'good-starttls', codes: ['AUTH_NO_COMMON_MECHANISM'], absent: ['AUTH_CREDENTIALS_REJECTED'], verdict: 'critical' },
  { connector: 'exchangeserver', scenario: 'cert-wrong-host', codes: ['CERT_HOSTNAME_MISMATCH'], verdict: 'critical' },
  // ExternalAuthoritative with IgnoreSTARTTLS: no TLS, no AUTH.
  { connector: 'externalauthoritative', scenario: 'good-starttls', codes: [], absent: ['STARTTLS_NOT_OFFERED'], verdict: 'ok' },
];

describe('connector → target → probe of the matching mock scenario', () => {
  for (const c of CASES) {
    for (const form of ['names', 'numbers'] as const) {
      it(`${c.connector}.${form}.json against ${c.scenario}`, async () => {
        const input = connectorInput(`${c.connector}.${form}.json`);
        expect(input.client).toBe('exchange');
        const report = await probeScenario(input, c.scenario);
        const codes = report.findings.map((f) => f.code);
        const ctx = `${c.connector}/${c.scenario}: ${report.verdict} [${codes.join(', ')}] ${report.steps.map((s) => `${s.step}:${s.status}`).join(' ')}`;
        for (const code of c.codes) expect(codes, ctx).toContain(code);
        for (const code of c.absent ?? []) expect(codes, ctx).not.toContain(code);
        expect(report.verdict, ctx).toBe(c.verdict);
        expect(report.target.connectorName).toBe(input.connectorName);
        // The connector's settings reached the wire: EHLO with the Fqdn, TLS per the connector.
        expect(report.transcript.some((l) => l.dir === '>' && l.text === 'EHLO mail.contoso.com'), ctx).toBe(true);
        const sentStarttls = report.transcript.some((l) => l.dir === '>' && l.text === 'STARTTLS');
        if (input.tls === 'none') expect(sentStarttls, ctx).toBe(false);
        // Only LOGIN is ever attempted for Basic auth; never PLAIN.
        expect(report.transcript.some((l) => l.dir === '>' && /^AUTH (?!LOGIN)/i.test(l.text)), ctx).toBe(false);
        // Every finding that maps to a connector setting names this connector in its PowerShell line.
        for (const f of report.findings) if (f.exchange?.command.startsWith('Set-SendConnector')) expect(f.exchange.command).toContain(`"${input.connectorName}"`);
      });
    }
  }
});
