import { describe, expect, it } from 'vitest';
import { lossPct, percentile, rttStats, splitLoss } from '../../../src/probe/path/statistics.js';

describe('percentile (nearest rank)', () => {
  it('picks the ceil(p/100 * n)-th value', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });
  it('refuses an empty sample (a bug, not a network outcome)', () => {
    expect(() => percentile([], 95)).toThrow(RangeError);
  });
});

describe('rttStats', () => {
  it('computes min/avg/max, population stddev and p95', () => {
    expect(rttStats([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ min: 2, avg: 5, max: 9, stddev: 2, p95: 9 });
  });
  it('is null without samples and 0 spread for one sample', () => {
    expect(rttStats([])).toBeNull();
    expect(rttStats([1.5])).toEqual({ min: 1.5, avg: 1.5, max: 1.5, stddev: 0, p95: 1.5 });
  });
  it('keeps microsecond precision', () => {
    expect(rttStats([0.1234567])?.avg).toBe(0.123);
  });
  it('p95 of 1..20 ms is 19 ms regardless of order', () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(rttStats(xs)?.p95).toBe(19);
  });
});

describe('lossPct', () => {
  it('is one-decimal percent, 0 when nothing was sent', () => {
    expect(lossPct(100, 80)).toBe(20);
    expect(lossPct(3, 2)).toBe(33.3);
    expect(lossPct(0, 0)).toBe(0);
  });
});

describe('splitLoss (pathping node/link split)', () => {
  it('puts forwarding loss on the link where it begins', () => {
    const { hops, sourceLinkPct } = splitLoss([0, 0, 20, 20]);
    expect(sourceLinkPct).toBe(0);
    expect(hops.map((h) => h?.linkPct)).toEqual([0, 20, 0, 0]);
    expect(hops.map((h) => h?.nodePct)).toEqual([0, 0, 0, 0]);
  });
  it('puts loss that does not persist on the node (rate limiting)', () => {
    const { hops } = splitLoss([0, 90, 0, 0]);
    expect(hops.map((h) => h?.nodePct)).toEqual([0, 90, 0, 0]);
    expect(hops.map((h) => h?.linkPct)).toEqual([0, 0, 0, 0]);
  });
  it('places ambiguous loss on the earliest link consistent with every later hop', () => {
    // Hop 2 answers only 50%, later hops 90%: 10 points of forwarding loss start before or
    // after hop 2 — echo samples cannot tell which; the earliest consistent link is chosen.
    const { hops } = splitLoss([0, 50, 10, 10]);
    expect(hops[0]).toEqual({ forwardedPct: 0, nodePct: 0, linkPct: 10 });
    expect(hops[1]).toEqual({ forwardedPct: 10, nodePct: 40, linkPct: 0 });
  });
  it('uses the minimum of later hops as the forwarded loss (noise cannot make it shrink)', () => {
    const { hops } = splitLoss([0, 22, 18, 20]);
    expect(hops.map((h) => h?.forwardedPct)).toEqual([0, 18, 18, 20]);
    expect(hops.map((h) => h?.linkPct)).toEqual([18, 0, 2, 0]);
    expect(hops[1]?.nodePct).toBe(4);
  });
  it('attributes loss already at hop 1 to the first link', () => {
    expect(splitLoss([5, 5, 5]).sourceLinkPct).toBe(5);
  });
  it('skips unmeasured hops', () => {
    const { hops } = splitLoss([0, null, 10]);
    expect(hops[1]).toBeNull();
    expect(hops[0]?.linkPct).toBe(10);
  });
  it('link losses add up to the destination loss', () => {
    const raw = [1, 30, 4, 12, 9, 15];
    const { hops, sourceLinkPct } = splitLoss(raw);
    const total = hops.reduce((s, h) => s + (h?.linkPct ?? 0), sourceLinkPct);
    expect(total).toBeCloseTo(15, 5);
  });
});
