/**
 * Every sample in /work/shared/samples (event texts, queue errors, local responses, protocol
 * logs, provider replies) is parsed and explained with the right cause first. Each table
 * also asserts that it covers every data line of its file, so a new sample line fails here
 * until someone says what it means.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CauseCode } from '../../../src/exchange/causes.js';
import { explain, type Explanation } from '../../../src/exchange/explain.js';
import { SAMPLES_DIR } from '../../support/samples.js';

const sample = (f: string): string => readFileSync(path.join(SAMPLES_DIR, f), 'utf8');
/** Data lines: not blank, not a comment, not a [section] header. */
const dataLines = (f: string): string[] => sample(f).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !/^\[\d+\]/.test(l));

const first = (e: Explanation): CauseCode | undefined => e.causes[0]?.code;

interface Row {
  /** A substring identifying the sample line. */
  find: string;
  /** The text to explain when it is not the line itself (e.g. a placeholder filled in). */
  input?: string;
  cause: CauseCode | null;
  params?: Record<string, unknown>;
}

function runTable(file: string, rows: Row[]): void {
  const lines = dataLines(file);
  it(`${file}: the table covers every data line`, () => {
    for (const l of lines) expect(rows.some((r) => l.includes(r.find)), `uncovered sample line: ${l}`).toBe(true);
  });
  for (const row of rows) {
    it(`${file}: ${row.find.slice(0, 70)}`, () => {
      const line = lines.find((l) => l.includes(row.find));
      expect(line, `sample line containing "${row.find}"`).toBeDefined();
      const e = explain(row.input ?? line!);
      expect(first(e) ?? null, JSON.stringify(e.causes.map((c) => c.code))).toBe(row.cause);
      if (row.params) expect(e.parameters).toMatchObject(row.params);
      for (const c of e.causes) {
        expect(c.fix.length).toBeGreaterThan(0);
        expect(c.title.length).toBeGreaterThan(0);
      }
    });
  }
}

describe('exchange-event-texts.txt', () => {
  const text = sample('exchange-event-texts.txt');
  runTable('exchange-event-texts.txt', [
    { find: 'An authentication credential initialization error %1', cause: 'KERBEROS_NEGOTIATE_FAILED', params: { eventId: 2016 } },
    { find: 'Outbound authentication failed with error %1', cause: 'KERBEROS_NEGOTIATE_FAILED', params: { eventId: 2017 } },
    {
      find: 'error LogonDenied for Send connector 组织内',
      cause: 'KERBEROS_LOGON_DENIED',
      params: { eventId: 2017, status: 'LogonDenied', connector: '组织内 SMTP 发送连接器', mechanism: 'ExchangeAuth', target: 'SMTPSVC/M10-SD-MLCH02.sd.cnc.intra', targetHost: 'M10-SD-MLCH02.sd.cnc.intra' },
    },
    { find: 'KdcUnknownEncryptionType', cause: 'KERBEROS_ENCTYPE', params: { eventId: 2017, status: 'KdcUnknownEncryptionType', mechanism: 'ExchangeAuth' } },
    { find: 'Send connector %1 has failed to authenticate', cause: 'CREDENTIALS_REJECTED', params: { eventId: 2003 } },
    { find: 'A DNS failure occurred', cause: 'DNS_FAILURE', params: { eventId: 2000 } },
    {
      find: 'UnexpectedExchangeAuthBlob',
      cause: 'INBOUND_EXCHANGEAUTH_MISMATCH',
      params: { eventId: 1035, status: 'UnexpectedExchangeAuthBlob', connector: 'Default SiteCServer', mechanism: 'ExchangeAuth', sourceIp: '10.0.0.1' },
    },
  ]);

  it('2017 means X-EXPS was offered: "ExchangeServer chosen for a non-Exchange relay" is not a candidate; the implicit connector is named as such', () => {
    const line = text.split('\n').find((l) => l.includes('error LogonDenied for Send connector'))!;
    const e = explain(line);
    expect(e.causes.map((c) => c.code)).not.toContain('EXCHANGE_AUTH_TO_NON_EXCHANGE');
    expect(e.notes.find((n) => n.name === 'connector')?.meaning).toMatch(/implicit intra-organisation connector/);
  });

  it('2015: the recalled template wording (a comment in the sample) is recognised', () => {
    const wording = /# (TLS was required by the Send connector but the remote server did not offer STARTTLS\.)/.exec(text)?.[1];
    expect(wording).toBeDefined();
    const e = explain(wording!);
    expect(e.parameters.eventId).toBe(2015);
    expect(first(e)).toBe('STARTTLS_HIDDEN');
  });

  it('12014: the event by its id (Event Viewer "Copy details" form) → no certificate for the FQDN', () => {
    expect(text).toMatch(/\[12014\]/);
    const e = explain([
      'Log Name:      Application',
      'Source:        MSExchangeTransport',
      'Event ID:      12014',
      'Task Category: TransportService',
      'Level:         Error',
      'Computer:      EX01.contoso.com',
      'Description:',
      'Microsoft Exchange could not find a certificate that contains the domain name mail.contoso.com in the personal store on the local computer. Therefore, it is unable to support the STARTTLS SMTP verb for the connector Outbound with a FQDN parameter of mail.contoso.com.',
    ].join('\n'));
    expect(e.parameters).toMatchObject({ eventId: 12014, fqdn: 'mail.contoso.com', connector: 'Outbound', computer: 'EX01.contoso.com', level: 'Error' });
    expect(first(e)).toBe('NO_CERT_FOR_FQDN');
  });

  it('2016 filled in: status decides the first cause, the connector name goes into the PowerShell lines', () => {
    const e = explain('An authentication credential initialization error TimeSkew occurred with Send connector Relay. The authentication mechanism used was ExchangeAuth. The name of the server that we were trying to authenticate to was SMTPSVC/ex02.contoso.com. This server was using the name CONTOSO\\svc-relay.');
    expect(e.parameters).toMatchObject({ status: 'TimeSkew', connector: 'Relay', targetHost: 'ex02.contoso.com', user: 'CONTOSO\\svc-relay' });
    expect(first(e)).toBe('KERBEROS_CLOCK_SKEW');
    expect(e.notes.find((n) => n.name === 'status')?.meaning).toMatch(/clocks/);
    const cred = e.causes.find((c) => c.code === 'CREDENTIAL_UNUSABLE');
    expect(cred?.exchange?.command).toBe('Set-SendConnector "Relay" -AuthenticationCredential (Get-Credential -UserName "CONTOSO\\svc-relay")');
  });
});

