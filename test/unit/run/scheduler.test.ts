import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/model/report.js';
import { FleetLimiter } from '../../../src/run/fleet-limiter.js';
import { startSchedule } from '../../../src/run/scheduler.js';
import type { StateChange } from '../../../src/model/state-change.js';
import { FakeClock } from './fake-clock.js';
import { reportFor, target } from './fake-probe.js';

describe('startSchedule', () => {
  it('probes each target every interval (± jitter) and reports only state changes', async () => {
    const clock = new FakeClock();
    const started: { name: string; at: number }[] = [];
    let relayBBroken = false;
    const changes: StateChange[] = [];
    const reports: Report[] = [];
    const schedule = startSchedule([target('relay-a'), target('relay-b', '127.0.0.2')], {
      everyMs: 60_000,
      jitter: 0.1,
      clock,
      random: () => 0.5, // no jitter drift: first probe at 3 s, then exactly every 60 s
      limiter: new FleetLimiter({ concurrency: 4, perHost: 1 }),
      probe: async (t) => {
        started.push({ name: t.name, at: clock.now() });
        return reportFor(t, t.name === 'relay-b' && relayBBroken ? 'critical' : 'ok');
      },
      onReport: (r, c) => {
        reports.push(r);
        if (c) changes.push(c);
      },
    });
    const t0 = clock.now();
    await clock.advance(3_000);
    expect(started.map((s) => s.at - t0)).toEqual([3_000, 3_000]);
    expect(changes.map((c) => `${c.target}:${c.from ?? '-'}>${c.to}`)).toEqual(['relay-a:->ok', 'relay-b:->ok']);

    await clock.advance(60_000); // round 2: nothing changed, nothing reported as a change
    expect(started).toHaveLength(4);
    expect(changes).toHaveLength(2);

    relayBBroken = true;
    await clock.advance(60_000);
    expect(changes.map((c) => `${c.target}:${c.from ?? '-'}>${c.to}`).slice(2)).toEqual(['relay-b:ok>critical']);
    relayBBroken = false;
    await clock.advance(60_000);
    expect(changes.map((c) => `${c.target}:${c.from ?? '-'}>${c.to}`).slice(3)).toEqual(['relay-b:critical>ok']);
    expect(reports).toHaveLength(8);
    expect(started.filter((s) => s.name === 'relay-a').map((s) => s.at - t0)).toEqual([3_000, 63_000, 123_000, 183_000]);

    await schedule.stop();
    await clock.advance(600_000);
    expect(started).toHaveLength(8);
    expect(clock.pending).toBe(0);
  });

  it('jitter spreads first probes over the first jitter×interval and varies each interval by ±jitter', async () => {
    const clock = new FakeClock();
    const values = [0, 0.999, 0.25, 0, 0.999, 0.999];
    let i = 0;
    const at: Record<string, number[]> = {};
    const t0 = clock.now();
    const schedule = startSchedule([target('a'), target('b', '127.0.0.2'), target('c', '127.0.0.3')], {
      everyMs: 10_000, jitter: 0.2, clock, random: () => values[i++ % values.length]!, limiter: new FleetLimiter({ concurrency: 8, perHost: 2 }),
      probe: async (t) => {
        (at[t.name] ??= []).push(clock.now() - t0);
        return reportFor(t, 'ok');
      },
    });
    await clock.advance(20_000);
    await schedule.stop();
    expect(at.a?.[0]).toBe(0);
    expect(at.b?.[0]).toBeCloseTo(1998, 0);
    expect(at.c?.[0]).toBe(500);
    // Second probes: interval × (1 + 0.2 × (2r − 1)) → 8 s for r=0, ≈12 s for r≈1.
    expect(at.a?.[1]).toBe(8_000);
    expect(Math.round(at.b?.[1] ?? 0)).toBe(1998 + 11996);
  });

  it('a probe that overruns its interval is followed at once, never run twice at the same time', async () => {
    const clock = new FakeClock();
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = [];
    const t0 = clock.now();
    const schedule = startSchedule([target('slow')], {
      everyMs: 1_000, jitter: 0, clock, random: () => 0, limiter: new FleetLimiter({ concurrency: 8, perHost: 8 }),
      probe: (t, { signal }) => new Promise((resolve) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        starts.push(clock.now() - t0);
        const end = (): void => {
          running -= 1;
          resolve(reportFor(t, 'ok'));
        };
        const h = clock.setTimeout(end, 2_500);
        signal.addEventListener('abort', () => {
          clock.clearTimeout(h);
          end();
        }, { once: true });
      }),
    });
    await clock.advance(6_000);
    await schedule.stop();
    expect(maxRunning).toBe(1);
    expect(starts).toEqual([0, 2_500, 5_000]);
  });
});
