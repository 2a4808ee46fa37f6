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
import { judgeCauses, planConfirmProbe, type CheckedCause, type CheckVerdict } from '../../src/exchange/probe-confirm.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer } from '../../src/mock/index.js';
import { probe } from '../../src/probe/probe.js';
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
