import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/model/report.js';
import type { PathData } from '../../../src/model/step-data.js';
import { toPublicPathTarget } from '../../../src/model/target.js';
import { pathTarget } from '../../../src/config/path-target.js';
import { renderPathTable } from '../../../src/report/path-table.js';

const data: PathData = {
  address: '10.0.2.2', family: 4, reached: true, sourceLinkLossPct: 0, count: 100, intervalMs: 25, discoveryMs: 3, measureMs: 2500,
  hops: [
    { ttl: 1, address: '10.0.0.1', name: 'gw.example', sent: 100, received: 100, lossPct: 0, linkLossPct: 20, sourceLossPct: 0, rttMs: { min: 0.1, avg: 0.2, max: 0.5, stddev: 0.05, p95: 0.4 } },
    { ttl: 2, address: null, sent: 3, received: 0, lossPct: 100, linkLossPct: 0, sourceLossPct: 100, rttMs: null },
    { ttl: 3, address: '10.0.2.2', sent: 100, received: 80, lossPct: 0, linkLossPct: 0, sourceLossPct: 20, rttMs: { min: 12, avg: 15.25, max: 120, stddev: 3, p95: 20 }, destination: true },
  ],
};
const report: Report = {
  schema: 1,
  target: toPublicPathTarget(pathTarget('relay.example', { pathCount: 100, pathMaxHops: 30, pathIntervalMs: 25, totalMs: 60_000, names: true })),
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 2600,
  steps: [{ step: 'path', status: 'warn', startedAt: 0, durationMs: 2600, data }],
  transcript: [],
  findings: [{ code: 'PATH_LOSS', severity: 'warning', title: 'Packet loss on the path', evidence: ['loss begins after hop 1'], cause: 'c', fix: ['f'] }],
  verdict: 'warning',
  summary: { replyCodes: {} },
  hops: data.hops,
};

describe('renderPathTable', () => {
  it('renders an mtr-like table, findings and the verdict, from the report alone', () => {
    const text = renderPathTable(report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Path to relay.example (10.0.2.2): 3 hops, 100 samples/hop every 25 ms, discovery 3 ms, measurement 2500 ms');
    expect(lines[1]).toMatch(/^Hop\s+Address\s+Sent\s+Recv\s+Here%\s+Node%\s+Link%\s+Min\s+Avg\s+Max\s+StDev\s+p95$/);
    expect(lines[2]).toMatch(/^\s+1\s+gw\.example \(10\.0\.0\.1\)\s+100\s+100\s+0\.0\s+0\.0\s+20\.0\s+0\.10\s+0\.20\s+0\.50\s+0\.05\s+0\.40$/);
    expect(lines[3]).toMatch(/^\s+2\s+\*\s+3\s+0\s+100\.0\s+100\.0\s+0\.0\s+-\s+-\s+-\s+-\s+-$/);
    expect(lines[4]).toMatch(/15\.3\s+120\s+3\.00\s+20\.0$/);
    expect(text).toContain('WARNING PATH_LOSS: Packet loss on the path');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Verdict: WARNING (2.6 s)');
  });
});
