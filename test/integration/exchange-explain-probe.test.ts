/**
 * `explain --probe` against the mock: an input (protocol log sample, queue error, event) is
 * explained, the derived probe is re-aimed at the mock scenario that reproduces the failure,
 * and each cause comes back confirmed, ruled out or unknown from what the probe saw.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import type { CauseCode } from '../../src/exchange/causes.js';
import { explain, type Explanation } from '../../src/exchange/explain.js';
import { readConnectorFile } from '../../src/exchange/connector-targets.js';
import { judgeCauses, planConfirmProbe, probeHeadline, type CheckedCause, type CheckVerdict } from '../../src/exchange/probe-confirm.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer } from '../../src/mock/index.js';
import { probe } from '../../src/check.js';
import { SAMPLES_DIR } from '../support/samples.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLES = SAMPLES_DIR;
const sample = (f: string): string => readFileSync(path.join(SAMPLES, f), 'utf8');

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** confirm: explain → plan → probe the scenario (re-aimed) → judged causes. */
async function confirm(expl: Explanation, scenarioName: string, extra: Record<string, unknown> = {}): Promise<CheckedCause[]> {
  const scenario = await findScenario(scenarioName);
  const server = await startMockServer(scenario, { pki });
  try {
    const plan = planConfirmProbe(expl, { host: server.host, port: server.port, ca: server.caFile, tlsDomain: scenario.server.hostname, icmp: false, timeout: 5, ...extra });
    const target = await resolveTarget(parseTargetInput(plan.input, 'explain --probe'), { env: { PW: 'mock-pass-1', PW_WRONG: 'not-the-password' }, baseDir: here });
    const report = await probe(target);
    return judgeCauses(expl, report);
  } finally {
    await server.close();
  }
}

const verdictOf = (causes: CheckedCause[], code: CauseCode): CheckVerdict | undefined => causes.find((c) => c.code === code)?.probe.verdict;

describe('explain --probe', () => {
  it('the AUTH-LOGIN-not-offered log, probed against a PLAIN-only relay: RELAY_NO_AUTH_LOGIN confirmed, with the EHLO name from the log', async () => {
    const expl = explain(sample('exchange-smtpsend-auth-login-not-offered.log'));
    const plan = planConfirmProbe(expl, {});
    expect(plan.input).toMatchObject({ host: 'smarthost.example.com', ehlo: 'exchange.example.net', client: 'exchange', port: 25 });
    const causes = await confirm(expl, 'exchange-plain-only', { user: 'probe@smarthost.test', passwordEnv: 'PW' });
    expect(causes[0]?.code).toBe('RELAY_NO_AUTH_LOGIN');
    expect(causes[0]?.probe).toMatchObject({ verdict: 'confirmed' });
    expect(causes[0]?.probe.evidence.join(' ')).toMatch(/AUTH PLAIN — no LOGIN token/);
  });

  it('"Require basic authentication" against a relay that does offer LOGIN: that cause is ruled out', async () => {
    const expl = explain('451 4.4.0 Primary target IP address responded with: "451 5.7.3 Require basic authentication." Attempted failover to alternate host, but that did not succeed.');
    const causes = await confirm(expl, 'login-only', { user: 'probe@smarthost.test', passwordEnv: 'PW' });
    expect(verdictOf(causes, 'RELAY_NO_AUTH_LOGIN')).toBe('ruled-out');
    expect(causes[causes.length - 1]?.probe.verdict).toBe('ruled-out');
  });

  it('"Require STARTTLS to do basic authentication" against a relay without TLS: STARTTLS_HIDDEN confirmed', async () => {
    const expl = explain('451 5.7.3 Require STARTTLS to do basic authentication');
    const causes = await confirm(expl, 'no-starttls');
    expect(causes[0]).toMatchObject({ code: 'STARTTLS_HIDDEN', probe: { verdict: 'confirmed' } });
  });

  it('the masked-EHLO log, probed against a firewall-masked relay: inspection confirmed', async () => {
    const expl = explain(sample('exchange-smtpsend-tls-invalidtoken.log'));
    const causes = await confirm(expl, 'starttls-masked-by-firewall');
    expect(causes[0]).toMatchObject({ code: 'FIREWALL_SMTP_INSPECTION', probe: { verdict: 'confirmed' } });
    expect(causes[0]?.probe.evidence.join(' ')).toMatch(/XXXXXXXA/);
  });

  it('"Cannot achieve Exchange Server authentication" against a non-Exchange relay: confirmed (no X-EXPS); Kerberos causes stay unknown', async () => {
    const expl = explain('SmtpResponse:451 4.4.395 Target host responded with error. -> 451 5.7.3 Cannot achieve Exchange Server authentication');
    const causes = await confirm(expl, 'good-starttls');
    expect(causes[0]).toMatchObject({ code: 'EXCHANGE_AUTH_TO_NON_EXCHANGE', probe: { verdict: 'confirmed' } });
  });

  it('event 2003 with a 535 against a relay that rejects the password: CREDENTIALS_REJECTED confirmed', async () => {
    const expl = explain('Send connector Relay has failed to authenticate with smarthost.test. The response from the remote site is 535 5.7.8 Error: authentication failed: authentication failure.');
    const causes = await confirm(expl, 'bad-credentials', { user: 'probe@smarthost.test', passwordEnv: 'PW_WRONG' });
    expect(causes[0]).toMatchObject({ code: 'CREDENTIALS_REJECTED', probe: { verdict: 'confirmed' } });
    expect(causes[0]?.exchange?.command).toBe('Set-SendConnector "Relay" -AuthenticationCredential (Get-Credential)');
  });

  it('2017 LogonDenied: the probe uses no AUTH (Kerberos is not attempted) and the Kerberos causes stay unknown with what to run', async () => {
    const expl = explain('Outbound authentication failed with error LogonDenied for Send connector Intra. The authentication mechanism is ExchangeAuth. The target is SMTPSVC/smarthost.test.');
    const plan = planConfirmProbe(expl);
    expect(plan.input).toMatchObject({ host: 'smarthost.test', auth: 'none', client: 'exchange', connectorName: 'Intra' });
    const causes = await confirm(expl, 'good-starttls');
    expect(verdictOf(causes, 'KERBEROS_LOGON_DENIED')).toBe('unknown');
    expect(causes.find((c) => c.code === 'KERBEROS_LOGON_DENIED')?.probe.evidence.join(' ')).toMatch(/Test-ComputerSecureChannel/);
  });
});

