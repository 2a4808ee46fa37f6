import { describe, expect, it } from 'vitest';
import { diagnose, verdictOf } from '../../../src/diagnose/index.js';
import type { FindingCode } from '../../../src/model/finding-codes.js';
import type { Severity, Status, StepName, StepResult } from '../../../src/model/report.js';
import { authData, caps, ehloData, input, reply, step, tlsData } from './builders.js';

function codes(steps: StepResult[], over: Parameters<typeof input>[1] = {}): { code: FindingCode; severity: Severity }[] {
  return diagnose(input(steps, over)).map((f) => ({ code: f.code, severity: f.severity }));
}

describe('diagnose: a clean probe', () => {
  it('gives no findings and verdict ok', () => {
    const i = input();
    const findings = diagnose(i);
    expect(findings).toEqual([]);
    expect(verdictOf(findings, i.steps)).toBe('ok');
  });
});

/** Each step error alone → its finding, at its severity. */
const STEP_ERRORS: { step: StepName; status: Status; code: FindingCode; severity: Severity; data?: unknown }[] = [
  { step: 'dns', status: 'fail', code: 'DNS_NXDOMAIN', severity: 'critical' },
  { step: 'dns', status: 'fail', code: 'DNS_TIMEOUT', severity: 'critical' },
  { step: 'dns', status: 'fail', code: 'DNS_NO_ADDRESS', severity: 'critical' },
  { step: 'tcp', status: 'fail', code: 'TCP_REFUSED', severity: 'critical' },
  { step: 'tcp', status: 'fail', code: 'TCP_TIMEOUT', severity: 'critical' },
  { step: 'tcp', status: 'fail', code: 'TCP_RESET', severity: 'critical' },
  { step: 'tcp', status: 'fail', code: 'HOST_UNREACHABLE', severity: 'critical' },
  { step: 'banner', status: 'fail', code: 'BANNER_TIMEOUT', severity: 'critical', data: {} },
  { step: 'banner', status: 'fail', code: 'BANNER_REJECTED', severity: 'critical', data: { reply: reply(554, '5.7.1', 'Access denied') } },
  { step: 'banner', status: 'fail', code: 'NOT_SMTP', severity: 'critical', data: { detected: 'http' } },
  { step: 'banner', status: 'fail', code: 'TLS_ON_CONNECT_EXPECTED', severity: 'critical', data: { detected: 'tls' } },
  { step: 'banner', status: 'fail', code: 'CONNECTION_DROPPED', severity: 'critical', data: {} },
  { step: 'banner', status: 'fail', code: 'PROTOCOL_VIOLATION', severity: 'critical', data: {} },
  { step: 'banner', status: 'fail', code: 'PHASE_TIMEOUT', severity: 'critical', data: {} },
  { step: 'ehlo', status: 'fail', code: 'EHLO_REJECTED', severity: 'critical' },
  { step: 'ehlo', status: 'fail', code: 'PHASE_TIMEOUT', severity: 'critical' },
  { step: 'starttls', status: 'fail', code: 'STARTTLS_NOT_OFFERED', severity: 'critical', data: { offered: false } },
  { step: 'starttls', status: 'warn', code: 'STARTTLS_NOT_OFFERED', severity: 'warning', data: { offered: false } },
  { step: 'starttls', status: 'fail', code: 'STARTTLS_REJECTED', severity: 'critical', data: { offered: true, reply: reply(454, '4.7.0', 'TLS not available due to local problem') } },
  { step: 'tls', status: 'fail', code: 'TLS_HANDSHAKE_FAILED', severity: 'critical' },
  { step: 'tls', status: 'fail', code: 'TLS_VERSION_MISMATCH', severity: 'critical' },
  { step: 'tls', status: 'fail', code: 'CLIENT_CERT_REQUIRED', severity: 'critical' },
  { step: 'tls', status: 'fail', code: 'CLIENT_CERT_REJECTED', severity: 'critical' },
  { step: 'tls', status: 'fail', code: 'NOT_SMTP', severity: 'critical' },
  { step: 'tls', status: 'fail', code: 'PHASE_TIMEOUT', severity: 'critical' },
  { step: 'ehlo-tls', status: 'fail', code: 'CONNECTION_DROPPED', severity: 'critical' },
  { step: 'auth', status: 'fail', code: 'AUTH_NOT_OFFERED', severity: 'critical', data: authData({ offered: [], offeredAfterTls: [], usable: [], attempted: false, skipped: 'not-offered' }) },
  { step: 'auth', status: 'fail', code: 'AUTH_ONLY_AFTER_STARTTLS', severity: 'critical', data: authData({ offered: [], attempted: false, skipped: 'not-offered' }) },
  { step: 'auth', status: 'fail', code: 'AUTH_NO_COMMON_MECHANISM', severity: 'critical', data: authData({ offered: ['CRAM-MD5'], offeredAfterTls: ['CRAM-MD5'], usable: [], attempted: false, skipped: 'no-common-mechanism' }) },
  { step: 'auth', status: 'fail', code: 'AUTH_PLAINTEXT_REFUSED', severity: 'critical', data: authData({ attempted: false, skipped: 'plaintext-refused' }) },
  { step: 'auth', status: 'fail', code: 'AUTH_CREDENTIALS_REJECTED', severity: 'critical', data: authData({ reply: reply(535, '5.7.8', 'Authentication credentials invalid') }) },
  { step: 'auth', status: 'fail', code: 'AUTH_TEMPFAIL', severity: 'warning', data: authData({ reply: reply(454, '4.7.0', 'Temporary authentication failure') }) },
  { step: 'auth', status: 'fail', code: 'AUTH_ENCRYPTION_REQUIRED', severity: 'critical', data: authData({ reply: reply(538, '5.7.11', 'Encryption required for requested authentication mechanism') }) },
  { step: 'auth', status: 'fail', code: 'AUTH_MECHANISM_TOO_WEAK', severity: 'critical', data: authData({ reply: reply(534, '5.7.9', 'Authentication mechanism is too weak') }) },
  { step: 'auth', status: 'fail', code: 'AUTH_MUST_STARTTLS', severity: 'critical', data: authData({ reply: reply(530, '5.7.0', 'Must issue a STARTTLS command first') }) },
  { step: 'auth', status: 'fail', code: 'AUTH_PROTOCOL_ERROR', severity: 'critical', data: authData({ reply: reply(501, '5.5.2', 'Cannot decode response') }) },
  { step: 'mail', status: 'fail', code: 'SENDER_REJECTED', severity: 'critical', data: { mailFrom: 'a@example.net', reply: reply(553, '5.1.8', 'Domain of sender address does not exist') } },
  { step: 'mail', status: 'fail', code: 'AUTH_MUST_STARTTLS', severity: 'critical', data: { mailFrom: 'a@example.net', reply: reply(530, '5.7.0', 'Must issue a STARTTLS command first') } },
  { step: 'rcpt', status: 'fail', code: 'RELAY_DENIED', severity: 'critical', data: { rcpt: [{ address: 'b@example.org', reply: reply(554, '5.7.1', '<b@example.org>: Relay access denied') }] } },
];

