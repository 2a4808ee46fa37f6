import { describe, expect, it } from 'vitest';
import { FleetLimiter } from '../../../src/run/fleet-limiter.js';
import { runFleet } from '../../../src/run/runner.js';
import { worstVerdict } from '../../../src/model/worst-verdict.js';
import { settle } from './fake-clock.js';
import { ControlledProbe, reportFor, target } from './fake-probe.js';

describe('runFleet', () => {
  it('returns every Report in target order', async () => {
    const targets = Array.from({ length: 50 }, (_, i) => target(`t${i}`, `127.0.0.${(i % 5) + 1}`));
    const result = await runFleet(targets, { probe: async (t) => reportFor(t, t.name === 't7' ? 'critical' : 'ok'), concurrency: 8 });
    expect(result.reports.map((r) => r?.target.name)).toEqual(targets.map((t) => t.name));
    expect(result.notRun).toEqual([]);
    expect(worstVerdict(result.reports.map((r) => r!.verdict))).toBe('critical');
  });

  it('never exceeds the global limit nor the per-host limit', async () => {
    const probe = new ControlledProbe();
    const targets = Array.from({ length: 40 }, (_, i) => target(`t${i}`, `10.0.0.${i % 4}`));
    const run = runFleet(targets, { probe: probe.fn, concurrency: 6, perHost: 2 });
    for (let round = 0; round < 40; round++) {
      await settle();
      expect(probe.open()).toBeLessThanOrEqual(6);
      probe.calls.shift()?.resolve('ok');
    }
    await run;
    expect(probe.maxActive).toBe(6);
    for (const n of probe.maxByHost.values()) expect(n).toBeLessThanOrEqual(2);
  });

  it('a host that never answers holds only its per-host slots; the others all finish', async () => {
    const probe = new ControlledProbe();
    const tarpit = Array.from({ length: 10 }, (_, i) => target(`tarpit${i}`, '127.0.0.66'));
    const healthy = Array.from({ length: 20 }, (_, i) => target(`ok${i}`, `127.0.1.${i}`));
    const done: string[] = [];
    const ac = new AbortController();
    const run = runFleet([...tarpit, ...healthy], { probe: probe.fn, concurrency: 4, perHost: 2, signal: ac.signal, onReport: (r) => done.push(r.target.name) });
    // Answer every healthy probe as it starts; never answer the tarpit.
    for (let i = 0; i < 50; i++) {
      await settle();
      for (const c of probe.calls) if (c.target.host !== '127.0.0.66') c.resolve('ok');
    }
    expect(done.filter((n) => n.startsWith('ok'))).toHaveLength(20);
    expect(probe.maxByHost.get('127.0.0.66')).toBe(2);
    // Ctrl-C: the two running tarpit probes end with partial reports, the queued eight never start.
    ac.abort();
    const result = await run;
    expect(result.interrupted).toBe(true);
    expect(result.notRun).toHaveLength(8);
    expect(result.reports.filter((r) => r?.target.host === '127.0.0.66').map((r) => r?.verdict)).toEqual(['unknown', 'unknown']);
  });

  it('limits are whole numbers >= 1', () => {
    expect(() => new FleetLimiter({ concurrency: 0, perHost: 1 })).toThrow(TypeError);
    expect(() => new FleetLimiter({ concurrency: 2, perHost: 1.5 })).toThrow(TypeError);
  });

  it('host names are one host whatever their case', async () => {
    const probe = new ControlledProbe();
    const run = runFleet([target('a', 'Relay.Example'), target('b', 'relay.example'), target('c', 'RELAY.example')], { probe: probe.fn, perHost: 1 });
    for (let i = 0; i < 3; i++) {
      await settle();
      expect(probe.open()).toBe(1);
      probe.calls[i]?.resolve('ok');
    }
    await run;
  });
});

describe('runFleet without retaining Reports (streaming sinks)', () => {
  it('streams every Report, keeps none, and still knows which targets did not run', async () => {
    const targets = Array.from({ length: 30 }, (_, i) => target(`t${i}`, `127.0.2.${i % 3}`));
    const seen: string[] = [];
    const result = await runFleet(targets, { probe: async (t) => reportFor(t, 'ok'), retain: false, onReport: (r) => seen.push(r.target.name) });
    expect(seen.sort()).toEqual(targets.map((t) => t.name).sort());
    expect(result.reports.every((r) => r === undefined)).toBe(true);
    expect(result.notRun).toEqual([]);
  });
});
