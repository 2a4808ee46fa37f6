import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/model/deadline.js';
import { measureSeries } from '../../../src/probe/path/measure.js';
import { fakeNetwork } from './fake-network.js';

function fakePinger() {
  const net = fakeNetwork({ hops: [{ address: '10.0.0.1' }, { address: '10.0.1.1' }], destination: '10.0.2.2' });
  const r = net.open(4);
  if (!r.ok) throw new Error('no fake pinger');
  return { pinger: r.pinger, sent: net.sent };
}

describe('measureSeries', () => {
  it('sends count samples per series, interleaving the series', async () => {
    const { pinger, sent } = fakePinger();
    const specs = ['10.0.0.1', '10.0.1.1', '10.0.2.2'].map((address) => ({ address, timeoutMs: 100 }));
    const res = await measureSeries(pinger, specs, { count: 5, intervalMs: 3, clock: systemClock, signal: new AbortController().signal, deadlineAt: Date.now() + 10_000 });
    expect(res.map((r) => [r.address, r.sent, r.rtts.length])).toEqual([['10.0.0.1', 5, 5], ['10.0.1.1', 5, 5], ['10.0.2.2', 5, 5]]);
    expect(sent.slice(0, 6).map((s) => s.address)).toEqual(['10.0.0.1', '10.0.1.1', '10.0.2.2', '10.0.0.1', '10.0.1.1', '10.0.2.2']);
  });

  it('does not send a sample that could not finish before the deadline', async () => {
    const { pinger, sent } = fakePinger();
    const res = await measureSeries(pinger, [{ address: '10.0.0.1', timeoutMs: 1000 }], { count: 5, intervalMs: 1, clock: systemClock, signal: new AbortController().signal, deadlineAt: Date.now() + 500 });
    expect(res[0]?.sent).toBe(0);
    expect(sent).toEqual([]);
  });

  it('stops sending when aborted, keeping what was measured', async () => {
    const { pinger } = fakePinger();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const res = await measureSeries(pinger, [{ address: '10.0.0.1', timeoutMs: 100 }], { count: 1000, intervalMs: 5, clock: systemClock, signal: ac.signal, deadlineAt: Date.now() + 60_000 });
    expect(res[0]?.sent).toBeGreaterThan(0);
    expect(res[0]?.sent).toBeLessThan(1000);
    expect(res[0]?.rtts.length).toBe(res[0]?.sent);
  });
});
