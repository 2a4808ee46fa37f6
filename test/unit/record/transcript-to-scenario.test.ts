import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report, StepResult } from '../../../src/model/report.js';
import { inferFailure } from '../../../src/record/failure-inference.js';
import { parseDialogue } from '../../../src/record/dialogue.js';
import { RecordError, recordReport, REPLAY_PASSWORD, reportToScenario, USER_PLACEHOLDER } from '../../../src/record/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A real Report of the slow-banner scenario, its times made exact: greeting 2000 ms after connect, STARTTLS answered after 1500 ms. */
const fixture = (): Report => JSON.parse(readFileSync(path.join(here, 'fixtures/report-slow-banner.json'), 'utf8')) as Report;

describe('reportToScenario', () => {
  it('replays the greeting with its delay, EHLO lines per TLS state, and a placeholder user', () => {
    const doc = reportToScenario(fixture(), { name: 'x' });
    expect(doc.server?.greeting).toEqual({ code: 220, text: 'smarthost.test ESMTP mock', delayMs: 2000 });
    expect(doc.server?.extensions?.plain).toEqual(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'STARTTLS', 'SIZE 10240000', '!AUTH']);
    expect(doc.server?.extensions?.tls).toEqual(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'AUTH PLAIN LOGIN', 'SIZE 10240000', '!STARTTLS']);
    expect(doc.server?.auth).toEqual({ mechanisms: ['PLAIN', 'LOGIN'], advertise: 'after-starttls', users: [{ username: USER_PLACEHOLDER, password: REPLAY_PASSWORD }] });
    expect(doc.server?.replies?.STARTTLS).toEqual([{ code: 220, text: 'Ready to start TLS', delayMs: 1500 }]);
    expect(doc.probe).toMatchObject({ tls: 'starttls', tlsDomain: 'smarthost.test', user: USER_PLACEHOLDER, password: REPLAY_PASSWORD, timeout: 15, phaseTimeout: 5 });
    expect(doc.expect).toEqual({ codes: [], verdict: 'ok' });
  });

  it('tells EHLO lines before and after STARTTLS apart by order, even when the whole dialogue shares one millisecond', () => {
    const r = fixture();
    r.transcript = r.transcript.map((l) => ({ ...l, t: 3 }));
    const doc = reportToScenario(r, { name: 'x' });
    expect(doc.server?.extensions?.plain).toEqual(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'STARTTLS', 'SIZE 10240000', '!AUTH']);
    expect(doc.server?.extensions?.tls).toEqual(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'AUTH PLAIN LOGIN', 'SIZE 10240000', '!STARTTLS']);
  });

  it('scales timings; delays under the noise floor are dropped; none exceeds half the phase deadline', () => {
    const half = reportToScenario(fixture(), { name: 'x', timeScale: 0.5 });
    expect(half.server?.greeting?.delayMs).toBe(1000);
    expect(half.server?.replies?.STARTTLS).toBeUndefined();
    expect(reportToScenario(fixture(), { name: 'x', timeScale: 0 }).server?.greeting?.delayMs).toBeUndefined();
    expect(reportToScenario(fixture(), { name: 'x', timeScale: 10 }).server?.greeting?.delayMs).toBe(2500);
    expect(reportToScenario(fixture(), { name: 'x', timeScale: 0.5, minDelayMs: 100 }).server?.replies?.STARTTLS).toEqual([{ code: 220, text: 'Ready to start TLS', delayMs: 750 }]);
  });

  it('keeps the user name only when asked', () => {
    expect(reportToScenario(fixture(), { name: 'x', keepUsernames: true }).probe?.user).toBe('probe@smarthost.test');
    expect(recordReport(fixture(), { name: 'x' }).text).not.toContain('probe@smarthost.test');
  });

  it('leaves network findings (DNS, ICMP, path) out of expect and of its verdict: a replay runs on loopback', () => {
    const r = fixture();
    r.findings.push({ code: 'ICMP_NO_REPLY', severity: 'warning', title: 't', evidence: [], cause: 'c', fix: [] });
    r.verdict = 'warning';
    expect(reportToScenario(r, { name: 'x' }).expect).toEqual({ codes: [], verdict: 'ok' });
  });

  it('refuses a Report without an SMTP session', () => {
    const r = fixture();
    r.steps = r.steps.map((s) => (s.step === 'tcp' ? { ...s, status: 'fail', error: { code: 'TCP_REFUSED', message: 'refused' } } : s));
    expect(() => reportToScenario(r, { name: 'x' })).toThrow(RecordError);
    expect(() => reportToScenario(r, { name: 'x' })).toThrow(/tcp \(TCP_REFUSED\)/);
  });

  it('writes YAML that loads as a scenario named as asked, with a header saying where it came from', () => {
    const rec = recordReport(fixture(), { name: 'field-run-1' });
    expect(rec.scenario.name).toBe('field-run-1');
    expect(rec.text.split('\n')[0]).toMatch(/^# Recorded by smtprobe from smtprobe check 127\.0\.0\.1:\d+ \(slow-banner\) at /);
    expect(rec.text).toContain('#     2080 > STARTTLS');
  });
});

