import { describe, expect, it } from 'vitest';
import { Deadline, Interrupted, systemClock } from '../../../src/model/deadline.js';
import { runStep } from '../../../src/probe/probe-run.js';
import { TranscriptRecorder } from '../../../src/probe/transcript.js';
import type { SessionContext, Step } from '../../../src/probe/step.js';
import { runFleet } from '../../../src/run/runner.js';
import { reportFor, target } from './fake-probe.js';

function ctx(signal: AbortSignal = new AbortController().signal): SessionContext {
  return { transcript: new TranscriptRecorder(systemClock, Date.now()), clock: systemClock, signal, state: {}, results: [] };
}

/** A step that never settles, whatever happens (a lost callback, a promise nobody resolves). */
const neverSettles: Step = () => new Promise(() => undefined);

describe('the step runner (runStep)', () => {
  it('ends a step that never settles at its deadline as PHASE_TIMEOUT naming the step', async () => {
    const c = ctx();
    const r = await runStep('banner', neverSettles, target('t'), c, Deadline.after(30, 'banner'));
    expect(r.step).toBe('banner');
    expect(r.status).toBe('fail');
    expect(r.error?.code).toBe('PHASE_TIMEOUT');
    expect(r.error?.message).toContain('banner');
    expect(c.transcript.lines.some((l) => l.text.includes('step abandoned'))).toBe(true);
  });

  it('ends a step on interrupt as PROBE_INTERRUPTED, even if the step ignores the signal', async () => {
    const ac = new AbortController();
    const pending = runStep('auth', neverSettles, target('t'), ctx(ac.signal), Deadline.after(60_000, 'auth'));
    ac.abort(new Interrupted('SIGINT'));
    const r = await pending;
    expect(r.error?.code).toBe('PROBE_INTERRUPTED');
  });

  it('marks a step that stopped because of the interrupt (its own timeout code) as interrupted, keeping its data', async () => {
    const ac = new AbortController();
    const stopsOnAbort: Step = (_t, c) => new Promise((resolve) => {
      c.signal.addEventListener('abort', () => resolve({ step: 'banner', status: 'fail', startedAt: 0, durationMs: 1, data: { greetingHost: 'partial' }, error: { code: 'BANNER_TIMEOUT', message: 'aborted' } }));
    });
    const pending = runStep('banner', stopsOnAbort, target('t'), ctx(ac.signal), Deadline.after(60_000, 'banner'));
    ac.abort(new Interrupted('SIGTERM'));
    const r = await pending;
    expect(r.error?.code).toBe('PROBE_INTERRUPTED');
    expect(r.data).toEqual({ greetingHost: 'partial' });
  });

  it('keeps a step\'s own result when it settles in time, and a throw is PROBE_INTERNAL_ERROR', async () => {
    const ok: Step = async () => ({ step: 'ehlo', status: 'pass', startedAt: 0, durationMs: 1 });
    expect((await runStep('ehlo', ok, target('t'), ctx(), Deadline.after(1000, 'ehlo'))).status).toBe('pass');
    const bug: Step = async () => {
      throw new Error('boom');
    };
    expect((await runStep('ehlo', bug, target('t'), ctx(), Deadline.after(1000, 'ehlo'))).error?.code).toBe('PROBE_INTERNAL_ERROR');
  });
});

describe('runFleet: a Report that never comes', () => {
  it('is listed as missing after the target\'s hard deadline instead of hanging the run', async () => {
    const quick = { ...target('quick'), timeouts: { totalMs: 20, phaseMs: 20 } };
    const lost = { ...target('lost'), timeouts: { totalMs: 20, phaseMs: 20 } };
    const result = await runFleet([quick, lost], {
      probe: (t) => (t.name === 'lost' ? new Promise(() => undefined) : Promise.resolve(reportFor(t, 'ok'))),
      reportGraceMs: 20,
    });
    expect(result.reports[0]?.target.name).toBe('quick');
    expect(result.reports[1]).toBeUndefined();
    expect(result.missing).toEqual([1]);
    expect(result.notRun).toEqual([]);
  });
});
