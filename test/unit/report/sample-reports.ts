/**
 * Fixed Reports for the renderer golden tests: one healthy relay, one with wrong credentials,
 * one that could not be checked. Every value is literal so the goldens never drift.
 */
import type { Report, StepResult } from '../../../src/model/report.js';
import type { PublicTarget } from '../../../src/model/target.js';

function target(name: string, host: string, port: number, labels: Record<string, string> = {}): PublicTarget {
  return {
    name, host, port, tls: 'starttls', tlsVerify: 'domain', tlsDomain: 'smarthost.test', caFiles: ['/etc/smtprobe/ca.pem'],
    tlsScan: false, certWarnDays: 21, certCritDays: 7, ehlo: 'probe.example', auth: 'auto', user: 'probe@smarthost.test',
    allowPlaintextAuth: false, rcpt: [], client: 'generic', timeouts: { totalMs: 60000, phaseMs: 30000 },
    connectivity: { icmp: 'off', icmpCount: 3, path: false, pathCount: 100 }, labels,
    hasPassword: true, hasToken: false, hasClientCert: false,
  };
}

const T0 = Date.parse('2026-11-24T12:00:00.000Z');

export const okReport: Report = {
  schema: 1,
  target: target('relay-a', '127.0.0.1', 2525, { site: 'fra' }),
  startedAt: '2026-11-24T12:00:00.000Z',
  durationMs: 48.6,
  steps: [
    { step: 'dns', status: 'pass', startedAt: T0, durationMs: 0.2 },
    { step: 'tcp', status: 'pass', startedAt: T0, durationMs: 0.9 },
    { step: 'banner', status: 'pass', startedAt: T0 + 1, durationMs: 2.1, data: { reply: { code: 220, lines: ['smarthost.test ESMTP'] } } },
    { step: 'ehlo', status: 'pass', startedAt: T0 + 3, durationMs: 1.2, data: { command: 'EHLO', reply: { code: 250, lines: ['smarthost.test'] } } },
    { step: 'starttls', status: 'pass', startedAt: T0 + 5, durationMs: 0.8, data: { offered: true, reply: { code: 220, enhanced: '2.0.0', lines: ['Ready to start TLS'] } } },
    { step: 'tls', status: 'pass', startedAt: T0 + 6, durationMs: 31.4 },
    { step: 'ehlo-tls', status: 'pass', startedAt: T0 + 38, durationMs: 1.1, data: { command: 'EHLO', reply: { code: 250, lines: ['smarthost.test'] } } },
    { step: 'auth', status: 'pass', startedAt: T0 + 40, durationMs: 5.3, data: { reply: { code: 235, enhanced: '2.7.0', lines: ['Authentication successful'] } } } as StepResult,
    { step: 'mail', status: 'skip', startedAt: T0 + 45, durationMs: 0, reason: 'no --mail-from' },
    { step: 'quit', status: 'pass', startedAt: T0 + 46, durationMs: 0.7, data: { reply: { code: 221, enhanced: '2.0.0', lines: ['Bye'] } } },
  ],
  transcript: [],
  findings: [],
  verdict: 'ok',
  summary: {
    tlsProtocol: 'TLSv1.3', tlsCipher: 'TLS_AES_256_GCM_SHA384', certNotAfter: '2027-02-22T12:00:00.000Z', certDaysLeft: 90,
    authMechanism: 'PLAIN', replyCodes: { banner: 220, ehlo: 250, starttls: 220, 'ehlo-tls': 250, auth: 235, quit: 221 },
  },
};

export const badCredentialsReport: Report = {
  ...okReport,
  target: target('relay-b', '127.0.0.2', 587),
  durationMs: 1203.4,
  steps: okReport.steps.map((s) => s.step === 'auth'
    ? { ...s, status: 'fail' as const, durationMs: 1150.2, error: { code: 'AUTH_CREDENTIALS_REJECTED' as const, message: '535 5.7.8 Error: authentication failed', replyCode: 535, enhanced: '5.7.8' }, data: { reply: { code: 535, enhanced: '5.7.8', lines: ['Error: authentication failed'] } } } as StepResult
    : s),
  findings: [{
    code: 'AUTH_CREDENTIALS_REJECTED', severity: 'critical', title: 'The server rejected the user name or password',
    evidence: ['< 535 5.7.8 Error: authentication failed'], cause: 'The password is wrong, expired or the account is locked.',
    fix: ['Check the password stored for probe@smarthost.test | and that the account may relay.'], step: 'auth',
  }],
  verdict: 'critical',
  summary: { ...okReport.summary, authMechanism: undefined, certDaysLeft: 12, certNotAfter: '2026-12-06T12:00:00.000Z', failedStep: { step: 'auth', code: 'AUTH_CREDENTIALS_REJECTED' }, replyCodes: { ...okReport.summary.replyCodes, auth: 535 } },
};
delete badCredentialsReport.summary.authMechanism;

export const unreachableReport: Report = {
  schema: 1,
  target: target('relay "c"', 'relay-c.invalid', 587),
  startedAt: '2026-11-24T12:00:00.000Z',
  durationMs: 3.2,
  steps: [
    { step: 'dns', status: 'fail', startedAt: T0, durationMs: 3.1, error: { code: 'DNS_NXDOMAIN', message: 'relay-c.invalid does not exist' } },
    { step: 'tcp', status: 'skip', startedAt: T0 + 3, durationMs: 0, reason: 'DNS failed' },
  ],
  transcript: [],
  findings: [{ code: 'DNS_NXDOMAIN', severity: 'critical', title: 'The host name does not exist', evidence: [], cause: 'No DNS record for relay-c.invalid.', fix: ['Correct the smart host name.'], step: 'dns' }],
  verdict: 'unknown',
  summary: { failedStep: { step: 'dns', code: 'DNS_NXDOMAIN' }, replyCodes: {} },
};