/** fail: the fixture with one step failed, and extra transcript events. */
function failed(step: StepResult['step'], code: string, opts: { data?: unknown; events?: string[]; cut?: (l: Report['transcript'][number]) => boolean } = {}): Report {
  const r = fixture();
  const i = r.steps.findIndex((s) => s.step === step);
  const s = r.steps[i] as StepResult;
  r.steps[i] = { ...s, status: 'fail', error: { code: code as never, message: code }, data: opts.data ?? s.data } as StepResult;
  if (opts.cut) r.transcript = r.transcript.filter(opts.cut);
  r.transcript.push(...(opts.events ?? []).map((text) => ({ t: 9999, dir: '*' as const, text })));
  return r;
}
const infer = (r: Report): ReturnType<typeof inferFailure> => inferFailure(r, parseDialogue(r.transcript));
const onlyConnect = (l: Report['transcript'][number]): boolean => l.dir === '*';

describe('inferFailure: step errors → faults or late replies', () => {
  it('banner: silence, a trickle, HTTP, TLS, garbage, a huge line', () => {
    expect(infer(failed('banner', 'BANNER_TIMEOUT', { cut: onlyConnect })).fault).toEqual({ kind: 'never-answer' });
    expect(infer(failed('banner', 'BANNER_TIMEOUT', { cut: onlyConnect, events: ['timeout: quit cancelled (1 bytes of an unfinished line received)'] })).fault?.kind).toBe('tarpit');
    expect(infer(failed('banner', 'NOT_SMTP', { data: { detected: 'http' } })).fault).toEqual({ kind: 'http-server', speakFirst: true });
    expect(infer(failed('banner', 'NOT_SMTP', { data: { detected: 'binary' } })).fault?.kind).toBe('binary-garbage');
    expect(infer(failed('banner', 'TLS_ON_CONNECT_EXPECTED', { data: { detected: 'tls' } })).fault?.kind).toBe('tls-on-starttls-port');
    expect(infer(failed('banner', 'PROTOCOL_VIOLATION', { events: ['protocol violation: line longer than 8192 bytes: 220 xxx'] })).fault).toMatchObject({ kind: 'huge-line', at: 'greeting' });
  });

  it('a command: dropped after the banner, mid-reply, a reply that never ends, a reply that never comes', () => {
    const noEhloReply = (l: Report['transcript'][number]): boolean => !(l.dir === '<' && l.t > 2060) && !(l.dir === '>' && l.t > 2060);
    expect(infer(failed('ehlo', 'CONNECTION_DROPPED', { cut: noEhloReply })).fault).toEqual({ kind: 'close-after-banner' });
    expect(infer(failed('ehlo', 'CONNECTION_DROPPED', { cut: noEhloReply, events: ['x (7 bytes of an unfinished line received)'] })).fault).toEqual({ kind: 'close-mid-reply', at: 'EHLO', afterBytes: 7 });
    expect(infer(failed('ehlo', 'PROTOCOL_VIOLATION', { events: ['protocol violation: reply longer than 1000 lines or 65536 bytes'] })).fault).toEqual({ kind: 'endless-multiline', at: 'EHLO' });
    const noAuthReply = (l: Report['transcript'][number]): boolean => l.t < 3640;
    const stall = infer(failed('auth', 'PHASE_TIMEOUT', { cut: noAuthReply })).stall;
    expect(stall).toEqual({ verb: 'AUTH', attempt: 0, delayMs: 7000 });
  });

  it('implicit TLS answered in clear text: a plaintext greeting, HTTP, garbage', () => {
    const implicit = (message: string): Report => {
      const r = failed('tls', 'NOT_SMTP', { data: { chain: [] } });
      r.target.tls = 'implicit';
      const tls = r.steps.find((s) => s.step === 'tls');
      if (tls?.error) tls.error.message = message;
      return r;
    };
    expect(infer(implicit('the server does not speak TLS here: it sent "220 relay.test ESMTP"')).plaintext).toEqual({ code: 220, text: 'relay.test ESMTP' });
    expect(infer(implicit('the server does not speak TLS here: it sent "HTTP/1.1 400 Bad Request"')).fault?.kind).toBe('http-server');
    expect(infer(implicit('the server does not speak TLS here: it sent "\u0000\u0001"')).fault?.kind).toBe('binary-garbage');
  });

  it('TLS: a silent handshake, a dropped one', () => {
    expect(infer(failed('tls', 'PHASE_TIMEOUT', { data: { chain: [] } })).fault?.kind).toBe('reset-after-starttls');
    expect(infer(failed('tls', 'TLS_HANDSHAKE_FAILED', { data: { chain: [] } })).fault?.kind).toBe('abort-mid-handshake');
    expect(infer(failed('tls', 'TLS_VERSION_MISMATCH', { data: { chain: [], alert: 'protocol_version' } })).fault).toBeUndefined();
  });

  it('a stalled AUTH replays as a late reply beyond the phase deadline', () => {
    const doc = reportToScenario(failed('auth', 'PHASE_TIMEOUT', { cut: (l) => l.t < 3640 }), { name: 'x' });
    expect(doc.server?.replies?.AUTH).toEqual([{ code: 235, text: '2.7.0 Authentication successful', delayMs: 7000 }]);
  });
});
