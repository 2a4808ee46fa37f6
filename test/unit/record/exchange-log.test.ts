import { describe, expect, it } from 'vitest';
import { ExchangeLogError, notedFailures, readSendLog } from '../../../src/record/exchange-log.js';
import { recordExchangeLog } from '../../../src/record/index.js';

const HEADER = [
  '#Software: Microsoft Exchange Server',
  '#Version: 15.0.0.0',
  '#Log-type: SMTP Send Protocol Log',
  '#Date: 2026-01-01T00:00:00.000Z',
  '#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context',
];
const quoted = (v: string): string => (v.includes(',') ? `"${v}"` : v);
const row = (session: string, event: string, data: string, context = ''): string =>
  `2026-01-01T00:00:00.000Z,"Relay, EU",${session},0,10.0.0.1:5000,192.0.2.1:25,${event},${quoted(data)},${quoted(context)}`;

/** Three sessions: A delivers, B fails TLS, C delivers. */
const LOG = [
  ...HEADER,
  row('08D0000000000A', '+', ''),
  row('08D0000000000A', '<', '220 relay.example.com ESMTP'),
  row('08D0000000000A', '>', 'EHLO ex.example.net'),
  row('08D0000000000A', '<', '250-relay.example.com'),
  row('08D0000000000A', '<', '250 AUTH LOGIN'),
  row('08D0000000000B', '+', ''),
  row('08D0000000000B', '<', '220 relay.example.com ESMTP'),
  row('08D0000000000B', '>', 'EHLO ex.example.net'),
  row('08D0000000000B', '<', '250-relay.example.com'),
  row('08D0000000000B', '<', '250 STARTTLS'),
  row('08D0000000000B', '>', 'STARTTLS'),
  row('08D0000000000B', '<', '220 2.0.0 Ready to start TLS'),
  row('08D0000000000B', '*', '', 'TLS negotiation failed with error InvalidToken'),
  row('08D0000000000B', '-', '', 'Local'),
  row('08D0000000000C', '+', ''),
  row('08D0000000000C', '<', '220 relay.example.com ESMTP'),
  row('08D0000000000C', '>', 'EHLO ex.example.net'),
  row('08D0000000000C', '<', '250 relay.example.com'),
].join('\r\n');

describe('readSendLog: picking the session to replay', () => {
  it('takes the last failing session by default', () => {
    const s = readSendLog(LOG);
    expect(s.session.sessionId).toBe('08D0000000000B');
    expect(s.failing).toBe(true);
    expect(s.facts.tlsFailure).toBe('InvalidToken');
    expect(s.available).toEqual(['08D0000000000A', '08D0000000000B', '08D0000000000C']);
    expect(s.facts.connector).toBe('Relay, EU');
  });

  it('takes the session named by --session (any case), and lists the sessions for an unknown one', () => {
    expect(readSendLog(LOG, { session: '08d0000000000c' }).session.sessionId).toBe('08D0000000000C');
    expect(() => readSendLog(LOG, { session: 'nope' })).toThrow(/no session "nope".*08D0000000000A, 08D0000000000B, 08D0000000000C/);
  });

  it('first / last pick the first or last failing session', () => {
    const twoFailing = LOG.replace('250 relay.example.com', '550 5.7.1 go away');
    expect(readSendLog(twoFailing, { session: 'first' }).session.sessionId).toBe('08D0000000000B');
    expect(readSendLog(twoFailing, { session: 'last' }).session.sessionId).toBe('08D0000000000C');
    expect(readSendLog(twoFailing).session.sessionId).toBe('08D0000000000C');
  });

  it('takes the last session when none failed', () => {
    const ok = LOG.split('\r\n').filter((l) => !l.includes(',08D0000000000B,')).join('\n');
    expect(readSendLog(ok).session.sessionId).toBe('08D0000000000C');
  });

  it('refuses a Receive log and a file without rows', () => {
    expect(() => readSendLog(LOG.replace('SMTP Send Protocol Log', 'SMTP Receive Protocol Log'))).toThrow(ExchangeLogError);
    expect(() => readSendLog('# nothing here\n')).toThrow(/no protocol log rows/);
  });

  it('reads failures quoted in a note of an excerpt', () => {
    expect(notedFailures('# later lines showed "TLS negotiation failed with error InvalidToken"\n<,220 x,')).toEqual({ tls: 'InvalidToken' });
    expect(notedFailures('#Fields: TLS negotiation failed with error X\n')).toEqual({});
  });
});

describe('recordExchangeLog', () => {
  it('the chosen session becomes an Exchange-profile scenario with the finding the log means', () => {
    const rec = recordExchangeLog(LOG, { name: 'relay-eu' });
    expect(rec.expectKnown).toBe(true);
    expect(rec.scenario.probe).toMatchObject({ client: 'exchange', tls: 'starttls', tlsMin: 'TLSv1', tlsMax: 'TLSv1', ehlo: 'ex.example.net', tlsDomain: 'relay.example.com' });
    expect(rec.scenario.server.tlsVersions).toEqual({ min: 'TLSv1.2', max: 'TLSv1.3' });
    expect(rec.scenario.expect).toMatchObject({ codes: ['TLS_VERSION_MISMATCH'], verdict: 'critical' });
    expect(rec.text).toContain('# What the log shows:');
    expect(rec.text).toContain('TLS negotiation failed with error InvalidToken');
  });

  it('a session without a failure it knows leaves expect to a replay', () => {
    const rec = recordExchangeLog(LOG, { name: 'relay-eu', session: '08D0000000000A' });
    expect(rec.expectKnown).toBe(false);
    expect(rec.scenario.server.extensions.plain).toEqual(['AUTH LOGIN', '!STARTTLS']);
    expect(rec.scenario.server.tls).toBe('none');
  });
});
