import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/model/deadline.js';
import { discoverRoute, type DiscoveryOptions } from '../../../src/probe/path/discovery.js';
import type { Pinger } from '../../../src/probe/path/pinger.js';
import { fakeNetwork, type FakeRoute } from './fake-network.js';

const opts = (over: Partial<DiscoveryOptions> = {}): DiscoveryOptions => ({
  maxHops: 10,
  attempts: 3,
  retryGapMs: 5,
  timeoutMs: 50,
  clock: systemClock,
  signal: new AbortController().signal,
  ...over,
});

function open(route: FakeRoute): { pinger: Pinger; sent: { ttl?: number }[] } {
  const net = fakeNetwork(route);
  const r = net.open(4);
  if (!r.ok) throw new Error('fake pinger did not open');
  return { pinger: r.pinger, sent: net.sent };
}

const ROUTERS = ['10.0.0.1', '10.0.1.1', '10.0.2.1'];
const DEST = '10.0.3.2';
const hops = (extra: Partial<Record<number, object>> = {}) => ROUTERS.map((address, i) => ({ address, ...(extra[i] ?? {}) }));

describe('discoverRoute with a fake pinger', () => {
  it('finds every hop in TTL order and ends at the destination', async () => {
    const { pinger, sent } = open({ hops: hops(), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts());
    expect(route.reached).toBe(true);
    expect(route.hops.map((h) => [h.ttl, h.address])).toEqual([[1, ROUTERS[0]], [2, ROUTERS[1]], [3, ROUTERS[2]], [4, DEST]]);
    expect(route.hops[3]?.destination).toBe(true);
    // all TTLs go out in the first round, none is retried when all answer
    expect(sent.length).toBe(10);
    expect(route.hops.every((h) => h.probes === 1)).toBe(true);
  });

  it('retries a TTL whose first answer was lost (a rate-limited time-exceeded)', async () => {
    const { pinger } = open({ hops: hops({ 1: { ownLoss: { drop: 1, every: 100 } } }), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts());
    expect(route.hops[1]).toMatchObject({ ttl: 2, address: ROUTERS[1], probes: 2 });
    expect(route.reached).toBe(true);
  });

  it('keeps a hop that never answers as a silent hop between answering ones', async () => {
    const { pinger } = open({ hops: hops({ 1: { silent: true } }), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts());
    expect(route.hops.map((h) => h.address)).toEqual([ROUTERS[0], null, ROUTERS[2], DEST]);
    expect(route.hops[1]?.probes).toBe(3);
  });

  it('asks a hole again after the regular rounds: a router silent for its first 3 probes (one run in eight at 50% ICMP loss) is still found', async () => {
    const { pinger } = open({ hops: hops({ 1: { ownLoss: { drop: 3, every: 100 } } }), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts({ lateAttempts: 5, lateGapMs: 5 }));
    expect(route.hops[1]).toMatchObject({ ttl: 2, address: ROUTERS[1], probes: 4 });
    expect(route.reached).toBe(true);
  });

  it('a hole that never answers is asked the late rounds too, then stays a silent hop', async () => {
    const { pinger } = open({ hops: hops({ 1: { silent: true } }), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts({ lateAttempts: 2, lateGapMs: 5 }));
    expect(route.hops.map((h) => h.address)).toEqual([ROUTERS[0], null, ROUTERS[2], DEST]);
    expect(route.hops[1]?.probes).toBe(5);
  });

  it('ends the route at the hop that answers destination unreachable', async () => {
    const { pinger } = open({ hops: hops({ 1: { rejects: true } }), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts());
    expect(route.reached).toBe(false);
    expect(route.unreachable).toEqual({ ttl: 2, address: ROUTERS[1] });
    expect(route.hops.map((h) => h.address)).toEqual([ROUTERS[0], ROUTERS[1]]);
    expect(route.hops[1]?.unreachable).toBe(true);
  });

  it('stops after one silent hop past a blackhole', async () => {
    const { pinger } = open({ hops: hops({ 1: { blackhole: true } }), destination: DEST });
    const route = await discoverRoute(pinger, DEST, opts());
    expect(route.reached).toBe(false);
    expect(route.unreachable).toBeUndefined();
    expect(route.hops.map((h) => h.address)).toEqual([ROUTERS[0], ROUTERS[1], null]);
  });

  it('reports a local send error (no route from this host)', async () => {
    const { pinger } = open({ hops: hops(), destination: DEST, sendError: 'Network is unreachable' });
    const route = await discoverRoute(pinger, DEST, opts());
    expect(route.sendError).toBe('Network is unreachable');
    expect(route.hops).toEqual([]);
  });

  it('never probes beyond maxHops', async () => {
    const { pinger, sent } = open({ hops: hops(), destination: DEST, destinationSilent: true });
    const route = await discoverRoute(pinger, DEST, opts({ maxHops: 5 }));
    expect(Math.max(...sent.map((s) => s.ttl ?? 0))).toBe(5);
    expect(route.hops.map((h) => h.address)).toEqual([...ROUTERS, null]);
  });

  it('returns at once when aborted', async () => {
    const { pinger } = open({ hops: hops({ 1: { blackhole: true } }), destination: DEST });
    const ac = new AbortController();
    ac.abort();
    const route = await discoverRoute(pinger, DEST, opts({ signal: ac.signal, timeoutMs: 10_000 }));
    expect(route.reached).toBe(false);
  });
});