describe('queue-lasterror.txt', () => {
  runTable('queue-lasterror.txt', [
    { find: 'Cannot achieve Exchange Server authentication." Attempted', cause: 'EXCHANGE_AUTH_TO_NON_EXCHANGE', params: { code: 451, enhanced: '5.7.3', local: true, failover: true, wrappers: ['failover'] } },
    { find: '"451 5.7.3 Require basic authentication."', cause: 'RELAY_NO_AUTH_LOGIN', params: { local: true } },
    { find: '"454 4.7.0 Temporary authentication failure."', cause: 'KERBEROS_NEGOTIATE_FAILED', params: { code: 454 } },
    { find: '"421 4.4.2 Connection dropped due to SocketError."', cause: 'TLS_VERSION_MISMATCH', params: { code: 421, local: true } },
    { find: 'DNS query failed with error ServerFailure', cause: 'DNS_FAILURE', params: { dnsError: 'DNS query failed with error ServerFailure' } },
    { find: 'SmtpResponse:451 4.4.395', cause: 'EXCHANGE_AUTH_TO_NON_EXCHANGE', params: { wrappers: ['tracking'], code: 451, enhanced: '5.7.3' } },
    {
      find: 'LastError : [{LRT=15-01-21',
      cause: 'TLS_VERSION_MISMATCH',
      params: {
        wrappers: ['bracketed', 'proxy', 'failover'], proxied: true, failover: true, code: 451, text: 'Security status InvalidToken',
        lrt: '15-01-21 23:50:05', fqdn: 'MAILSERVER.DOMAIN.LOCAL', ip: '192.168.12.4', lastEndpoint: '2a0X:3cXX:XX2:XXX::XX00:25',
      },
    },
    { find: 'RESOLVER.RST.AuthRequired', cause: 'RECIPIENT_REQUIRES_AUTH', params: { wrappers: ['bracketed'], code: 550, enhanced: '5.7.1' } },
  ]);
});

