import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialogueOf } from '../../../src/exchange/protocol-log-dialogue.js';
import { looksLikeProtocolLog, parseProtocolLog, splitCsv } from '../../../src/exchange/protocol-log.js';
import { parseQueueError, parseResponseText } from '../../../src/exchange/queue-error-parser.js';
import { sessionFacts } from '../../../src/exchange/send-session-facts.js';
import { SAMPLES_DIR } from '../../support/samples.js';

const samples = SAMPLES_DIR;
const sample = (f: string): string => readFileSync(path.join(samples, f), 'utf8');

describe('parseResponseText', () => {
  it('code, enhanced status, text without the final period', () => {
    expect(parseResponseText('451 5.7.3 Require basic authentication.')).toMatchObject({ code: 451, enhanced: '5.7.3', text: 'Require basic authentication' });
    expect(parseResponseText('535 Authentication Credentials Invalid')).toMatchObject({ code: 535, text: 'Authentication Credentials Invalid' });
    expect(parseResponseText('535 Authentication Credentials Invalid')?.enhanced).toBeUndefined();
  });

  it('multi-line replies join their text (RFC 5321 §4.2.1)', () => {
    expect(parseResponseText('535-5.7.8 Username and Password not accepted. Learn more at\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials x - gsmtp'))
      .toMatchObject({ code: 535, enhanced: '5.7.8', text: 'Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials x - gsmtp' });
  });

  it('NDR fragments with only an enhanced status', () => {
    expect(parseResponseText('5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM')).toMatchObject({ enhanced: '5.7.57', text: 'Client was not authenticated to send anonymous mail during MAIL FROM' });
  });
});

describe('parseQueueError', () => {
  it('peels bracket → proxy → failover down to the local response', () => {
    const q = parseQueueError(sample('queue-lasterror.txt').split('\n').find((l) => l.startsWith('LastError'))!);
    expect(q.layers.map((l) => l.kind)).toEqual(['bracketed', 'proxy', 'failover']);
    expect(q.response).toMatchObject({ code: 451, enhanced: '4.4.0', text: 'Security status InvalidToken' });
    expect(q).toMatchObject({ proxied: true, failover: true, local: true, lastEndpoint: '2a0X:3cXX:XX2:XXX::XX00:25', fqdn: 'MAILSERVER.DOMAIN.LOCAL', ip: '192.168.12.4', lrt: '15-01-21 23:50:05' });
  });

  it('tolerates the poster\'s line wrapping inside a bracketed LastError', () => {
    const q = parseQueueError('LastError : [{LRT=1/2/2024 10:00:00 AM};{LED=451 4.4.0 Primary target IP address responded with:\n  "451 5.7.3 Require basic authentication." Attempted failover to alternate host, but that did not\n  succeed.};{FQDN=relay.example.net};{IP=192.0.2.10}]');
    expect(q.response).toMatchObject({ code: 451, enhanced: '5.7.3', text: 'Require basic authentication' });
    expect(q).toMatchObject({ fqdn: 'relay.example.net', ip: '192.0.2.10', local: true });
  });

  it('a remote reply is not local; a DNS failure has no response', () => {
    expect(parseQueueError('451 4.4.0 Primary target IP address responded with: "535 5.7.8 Error: authentication failed: bad." Attempted failover').local).toBe(false);
    const dns = parseQueueError('451 4.4.0 DNS query failed. The error was: DNS query failed with error ServerFailure');
    expect(dns).toMatchObject({ dnsError: 'DNS query failed with error ServerFailure', local: true });
    expect(dns.response).toBeUndefined();
  });
});