describe('diagnose: each step error gives its finding', () => {
  it.each(STEP_ERRORS)('$step $status $code → $severity', ({ step: name, status, code, severity, data }) => {
    const found = codes([step(name, status, data, { code })]);
    expect(found).toContainEqual({ code, severity });
    expect(found.filter((f) => f.code === code)).toHaveLength(1);
  });
});

describe('diagnose: cross-step and connectivity severities', () => {
  it('EHLO rejected but HELO accepted is a warning', () => {
    const d = { command: 'HELO', ehloReply: reply(502, '5.5.2', 'Error: command not recognized'), reply: reply(250, undefined, 'relay.example.net') };
    expect(codes([step('ehlo', 'warn', d, { code: 'EHLO_REJECTED' })])).toContainEqual({ code: 'EHLO_REJECTED', severity: 'warning' });
  });

  it('ICMP silence is info when TCP got through, critical when TCP failed too', () => {
    const icmp = step('icmp', 'warn', { address: '127.0.0.1', family: 4, sent: 3, received: 0, lossPct: 100, rttMs: null }, { code: 'ICMP_NO_REPLY' });
    expect(codes([icmp])).toEqual([{ code: 'ICMP_NO_REPLY', severity: 'info' }]);
    const both = codes([icmp, step('tcp', 'fail', undefined, { code: 'TCP_TIMEOUT' })]);
    expect(both).toContainEqual({ code: 'ICMP_NO_REPLY', severity: 'critical' });
    expect(both).toContainEqual({ code: 'TCP_TIMEOUT', severity: 'critical' });
  });

  it('ICMP not permitted is info and carries the step message as the fix', () => {
    const msg = 'raw sockets need CAP_NET_RAW: setcap cap_net_raw+ep $(command -v node)';
    const f = diagnose(input([step('icmp', 'warn', undefined, { code: 'ICMP_NOT_PERMITTED', message: msg })]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([['ICMP_NOT_PERMITTED', 'info']]);
    expect(f[0]?.fix).toContain(msg);
  });

  it('a dropped QUIT after a good dialogue is only a note', () => {
    expect(codes([step('quit', 'fail', {}, { code: 'CONNECTION_DROPPED' })])).toEqual([{ code: 'CONNECTION_DROPPED', severity: 'info' }]);
  });

  it('AUTH advertised on the plaintext EHLO is a warning; not with implicit TLS', () => {
    const plain = step('ehlo', 'pass', ehloData(caps({ starttls: true, auth: ['PLAIN', 'LOGIN'] })));
    expect(codes([plain])).toEqual([{ code: 'AUTH_PLAINTEXT_ADVERTISED', severity: 'warning' }]);
    expect(codes([plain], { target: { tls: 'implicit', port: 465 } })).toEqual([]);
  });

  it('legacy AUTH= alone on the plaintext EHLO counts as advertised too', () => {
    const plain = step('ehlo', 'pass', ehloData(caps({ starttls: true, authLegacy: ['LOGIN'] })));
    expect(codes([plain]).map((f) => f.code)).toEqual(['AUTH_PLAINTEXT_ADVERTISED']);
  });

  it('skipped AUTH after a failed certificate check adds no AUTH finding of its own', () => {
    const tls = step('tls', 'fail', { ...tlsData(), verifyPassed: false, problems: [{ code: 'CERT_EXPIRED', severity: 'critical', certIndex: 0, detail: 'expired' }] }, { code: 'CERT_EXPIRED' });
    const auth = step('auth', 'skip', authData({ attempted: false, skipped: 'cert-check-failed' }));
    expect(codes([tls, auth])).toEqual([{ code: 'CERT_EXPIRED', severity: 'critical' }]);
  });

  it('a step that failed without an error code is an internal error: verdict unknown', () => {
    const i = input([step('ehlo', 'fail', undefined)]);
    const f = diagnose(i);
    expect(f.map((x) => x.code)).toEqual(['PROBE_INTERNAL_ERROR']);
    expect(verdictOf(f, i.steps)).toBe('unknown');
  });

  it('an unknown step error still becomes a finding (safety net)', () => {
    expect(codes([step('quit', 'fail', undefined, { code: 'PROBE_INTERNAL_ERROR' })]).map((f) => f.code)).toEqual(['PROBE_INTERNAL_ERROR']);
  });
});

describe('diagnose: relay', () => {
  it('530 authentication required on MAIL means the relay wants AUTH', () => {
    const mail = step('mail', 'fail', { mailFrom: 'a@example.net', reply: reply(530, '5.7.0', 'Authentication required') }, { code: 'AUTH_MUST_STARTTLS' });
    expect(codes([mail]).map((f) => f.code)).toEqual(['RELAY_DENIED']);
  });

  it('a transient (4xx) refusal is a warning; greylisting has its own code', () => {
    const rcpt = step('rcpt', 'fail', { rcpt: [{ address: 'b@example.org', reply: reply(451, '4.7.1', '<b@example.org>: Recipient address rejected: Greylisted') }] }, { code: 'RELAY_DENIED' });
    expect(codes([rcpt])).toEqual([{ code: 'GREYLISTED', severity: 'warning' }]);
    const limited = step('rcpt', 'fail', { rcpt: [{ address: 'b@example.org', reply: reply(450, '4.7.1', '<b@example.org>: Recipient address rejected: Access denied') }] }, { code: 'RELAY_DENIED' });
    expect(codes([limited])).toEqual([{ code: 'RELAY_DENIED', severity: 'warning' }]);
  });

  it('every refused recipient is evidence', () => {
    const rcpt = step('rcpt', 'fail', {
      rcpt: [
        { address: 'ok@example.org', reply: reply(250, '2.1.5', 'Ok') },
        { address: 'b@example.org', reply: reply(554, '5.7.1', '<b@example.org>: Relay access denied') },
        { address: 'c@example.org', reply: reply(554, '5.7.1', '<c@example.org>: Relay access denied') },
      ],
    }, { code: 'RELAY_DENIED' });
    const f = diagnose(input([rcpt]));
    expect(f.map((x) => x.code)).toEqual(['RELAY_DENIED']);
    expect(f[0]?.evidence.join('\n')).toContain('c@example.org');
    expect(f[0]?.evidence.join('\n')).not.toContain('ok@example.org');
  });
});

describe('diagnose: order and uniqueness', () => {
  it('orders most severe first, then by step order, one finding per code', () => {
    const steps = [
      step('ehlo', 'pass', ehloData(caps({ starttls: true, auth: ['PLAIN'] }))), // warning, ehlo
      step('tls', 'warn', { ...tlsData(), problems: [{ code: 'CERT_WEAK_KEY', severity: 'warning', certIndex: 0, detail: 'weak' }] }),
      step('auth', 'fail', authData({ reply: reply(535, '5.7.8', 'Authentication credentials invalid') }), { code: 'AUTH_CREDENTIALS_REJECTED' }),
      step('icmp', 'warn', undefined, { code: 'ICMP_NO_REPLY' }),
    ];
    const f = diagnose(input(steps));
    expect(f.map((x) => x.code)).toEqual(['AUTH_CREDENTIALS_REJECTED', 'AUTH_PLAINTEXT_ADVERTISED', 'CERT_WEAK_KEY', 'ICMP_NO_REPLY']);
    expect(new Set(f.map((x) => x.code)).size).toBe(f.length);
  });

  it('is deterministic and does not modify its input', () => {
    const i = input([
      step('tls', 'fail', { ...tlsData(), verifyPassed: false, problems: [
        { code: 'CERT_EXPIRED', severity: 'critical', certIndex: 0, detail: 'expired' },
        { code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', certIndex: 0, detail: 'wrong host' },
      ] }, { code: 'CERT_EXPIRED' }),
      step('icmp', 'warn', undefined, { code: 'ICMP_NO_REPLY' }),
    ], { target: { client: 'exchange', connectorName: 'Relay' } });
    const before = structuredClone(i);
    const a = diagnose(i);
    const b = diagnose(structuredClone(i));
    expect(b).toEqual(a);
    expect(i).toEqual(before);
  });
});
