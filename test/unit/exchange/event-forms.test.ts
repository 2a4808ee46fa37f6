import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseEventJson, parseEventText, parseEventXml } from '../../../src/exchange/event-parser.js';
import { explain } from '../../../src/exchange/explain.js';

/** Event 2016 as wevtutil / Event Viewer "XML View" shows it: insertion strings in <Data>, in %n order. */
const XML_2016 = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="MSExchangeTransport" />
    <EventID Qualifiers="49156">2016</EventID>
    <Level>2</Level>
    <Task>12</Task>
    <TimeCreated SystemTime="2024-03-05T08:15:02.000000000Z" />
    <Channel>Application</Channel>
    <Computer>EX01.contoso.com</Computer>
  </System>
  <EventData>
    <Data>TargetUnknown</Data>
    <Data>Relay &amp; Backup</Data>
    <Data>ExchangeAuth</Data>
    <Data>SMTPSVC/relay.contoso.com</Data>
    <Data>NT AUTHORITY\\SYSTEM</Data>
  </EventData>
</Event>`;

/** The same as `Get-WinEvent -FilterHashtable @{LogName='Application';Id=2016} | ConvertTo-Json` writes it. */
const JSON_2016 = JSON.stringify([{
  Id: 2016,
  Version: 0,
  Qualifiers: 49156,
  Level: 2,
  ProviderName: 'MSExchangeTransport',
  LogName: 'Application',
  MachineName: 'EX01.contoso.com',
  TimeCreated: '/Date(1709626502000)/',
  LevelDisplayName: 'Error',
  Message: 'An authentication credential initialization error TargetUnknown occurred with Send connector Relay & Backup. The authentication mechanism used was ExchangeAuth. The name of the server that we were trying to authenticate to was SMTPSVC/relay.contoso.com. This server was using the name NT AUTHORITY\\SYSTEM.',
  Properties: [{ Value: 'TargetUnknown' }, { Value: 'Relay & Backup' }, { Value: 'ExchangeAuth' }, { Value: 'SMTPSVC/relay.contoso.com' }, { Value: 'NT AUTHORITY\\SYSTEM' }],
}, { Id: 4624, ProviderName: 'Microsoft-Windows-Security-Auditing', Message: 'An account was successfully logged on.' }]);

const EXPECTED = {
  eventId: 2016, status: 'TargetUnknown', connector: 'Relay & Backup', mechanism: 'ExchangeAuth',
  target: 'SMTPSVC/relay.contoso.com', targetHost: 'relay.contoso.com', computer: 'EX01.contoso.com', level: 'Error',
};

describe('event forms', () => {
  it('XML: insertion strings from <Data>, entities decoded, level and computer from <System>', () => {
    const ev = parseEventXml(XML_2016);
    expect(ev).toMatchObject({ id: 2016, form: 'xml', source: 'MSExchangeTransport', time: '2024-03-05T08:15:02.000000000Z' });
    const e = explain(XML_2016);
    expect(e.input).toEqual({ kind: 'event', form: 'xml', eventId: 2016 });
    expect(e.parameters).toMatchObject(EXPECTED);
    expect(e.causes[0]?.code).toBe('KERBEROS_SPN');
    // The service identity is not a user to re-enter.
    expect(e.causes.find((c) => c.code === 'CREDENTIAL_UNUSABLE')?.exchange?.command).toBe('Set-SendConnector "Relay & Backup" -AuthenticationCredential (Get-Credential)');
  });

  it('Get-WinEvent JSON: Properties in %n order, /Date()/ times, unknown events skipped', () => {
    const events = parseEventJson(JSON_2016);
    expect(events).toHaveLength(1);
    expect(events[0]?.time).toBe('2024-03-05T08:15:02.000Z');
    const e = explain(JSON_2016);
    expect(e.input.form).toBe('json');
    expect(e.parameters).toMatchObject(EXPECTED);
    expect(e.causes[0]?.code).toBe('KERBEROS_SPN');
  });

  it('Get-EventLog JSON (EventID, ReplacementStrings, InstanceId with qualifiers)', () => {
    const e = explain(JSON.stringify({
      EventID: 2017, InstanceId: 3221227489, Source: 'MSExchangeTransport', EntryType: 'Error',
      ReplacementStrings: ['TimeSkew', 'Relay', 'ExchangeAuth', 'SMTPSVC/ex02.contoso.com'],
    }));
    expect(e.parameters).toMatchObject({ eventId: 2017, status: 'TimeSkew', connector: 'Relay', source: 'MSExchangeTransport' });
    expect(e.causes[0]?.code).toBe('KERBEROS_CLOCK_SKEW');
  });

  it('JSON with only a Message (no Properties) falls back to the template', () => {
    const e = explain(JSON.stringify({ Id: 2003, Message: 'Send connector Relay has failed to authenticate with smtp.office365.com. The response from the remote site is 535 5.7.139 Authentication unsuccessful, basic authentication is disabled.' }));
    expect(e.parameters).toMatchObject({ eventId: 2003, connector: 'Relay', target: 'smtp.office365.com' });
    expect(e.causes[0]).toMatchObject({ code: 'PROVIDER_BASIC_AUTH_DISABLED', provider: 'Microsoft 365', signature: 'm365-basic-auth-disabled' });
  });

  it('text: Event Viewer "Copy details" header with the id, message on the next lines', () => {
    const ev = parseEventText([
      'Log Name:      Application',
      'Source:        MSExchangeTransport',
      'Date:         05/03/2024 09:15:02',
      'Event ID:      2017',
      'Task Category: SmtpSend',
      'Level:         Error',
      'Computer:      EX01.contoso.com',
      'Description:',
      'Outbound authentication failed with error WrongPrincipal for Send connector Intra. The authentication mechanism is ExchangeAuth. The target is SMTPSVC/lb.contoso.com.',
    ].join('\r\n'));
    expect(ev).toMatchObject({ id: 2017, source: 'MSExchangeTransport', computer: 'EX01.contoso.com', params: { status: 'WrongPrincipal', connector: 'Intra', targetHost: 'lb.contoso.com' } });
  });

  it('1020 (receive side): account without submit permission', () => {
    const e = explain("The account 'CONTOSO\\scanner' provided valid credentials, but it does not have submit permissions on SMTP Receive connector 'Client Frontend EX01'; failing authentication.");
    expect(e.parameters).toMatchObject({ eventId: 1020, account: 'CONTOSO\\scanner', connector: 'Client Frontend EX01' });
    expect(e.causes[0]?.code).toBe('NO_SUBMIT_RIGHT');
  });

  it('12013: internal transport certificate by thumbprint', () => {
    const e = explain('Microsoft Exchange could not load the certificate with thumbprint of 352D244A535D94B576232ECC4A4000CFE06BE106 from the personal store on the local computer. This certificate was configured for authentication with other Exchange servers.');
    expect(e.parameters).toMatchObject({ eventId: 12013, thumbprint: '352D244A535D94B576232ECC4A4000CFE06BE106' });
    expect(e.causes[0]?.code).toBe('INTERNAL_TRANSPORT_CERT');
  });

  it('unrecognised input is one clear ConfigError', () => {
    expect(() => explain('hello world')).toThrow(ConfigError);
    expect(() => explain('')).toThrow(/empty/);
    expect(() => explain('{"Id": 1}')).toThrow(/no known Exchange event/);
    expect(() => explain('{oops')).toThrow(/not valid/);
  });
});