describe('parseProtocolLog', () => {
  it('quoted CSV fields with commas and doubled quotes (RFC 4180)', () => {
    expect(splitCsv('a,"b, c",d')).toEqual(['a', 'b, c', 'd']);
    expect(splitCsv('*,,"say ""hi"", ok"')).toEqual(['*', '', 'say "hi", ok']);
  });

  it('a whole file: headers, #Fields order, sessions grouped and ordered by sequence number', () => {
    const log = parseProtocolLog([
      '#Software: Microsoft Exchange Server',
      '#Version: 15.0.0.0',
      '#Log-type: SMTP Send Protocol Log',
      '#Date: 2024-03-05T08:00:00.000Z',
      '#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context',
      '2024-03-05T08:00:00.001Z,Relay,08DC1,1,10.0.0.5:50000,192.0.2.10:587,<,220 relay.example.net ESMTP,',
      '2024-03-05T08:00:00.000Z,Relay,08DC1,0,10.0.0.5:50000,192.0.2.10:587,+,,',
      '2024-03-05T08:00:00.002Z,Relay,08DC2,0,10.0.0.5:50001,192.0.2.11:587,+,,',
      '2024-03-05T08:00:00.003Z,Relay,08DC1,2,10.0.0.5:50000,192.0.2.10:587,-,,Local',
    ].join('\r\n'));
    expect(log.headers).toMatchObject({ software: 'Microsoft Exchange Server', version: '15.0.0.0', logType: 'SMTP Send Protocol Log' });
    expect(log.direction).toBe('send');
    expect(log.sessions.map((s) => [s.sessionId, s.rows.map((r) => r.sequence)])).toEqual([['08DC1', [0, 1, 2]], ['08DC2', [0]]]);
    expect(log.sessions[0]).toMatchObject({ connectorId: 'Relay', remoteEndpoint: '192.0.2.10:587' });
  });

  it('stripped excerpts and a single info row are logs; prose is not', () => {
    expect(looksLikeProtocolLog('<,220 relay ESMTP\n>,EHLO x,')).toBe(true);
    expect(looksLikeProtocolLog('*,,TLS negotiation failed with error NoCredentials')).toBe(true);
    expect(looksLikeProtocolLog('Outbound authentication failed with error LogonDenied for Send connector X.')).toBe(false);
  });

  it('session facts of the AUTH-LOGIN-not-offered sample', () => {
    const f = sessionFacts(parseProtocolLog(sample('exchange-smtpsend-auth-login-not-offered.log')).sessions[0]!);
    expect(f.ehloBeforeTls?.starttls).toBe(true);
    expect(f.ehloBeforeTls?.auth).toEqual([]);
    expect(f.ehloAfterTls?.auth).toEqual(['PLAIN']);
    expect(f.ehloAfterTls?.authLegacy).toEqual(['PLAIN']);
    expect(f).toMatchObject({ starttlsSent: true, tlsSucceeded: true, quitAfterEhlo: true, ehloName: 'exchange.example.net', greetingHost: 'smarthost.example.com' });
  });
});

describe('dialogueOf (for the recorder)', () => {
  it('pairs each command with its reply lines, greeting first, info rows kept', () => {
    const d = dialogueOf(parseProtocolLog(sample('exchange-smtpsend-auth-login-not-offered.log')).sessions[0]!);
    expect(d.exchanges[0]).toEqual({ reply: ['220 smarthost.example.com ESMTP'], info: [] });
    expect(d.exchanges.map((e) => e.command)).toEqual([undefined, 'EHLO exchange.example.net', 'STARTTLS', 'EHLO exchange.example.net', 'QUIT']);
    expect(d.exchanges[2]?.info).toEqual(['Sending certificate', 'Received certificate']);
    expect(d.exchanges[3]?.reply).toContain('250-AUTH PLAIN');
  });

  it('never copies SASL responses after AUTH', () => {
    const d = dialogueOf(parseProtocolLog(['>,AUTH LOGIN,', '<,334 VXNlcm5hbWU6,', '>,dXNlckBleGFtcGxlLmNvbQ==,', '<,334 UGFzc3dvcmQ6,', '>,c2VjcmV0,', '<,535 5.7.3 Authentication unsuccessful,', '>,QUIT,'].join('\n')).sessions[0]!);
    expect(d.exchanges.map((e) => e.command)).toEqual(['AUTH LOGIN', '<redacted>', '<redacted>', 'QUIT']);
    expect(JSON.stringify(d)).not.toMatch(/c2VjcmV0|dXNlckBleGFtcGxlLmNvbQ/);
  });
});