describe('explain --probe on the event 2016 of a Basic-auth connector to Microsoft 365', () => {
  const EVENT = 'An authentication credential initialization error SEC_E_LOGON_DENIED occurred with Send connector Smarthost. The authentication mechanism used was Login. ' +
    'The name of the server that we were trying to authenticate to was SMTPSVC/smtp.office365.com. This server was using the name EXCH01.contoso.local. ' +
    'Try reentering the credential. If the problem persists, contact Microsoft Support Services.';

  it('the provider\'s "SMTP AUTH disabled" becomes cause 1, the headline says so, and nothing contradicts the BasicAuthRequireTLS connector', async () => {
    const [sc] = await readConnectorFile(path.join(here, '../../fixtures/connectors/basicauthrequiretls.names.json'));
    const expl = explain(EVENT, { sendConnector: sc! });
    const scenario = await findScenario('m365-auth-disabled');
    const server = await startMockServer(scenario, { pki });
    try {
      const plan = planConfirmProbe(expl, { host: server.host, port: server.port, ca: server.caFile, tlsDomain: scenario.server.hostname, icmp: false, timeout: 5, user: 'probe@contoso.test', passwordEnv: 'PW' });
      const target = await resolveTarget(parseTargetInput(plan.input, 'explain --probe'), { env: { PW: 'mock-pass-1' }, baseDir: here });
      const report = await probe(target);
      const causes = judgeCauses(expl, report, sc);
      expect(causes[0]).toMatchObject({ code: 'SMTP_AUTH_DISABLED_AT_PROVIDER', probe: { verdict: 'confirmed' } });
      expect(causes[0]?.probe.evidence.join(' ')).toMatch(/AUTH_DISABLED_BY_PROVIDER/);
      const codes = causes.map((c) => c.code);
      for (const k of ['EXCHANGE_AUTH_TO_NON_EXCHANGE', 'KERBEROS_NEGOTIATE_FAILED', 'KERBEROS_LOGON_DENIED', 'AUTH_ONLY_AFTER_TLS_NOT_USED'] as CauseCode[]) expect(codes).not.toContain(k);
      const headline = probeHeadline(expl, causes, report);
      expect(headline).toMatch(/Confirmed by probing 127\.0\.0\.1:\d+: SMTP AUTH is turned off at the provider/);
      expect(headline).not.toMatch(/Most likely/);
    } finally {
      await server.close();
    }
  });

  it('a probe finding the input did not rank joins the list as confirmed (LOGIN missing at a PLAIN-only relay)', async () => {
    const expl = explain(EVENT.replace('smtp.office365.com', 'relay.example.net'));
    expect(expl.causes.map((c) => c.code)).not.toContain('RELAY_NO_AUTH_LOGIN');
    const scenario = await findScenario('exchange-plain-only');
    const server = await startMockServer(scenario, { pki });
    try {
      const plan = planConfirmProbe(expl, { host: server.host, port: server.port, ca: server.caFile, tlsDomain: scenario.server.hostname, icmp: false, timeout: 5, user: 'probe@smarthost.test', passwordEnv: 'PW' });
      const target = await resolveTarget(parseTargetInput(plan.input, 'explain --probe'), { env: { PW: 'mock-pass-1' }, baseDir: here });
      const report = await probe(target);
      const causes = judgeCauses(expl, report);
      expect(causes[0]).toMatchObject({ code: 'RELAY_NO_AUTH_LOGIN', probe: { verdict: 'confirmed' } });
      expect(probeHeadline(expl, causes, report)).toMatch(/Confirmed by probing .*RELAY_NO_AUTH_LOGIN/);
    } finally {
      await server.close();
    }
  });
});
