import { describe, expect, it } from 'vitest';
import type { StepResult, StepResultOf } from '../../../src/model/report.js';
import type { HopStats, PathData } from '../../../src/model/step-data.js';
import { pathFindings } from '../../../src/diagnose/path-rules.js';
import { splitLoss } from '../../../src/probe/path/statistics.js';

/** pathResult builds a path step result from raw per-hop losses (sent 100 each), split like the step does. */
function pathResult(raw: number[], opts: { reached?: boolean } = {}): StepResultOf<'path'> {
  const split = splitLoss(raw);
  const hops: HopStats[] = raw.map((r, i) => ({
    ttl: i + 1,
    address: `10.0.${i}.2`,
    sent: 100,
    received: 100 - r,
    lossPct: split.hops[i]?.nodePct ?? 0,
    linkLossPct: split.hops[i]?.linkPct ?? 0,
    sourceLossPct: r,
    rttMs: { min: 1, avg: 1, max: 1, stddev: 0, p95: 1 },
    ...(i === raw.length - 1 && opts.reached !== false ? { destination: true } : {}),
  }));
  const data: PathData = {
    address: `10.0.${raw.length - 1}.2`, family: 4, hops, reached: opts.reached !== false,
    sourceLinkLossPct: split.sourceLinkPct, count: 100, intervalMs: 25, discoveryMs: 1, measureMs: 2500,
  };
  return { step: 'path', status: 'pass', startedAt: 0, durationMs: 1, data };
}

const codes = (raw: number[]) => pathFindings([pathResult(raw)]).map((f) => f.code);

describe('pathFindings', () => {
  it('nothing on a clean path', () => {
    expect(codes([0, 0, 0, 0])).toEqual([]);
  });

  it('PATH_LOSS at the first link where loss begins and persists', () => {
    const [f] = pathFindings([pathResult([0, 0, 21, 19, 20])]);
    expect(f?.code).toBe('PATH_LOSS');
    expect(f?.evidence[0]).toBe('loss begins on the link from hop 2 10.0.1.2 to hop 3 10.0.2.2: +19% carried on to the destination');
    expect(f?.evidence).toContain('hop 5 10.0.4.2 [destination]: 20/100 lost (20%)');
    expect(f?.evidence.at(-1)).toBe('before it: hop 1 10.0.0.2 0%, hop 2 10.0.1.2 0%');
  });

  it('PATH_LOSS on the first link when hop 1 already loses', () => {
    const [f] = pathFindings([pathResult([10, 10, 10])]);
    expect(f?.evidence[0]).toContain('from this host to hop 1 10.0.0.2');
  });

  it('PATH_LOSS spread thinly over many links blames the link with the largest share, not the first link', () => {
    const [f] = pathFindings([pathResult([2, 4, 6, 9, 11, 13, 15, 17])]);
    expect(f?.code).toBe('PATH_LOSS');
    expect(f?.evidence[0]).toBe('loss begins on the link from hop 3 10.0.2.2 to hop 4 10.0.3.2: +3% carried on to the destination');
  });

  it('critical from 50% loss at the destination', () => {
    expect(pathFindings([pathResult([0, 60, 60])])[0]?.severity).toBe('critical');
  });

  it('no PATH_LOSS for a single lost sample (noise floor)', () => {
    expect(codes([0, 0, 1])).toEqual([]);
  });

  it('HOP_RATE_LIMITED for a hop losing its own answers only', () => {
    const fs = pathFindings([pathResult([0, 85, 0, 0])]);
    expect(fs.map((f) => f.code)).toEqual(['HOP_RATE_LIMITED']);
    expect(fs[0]?.evidence[0]).toContain('hop 2 10.0.1.2: 85/100 lost (85%)');
    expect(fs[0]?.severity).toBe('info');
  });

  it('no HOP_RATE_LIMITED for sampling noise around real loss (21% then 17%)', () => {
    expect(codes([0, 0, 21, 17])).toEqual(['PATH_LOSS']);
    expect(codes([0, 0, 27, 17])).toEqual(['PATH_LOSS']);
  });

  it('both: a rate-limited hop before real loss', () => {
    expect(codes([0, 90, 0, 10, 10])).toEqual(['PATH_LOSS', 'HOP_RATE_LIMITED']);
  });

  it('no PATH_LOSS when the destination was not reached', () => {
    expect(pathFindings([pathResult([0, 0, 100], { reached: false })]).map((f) => f.code)).toEqual([]);
  });

  it('an unanswering destination is a warning alone, but only info when TCP got through', () => {
    const r = pathResult([0, 0, 100], { reached: false });
    r.status = 'warn';
    r.error = { code: 'ICMP_NO_REPLY', message: '10.0.2.2 did not answer echo requests; answers stop after hop 2 (10.0.1.2)' };
    expect(pathFindings([r]).map((f) => f.severity)).toEqual(['warning']);
    const tcp: StepResult = { step: 'tcp', status: 'pass', startedAt: 0, durationMs: 1 };
    expect(pathFindings([r, tcp]).map((f) => [f.code, f.severity])).toEqual([['ICMP_NO_REPLY', 'info']]);
  });
});
