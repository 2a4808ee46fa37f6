import { describe, expect, it } from 'vitest';
import type { Report, StepResult } from '../../../src/model/report.js';
import { renderHuman } from '../../../src/report/human.js';
import { visibleLength } from '../../../src/report/wrap.js';
import { expectGolden } from './golden.js';
import { badCredentialsReport } from './sample-reports.js';

const reply = 'Error: authentication failed: authentication failure';
/** What the mock's bad-credentials scenario gives: the reply in the detail and again in the error message. */
const authFailed: Report = {
  ...badCredentialsReport,
  steps: badCredentialsReport.steps.map((s) => s.step === 'auth'
    ? { ...s, data: { offered: ['PLAIN', 'LOGIN'], mechanism: 'PLAIN', reply: { code: 535, enhanced: '5.7.8', lines: [reply] } }, error: { code: 'AUTH_CREDENTIALS_REJECTED' as const, message: `AUTH PLAIN refused: 535 5.7.8 ${reply}`, replyCode: 535, enhanced: '5.7.8' } } as StepResult
    : s),
};

describe('renderHuman', () => {
  it('at 60 columns wraps every line to the width, step details under their column (golden)', () => {
    const text = renderHuman(authFailed, { color: false, width: 60 });
    for (const line of text.split('\n')) expect(visibleLength(line), line).toBeLessThanOrEqual(60);
    expectGolden('human-60.txt', text);
  });

  it('colour codes do not count towards the width', () => {
    const text = renderHuman(authFailed, { color: true, width: 60 });
    for (const line of text.split('\n')) expect(visibleLength(line), line).toBeLessThanOrEqual(60);
  });

  it('without a width (a pipe) a step stays on one line', () => {
    const auth = renderHuman(authFailed, { color: false }).split('\n').find((l) => l.includes(' auth '));
    expect(auth).toContain('AUTH_CREDENTIALS_REJECTED');
  });

  it('never repeats the reply text on one step line', () => {
    const auth = renderHuman(authFailed, { color: false }).split('\n').find((l) => l.includes(' auth ')) ?? '';
    expect(auth.split(reply)).toHaveLength(2);
    expect(auth).toMatch(/PLAIN → 535 5\.7\.8 .* — AUTH_CREDENTIALS_REJECTED$/);
  });

  it('an expired certificate says "expired", never a negative number of days left', () => {
    const cert = { subject: 'CN=smarthost.test', issuer: 'CN=smtprobe Test Intermediate CA', daysLeft: -31, selfSigned: false, keyType: 'ec', keyBits: 256 };
    const expired = {
      ...authFailed,
      steps: authFailed.steps.map((s) => s.step === 'tls'
        ? { ...s, status: 'fail', data: { mode: 'starttls', servername: 'smarthost.test', verify: 'domain', protocol: 'TLSv1.3', chain: [cert] } }
        : s),
    } as unknown as Report;
    const text = renderHuman(expired, { color: false });
    expect(text).not.toMatch(/-\d+ d(ays)?\b/);
    expect(text).toMatch(/cert CN=[^,]+, expired/);
  });

  it('advice a step gives (setcap) is printed once, not again as a fix', () => {
    const advice = 'run smtprobe as root, or grant node the raw-socket capability: sudo setcap cap_net_raw+ep $(readlink -f $(which node))';
    const message = `raw ICMP socket not permitted (Operation not permitted); ${advice}`;
    const icmp: Report = {
      ...authFailed,
      steps: [{ step: 'icmp', status: 'warn', startedAt: 0, durationMs: 26, error: { code: 'ICMP_NOT_PERMITTED', message } }, ...authFailed.steps.filter((s) => s.step !== 'tls')],
      findings: [{
        code: 'ICMP_NOT_PERMITTED', severity: 'info', title: 'Ping not run: raw sockets not permitted', step: 'icmp',
        evidence: [`icmp: ${message}`], cause: 'Sending ICMP needs a raw socket.',
        fix: [message, 'Run as root or grant the capability (setcap cap_net_raw+ep on the node binary), or pass --no-icmp (icmp: false in probes.yaml).'],
      }],
    };
    const text = renderHuman(icmp, { color: false });
    expect(text.split(advice)).toHaveLength(2);
    expect(text).toMatch(/! icmp .* ICMP_NOT_PERMITTED: raw ICMP socket not permitted \(Operation not permitted\)$/m);
    expect(text).toContain('--no-icmp');
  });
});
