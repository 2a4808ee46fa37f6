/**
 * Event 2016 as the Exchange 2010 event page prints its template (with the two sentences
 * Exchange appends), filled in the way a Basic-auth smart host to Microsoft 365 produces it:
 * values end at their sentence end, the mechanism (Login) decides which causes can apply,
 * and a connector export is taken as fact.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CauseCode } from '../../../src/exchange/causes.js';
import { readConnectorFile } from '../../../src/exchange/connector-targets.js';
import { explain } from '../../../src/exchange/explain.js';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/connectors');

const fill = (status: string, mechanism: string, target = 'SMTPSVC/smtp.office365.com', name = 'EXCH01.contoso.local'): string =>
  `An authentication credential initialization error ${status} occurred with Send connector Smarthost. The authentication mechanism used was ${mechanism}. ` +
  `The name of the server that we were trying to authenticate to was ${target}. This server was using the name ${name}. ` +
  'Try reentering the credential. If the problem persists, contact Microsoft Support Services.';

const KERBEROS_OR_EXCHANGE_SERVER: CauseCode[] = [
  'KERBEROS_NEGOTIATE_FAILED', 'KERBEROS_CLOCK_SKEW', 'KERBEROS_SPN', 'KERBEROS_DC_UNREACHABLE', 'KERBEROS_LOGON_DENIED',
  'KERBEROS_ENCTYPE', 'EXCHANGE_AUTH_TO_NON_EXCHANGE', 'INTERNAL_TRANSPORT_CERT', 'FIREWALL_SMTP_INSPECTION',
];

describe('event 2016, mechanism Login (the seed text)', () => {
  it('reads every value up to its sentence end: %5 keeps its dots and stops before "Try reentering"', () => {
    const e = explain(fill('SEC_E_LOGON_DENIED', 'Login'));
    expect(e.parameters).toMatchObject({
      eventId: 2016, status: 'LogonDenied', connector: 'Smarthost', mechanism: 'Login',
      target: 'SMTPSVC/smtp.office365.com', targetHost: 'smtp.office365.com', user: 'EXCH01.contoso.local',
    });
  });

  it('ranks only Basic-auth causes: the stored credential first, then Microsoft 365\'s own switches; no Kerberos or Exchange Server cause', () => {
    const e = explain(fill('SEC_E_LOGON_DENIED', 'Login'));
    const codes = e.causes.map((c) => c.code);
    expect(codes[0]).toBe('BASIC_CREDENTIAL_UNUSABLE');
    expect(codes).toEqual(expect.arrayContaining(['CREDENTIALS_REJECTED', 'SMTP_AUTH_DISABLED_AT_PROVIDER', 'PROVIDER_BASIC_AUTH_DISABLED', 'ACCOUNT_BLOCKED', 'AUTH_ONLY_AFTER_TLS_NOT_USED']));
    for (const k of KERBEROS_OR_EXCHANGE_SERVER) expect(codes).not.toContain(k);
    expect(JSON.stringify(e.causes)).not.toMatch(/setspn|SMTPSVC\/smtp|w32tm|Kerberos \(Negotiate\)/);
    expect(e.summary).toMatch(/^Event 2016 on Send connector "Smarthost" with status LogonDenied\. Most likely: The connector's Basic-auth credential/);
  });

  it('says what LogonDenied means with Login, and that a host name in %5 is the server\'s own identity', () => {
    const e = explain(fill('LogonDenied', 'Login'));
    expect(e.notes.find((n) => n.name === 'status')?.meaning).toMatch(/With mechanism Login no Kerberos or domain trust is involved/);
    expect(e.causes[0]?.because).toMatch(/"EXCH01.contoso.local", a server name rather than a user name/);
  });

  it('the same event with a generic relay: no Microsoft 365 switches', () => {
    const codes = explain(fill('LogonDenied', 'Login', 'SMTPSVC/relay.example.net')).causes.map((c) => c.code);
    expect(codes[0]).toBe('BASIC_CREDENTIAL_UNUSABLE');
    expect(codes).not.toContain('SMTP_AUTH_DISABLED_AT_PROVIDER');
    for (const k of KERBEROS_OR_EXCHANGE_SERVER) expect(codes).not.toContain(k);
  });

  it('with mechanism ExchangeAuth the Kerberos causes stay (the mechanism decides, not the event id)', () => {
    const codes = explain(fill('LogonDenied', 'ExchangeAuth', 'SMTPSVC/ex02.contoso.com')).causes.map((c) => c.code);
    expect(codes[0]).toBe('KERBEROS_LOGON_DENIED');
    expect(codes).not.toContain('BASIC_CREDENTIAL_UNUSABLE');
  });

  it('Win32 names and numbers of the status are read as the status', () => {
    expect(explain(fill('0x80090324', 'ExchangeAuth')).parameters.status).toBe('TimeSkew');
    expect(explain(fill('sec_e_no_credentials', 'Login')).parameters.status).toBe('NoCredentials');
  });
});

describe('event 2016 with a connector export (facts)', () => {
  it('BasicAuthRequireTLS connector: no cause contradicts it; the one it rules out is listed with the setting', async () => {
    const [sc] = await readConnectorFile(path.join(FIXTURES, 'basicauthrequiretls.names.json'));
    const e = explain(fill('SEC_E_LOGON_DENIED', 'Login'), { sendConnector: sc! });
    const codes = e.causes.map((c) => c.code);
    expect(codes[0]).toBe('BASIC_CREDENTIAL_UNUSABLE');
    expect(codes).not.toContain('AUTH_ONLY_AFTER_TLS_NOT_USED');
    for (const k of KERBEROS_OR_EXCHANGE_SERVER) expect(codes).not.toContain(k);
    expect(e.excluded).toEqual([expect.objectContaining({ code: 'AUTH_ONLY_AFTER_TLS_NOT_USED', because: expect.stringMatching(/IgnoreSTARTTLS is \$false/) })]);
    expect(e.causes[0]?.because).toMatch(/the connector has user relay@contoso\.com/);
    expect(e.causes[0]?.exchange?.command).toBe('Set-SendConnector "Smarthost" -AuthenticationCredential (Get-Credential -UserName "relay@contoso.com")');
    expect(e.parameters).toMatchObject({ SmartHostAuthMechanism: 'BasicAuthRequireTLS', Port: 587, RequireTLS: true, IgnoreSTARTTLS: false });
  });

  it('an event without a mechanism takes the connector\'s: Basic → Basic causes, ExchangeServer → Kerberos causes', async () => {
    const text = fill('LogonDenied', '%3');
    const [basic] = await readConnectorFile(path.join(FIXTURES, 'basicauth.names.json'));
    const [exs] = await readConnectorFile(path.join(FIXTURES, 'exchangeserver.names.json'));
    const b = explain(text, { sendConnector: basic! }).causes.map((c) => c.code);
    expect(b[0]).toBe('BASIC_CREDENTIAL_UNUSABLE');
    for (const k of KERBEROS_OR_EXCHANGE_SERVER) expect(b).not.toContain(k);
    const x = explain(text, { sendConnector: exs! }).causes.map((c) => c.code);
    expect(x[0]).toBe('KERBEROS_LOGON_DENIED');
    expect(x).not.toContain('BASIC_CREDENTIAL_UNUSABLE');
  });

  it('a queue "454 4.7.0 Temporary authentication failure" on a Basic-auth connector: the Kerberos reading is left out', async () => {
    const [basic] = await readConnectorFile(path.join(FIXTURES, 'basicauth.names.json'));
    const e = explain('454 4.7.0 Temporary authentication failure', { sendConnector: basic! });
    const codes = e.causes.map((c) => c.code);
    expect(codes).not.toContain('KERBEROS_NEGOTIATE_FAILED');
    expect(codes).toContain('BASIC_CREDENTIAL_UNUSABLE');
    expect(e.excluded?.map((x) => x.code)).toContain('KERBEROS_NEGOTIATE_FAILED');
  });
});