describe('exchange-local-responses.txt', () => {
  const statusLine = (l: string, s: string): string => l.replace('<SecurityStatus>', s);
  runTable('exchange-local-responses.txt', [
    { find: '451 5.7.3 Require basic authentication', cause: 'RELAY_NO_AUTH_LOGIN', params: { local: true } },
    { find: '451 5.7.3 Require STARTTLS to do basic authentication', cause: 'STARTTLS_HIDDEN', params: { local: true } },
    { find: '451 5.7.3 Cannot achieve Exchange Server authentication', cause: 'EXCHANGE_AUTH_TO_NON_EXCHANGE' },
    { find: '451 5.7.3 Cannot load Internal Transport Certificate', cause: 'INTERNAL_TRANSPORT_CERT' },
    { find: '451 5.7.3 STARTTLS is required to send mail', cause: 'STARTTLS_HIDDEN' },
    { find: '454 4.7.0 Temporary authentication failure', cause: 'KERBEROS_NEGOTIATE_FAILED' },
    { find: '421 4.4.2 Connection dropped due to SocketError', cause: 'TLS_VERSION_MISMATCH' },
    { find: '451 4.4.0 Security status InvalidToken', cause: 'TLS_VERSION_MISMATCH' },
    // A template: the inner response is a placeholder, so only the wrapper is recognised.
    { find: '451 4.4.395 Target host responded with error. -> <inner response>', cause: null, params: { wrappers: ['tracking'] } },
    { find: '451 4.4.0 DNS query failed', cause: 'DNS_FAILURE' },
    { find: '421 4.7.0 Too many errors on this connection', cause: 'TOO_MANY_PROTOCOL_ERRORS' },
    { find: '235 2.7.0 Authentication successful', cause: null, params: { code: 235 } },
    { find: '535 5.7.3 Authentication unsuccessful', cause: 'CREDENTIALS_REJECTED' },
    { find: '504 5.7.4 Unrecognized authentication type', cause: 'RELAY_NO_AUTH_LOGIN' },
    { find: '501 5.5.4 Authentication cancelled', cause: 'NEGOTIATION_ABORTED' },
    { find: '530 5.7.0 Must issue a STARTTLS command first', cause: 'AUTH_ONLY_AFTER_TLS_NOT_USED' },
    { find: '530 5.7.1 Client was not authenticated', cause: 'AUTH_NOT_CONFIGURED' },
    { find: '454 4.7.5 Certificate validation failure', cause: 'SENDER_CERT_REJECTED' },
    { find: '554 5.7.3 Unable to initialize security subsystem', cause: 'REMOTE_TLS_UNAVAILABLE' },
    { find: 'Outbound Authentication failed to initialize with', input: statusLine('*,,Outbound Authentication failed to initialize with <SecurityStatus>', 'TargetUnknown'), cause: 'KERBEROS_SPN', params: { authInitFailure: 'TargetUnknown' } },
    { find: '*,,Outbound Authentication failed with', input: statusLine('*,,Outbound Authentication failed with <SecurityStatus>', 'LogonDenied'), cause: 'KERBEROS_LOGON_DENIED', params: { authFailure: 'LogonDenied' } },
    { find: 'TLS negotiation failed with error', input: statusLine('*,,TLS negotiation failed with error <SecurityStatus>', 'NoCredentials'), cause: 'LOCAL_CERT_NO_PRIVATE_KEY', params: { tlsFailure: 'NoCredentials' } },
    { find: "remote doesn't support TLS", cause: 'STARTTLS_HIDDEN' },
    // The EHLO advertisement of an Exchange receive connector: a success reply, nothing to explain.
    { find: '250-AUTH NTLM LOGIN', cause: null, params: { code: 250 } },
    { find: '250-X-EXPS EXCHANGEAUTH GSSAPI NTLM', cause: null },
    { find: '250-X-EXCHANGEAUTH SHA256', cause: null },
    { find: '250-X-ANONYMOUSTLS', cause: null },
  ]);

  it('the placeholder forms parse without a status and explain nothing', () => {
    expect(explain('*,,Outbound Authentication failed with <SecurityStatus>').causes).toEqual([]);
  });
});

describe('provider-replies.txt (as event 2003 %3 or a queue error)', () => {
  const replies = dataLines('provider-replies.txt').map((l) => (l.split(' | ')[1] ?? '').replace(/\\n/g, '\n'));
  /** Expected first cause per reply prefix; first match wins. */
  const EXPECT: [RegExp, CauseCode | null][] = [
    [/SmtpClientAuthentication is disabled/, 'SMTP_AUTH_DISABLED_AT_PROVIDER'],
    [/basic authentication is disabled|5\.7\.30/i, 'PROVIDER_BASIC_AUTH_DISABLED'],
    [/did not meet the criteria|security defaults|account is locked|Application-specific|log in (with|via) your web browser/, 'ACCOUNT_BLOCKED'],
    [/^5\.7\.60|SendAsDenied|not verified|verified Sender Identity/, 'SENDER_NOT_ALLOWED'],
    [/Must issue an AUTH command first|^550 Invalid recipient/, 'AUTH_NOT_CONFIGURED'],
    [/5\.7\.57|Authentication Required|Authentication required|relay|Unauthenticated senders|I cannot deliver mail for/, 'AUTH_NOT_CONFIGURED'],
    [/4\.7\.66/, 'TLS_VERSION_MISMATCH'],
    [/Must issue a STARTTLS|mechanism is too weak|Encryption required/, 'AUTH_ONLY_AFTER_TLS_NOT_USED'],
    [/^535|^534|^504 Invalid AUTH string/, 'CREDENTIALS_REJECTED'],
    [/Too many login attempts|temporary system problem|failure: <reason>|password transition/, 'REMOTE_AUTH_TEMPFAIL'],
    [/^454 4\.7\.0 Temporary authentication failure$/, 'KERBEROS_NEGOTIATE_FAILED'],
    [/Authentication aborted|line is too long/, 'NEGOTIATION_ABORTED'],
    [/authentication not enabled|unrecognized mechanism/, 'RELAY_NO_AUTH_LOGIN'],
    [/TLS not available|no parameters allowed/, 'REMOTE_TLS_UNAVAILABLE'],
    [/^235|^220/, null],
    [/^500 Unrecognized command/, 'REMOTE_REJECTED'],
  ];
  for (const reply of replies) {
    it(reply.split('\n')[0]!.slice(0, 80), () => {
      const expected = EXPECT.find(([re]) => re.test(reply));
      expect(expected, `no expectation for: ${reply}`).toBeDefined();
      const e = explain(reply);
      expect(first(e) ?? null, JSON.stringify(e.causes.map((c) => c.code))).toBe(expected![1]);
      // As the response of event 2003 the same cause comes first.
      if (expected![1] !== null && /^\d{3}/.test(reply)) {
        const ev = explain(`Send connector Relay has failed to authenticate with smtp.example.net. The response from the remote site is ${reply.replace(/\n/g, ' ')}.`);
        expect(first(ev)).toBe(expected![1]);
      }
    });
  }
});

