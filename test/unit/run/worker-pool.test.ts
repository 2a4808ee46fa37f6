/**
 * ProbeWorkerPool, with a fake worker (test/support/fake-probe-worker.mjs) so that only the
 * pool is under test: where probes go, how Reports come back, cancellation, a worker that dies,
 * and that no thread outlives `close`.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Interrupted } from '../../../src/model/deadline.js';
import type { Report } from '../../../src/model/report.js';
import { Secret } from '../../../src/model/secret.js';
import type { Target } from '../../../src/model/target.js';
import { runFleet } from '../../../src/run/runner.js';
import { ProbeWorkerPool } from '../../../src/run/worker-pool.js';
import { target } from './fake-probe.js';

const script = fileURLToPath(new URL('../../support/fake-probe-worker.mjs', import.meta.url));
const pools: ProbeWorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function pool(size: number, onWorkerLost?: (why: string, lost: string[]) => void): ProbeWorkerPool {
  const p = new ProbeWorkerPool({ size, perHost: 2, script, ...(onWorkerLost ? { onWorkerLost } : {}) });
  pools.push(p);
  return p;
}

const slow = (name: string, delayMs: number): Target => ({ ...target(name), labels: { delayMs: String(delayMs) } });
const how = (r: Report): string | undefined => r.target.labels.how;
const never = new AbortController().signal;

describe('ProbeWorkerPool', () => {
  it('starts workers only as probes need them, spreads busy probes over all of them, and hands Reports on as they finish', async () => {
    const p = pool(2);
    const one = await p.probe(slow('first', 0), { signal: never });
    expect(how(one)).toBe('done');
    // One probe at a time needs one thread.
    expect(p.threads).toBe(1);
    const order: string[] = [];
    const reports = await Promise.all([slow('a', 300), slow('b', 300), slow('c', 10)].map((t) => p.probe(t, { signal: never }).then((r) => {
      order.push(r.target.name);
      return r;
    })));
    expect(p.threads).toBe(2);
    expect(new Set(reports.map((r) => r.target.labels.thread)).size).toBe(2);
    expect(order[0]).toBe('c');
  });

  it('a secret reaches the worker (the codec), and the Report arrives whole', async () => {
    const p = pool(1);
    const r = await p.probe({ ...slow('s', 0), password: new Secret('pw') }, { signal: never });
    expect(r.target.labels.password).toBe('arrived');
    expect(r).toMatchObject({ schema: 1, verdict: 'ok', summary: { replyCodes: {} } });
  });

  it('an aborted signal becomes a cancel message with its reason: the probe ends with its Report', async () => {
    const p = pool(2);
    const ac = new AbortController();
    const pending = [p.probe(slow('x', 60_000), { signal: ac.signal }), p.probe(slow('y', 60_000), { signal: ac.signal })];
    setTimeout(() => ac.abort(new Interrupted('SIGINT')), 50);
    const reports = await Promise.all(pending);
    expect(reports.map(how)).toEqual(['interrupted:SIGINT', 'interrupted:SIGINT']);
    // Already aborted before it was sent: cancelled at once.
    const late = await p.probe(slow('z', 60_000), { signal: ac.signal });
    expect(how(late)).toBe('interrupted:SIGINT');
  });

  it('a worker that dies loses no probe: each in flight gets a PROBE_INTERNAL_ERROR Report (verdict unknown), and a new worker takes later probes', async () => {
    const lost: string[][] = [];
    const p = pool(1, (_why, names) => lost.push(names));
    const inFlight = p.probe(slow('victim', 60_000), { signal: never });
    const crash = p.probe(target('crash'), { signal: never });
    const [victim, crashed] = await Promise.all([inFlight, crash]);
    for (const r of [victim, crashed]) {
      expect(r.verdict).toBe('unknown');
      expect(r.findings.map((f) => f.code)).toEqual(['PROBE_INTERNAL_ERROR']);
      expect(r.findings[0]?.evidence.join(' ')).toContain('fake worker crashed');
    }
    expect(victim.target.name).toBe('victim');
    expect(lost.flat().sort()).toEqual(['crash', 'victim']);
    const after = await p.probe(slow('after', 0), { signal: never });
    expect(how(after)).toBe('done');
    expect(p.threads).toBe(1);
  });

  it('in a fleet run a dead worker still leaves exactly one Report per target, and the run is not ok', async () => {
    const p = pool(2, () => undefined);
    const targets = [...Array.from({ length: 8 }, (_, i) => slow(`t${i}`, 20)), target('crash')];
    const result = await runFleet(targets, { probe: p.probe, concurrency: 4, perHost: 4 });
    expect(result.reports.map((r) => r?.target.name)).toEqual(targets.map((t) => t.name));
    expect(result.missing).toEqual([]);
    expect(result.reports.filter((r) => r?.verdict === 'unknown').map((r) => r?.target.name)).toContain('crash');
  });

  it('a probe that threw in the worker rejects, as the in-process probe would throw', async () => {
    const p = pool(1);
    await expect(p.probe(target('throw'), { signal: never })).rejects.toThrow('fake probe threw');
  });

  it('close ends every thread; a probe still in flight gets its Report; the pool then refuses work', async () => {
    const p = pool(2);
    const pending = p.probe(slow('long', 60_000), { signal: never });
    await new Promise((r) => setTimeout(r, 50));
    await p.close();
    expect(p.threads).toBe(0);
    expect((await pending).verdict).toBe('unknown');
    await expect(p.probe(target('x'), { signal: never })).rejects.toThrow('closed');
  });

  it('a missing worker file is one clear error at start, not a probe failure per target', () => {
    expect(() => new ProbeWorkerPool({ size: 2, perHost: 2, script: '/nonexistent/smtprobe-worker.cjs' })).toThrow(/probe worker's file .* is missing/);
  });
});