describe('protocol logs', () => {
  it('auth-login-not-offered: QUIT after an EHLO with only AUTH PLAIN → relay lacks LOGIN', () => {
    const e = explain(sample('exchange-smtpsend-auth-login-not-offered.log'));
    expect(first(e)).toBe('RELAY_NO_AUTH_LOGIN');
    expect(e.parameters).toMatchObject({ ehloName: 'exchange.example.net', authAfterTls: 'AUTH PLAIN', starttlsSent: true, quitAfterEhlo: true, greetingHost: 'smarthost.example.com' });
    expect(e.causes[0]?.because).toMatch(/AUTH=PLAIN line does not count/);
  });

  it('exchangeauth-logondenied: Outbound Authentication failed with LogonDenied over X-EXPS → trust/logon', () => {
    const e = explain(sample('exchange-smtpsend-exchangeauth-logondenied.log'));
    expect(first(e)).toBe('KERBEROS_LOGON_DENIED');
    expect(e.parameters).toMatchObject({ connector: '组织内 SMTP 发送连接器', authFailure: 'LogonDenied', tlsProtocol: 'SP_PROT_TLS1_0_CLIENT', ehloName: 'M10-HQ-MLCEN01.cnc.intra', remoteEndpoint: '10.**.**.168:25' });
    expect(e.causes[0]?.because).toMatch(/event 2017/);
  });

  it('tls-invalidtoken excerpt: masked EHLO verb (XXXA) → firewall inspection, then TLS mismatch', () => {
    const text = sample('exchange-smtpsend-tls-invalidtoken.log');
    const e = explain(text);
    expect(e.causes.map((c) => c.code).slice(0, 2)).toEqual(['FIREWALL_SMTP_INSPECTION', 'TLS_VERSION_MISMATCH']);
    expect(e.parameters).toMatchObject({ connector: 'TLSBLOM', maskedKeywords: ['XXXA'], starttlsOffered: true });
    // With the line the report says came later, the TLS status leads.
    const later = `${text.trimEnd()}\n2019-06-15T09:25:36.100Z,TLSBLOM,08D6EF29D1B8E590,12,192.1.1.150:60029,188.130.30.24:25,*,,TLS negotiation failed with error InvalidToken\n`;
    const e2 = explain(later);
    expect(e2.causes.map((c) => c.code).slice(0, 2)).toEqual(['TLS_VERSION_MISMATCH', 'FIREWALL_SMTP_INSPECTION']);
    expect(e2.parameters.tlsFailure).toBe('InvalidToken');
  });

  it('tls-nocredentials: TLS negotiation failed with NoCredentials → local certificate without private key', () => {
    const e = explain(sample('exchange-smtpsend-tls-nocredentials.log'));
    expect(first(e)).toBe('LOCAL_CERT_NO_PRIVATE_KEY');
    expect(e.parameters).toMatchObject({ connector: 'Outbound to Office 365', tlsFailure: 'NoCredentials' });
    expect(e.causes[0]?.exchange?.command).toMatch(/^Set-SendConnector "Outbound to Office 365" -TlsCertificateName/);
  });

  it('exchange-log-headers.txt: headers and the TLS line parse; a receive log with no failure explains nothing', () => {
    const e = explain(sample('exchange-log-headers.txt'));
    expect(e.parameters).toMatchObject({ direction: 'receive', logType: 'SMTP Receive Protocol Log', software: 'Microsoft Exchange Server', version: '14.0.0.0', sessions: 2 });
    expect(e.causes).toEqual([]);
  });
});
