/**
 * The hardened client: 1,000 probes against the hostile and broken servers of the
 * fault scenarios. Each must end with a finding within its deadline; afterwards no socket or
 * timer of ours is left, and nothing was rejected unhandled.
 */
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki } from '../../src/mock/certs/index.js';
import { listScenarios, findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';

const PROBES = 1000;
const servers: MockServer[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

/** Our own handles: sockets and timers (the test runner's IPC pipe and stdio are excluded). */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (r === 'TCPSocketWrap' || r === 'Timeout' || r === 'TLSWrap') counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const pki = await createTestPki();
  for (const { name } of await listScenarios()) {
    const s = await findScenario(name);
    if (s.server.fault.kind !== 'none') servers.push(await startMockServer(s, { pki }));
  }
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all(servers.map((s) => s.close()));
});

describe('1,000 probes against the fault scenarios', () => {
  it('every probe ends with a finding, leaves no socket or timer, rejects nothing unhandled', async () => {
    expect(servers.length).toBeGreaterThanOrEqual(10);
    const before = handles();
    const limit = pLimit(200);
    const reports: Report[] = await Promise.all(
      Array.from({ length: PROBES }, (_, i) => limit(async () => {
        const server = servers[i % servers.length] as MockServer;
        // Short deadlines: the faults are about ending cleanly, not about waiting.
        const target = await targetForScenario(server.scenario, server, { timeout: 2, phaseTimeout: 1 });
        return probe(target);
      })),
    );
    expect(reports).toHaveLength(PROBES);
    for (const r of reports) {
      expect(r.findings.length, `${r.target.name}: ${r.verdict}`).toBeGreaterThan(0);
      // The 2 s hard deadline holds: late only by event-loop lag, which 200 probes at once on a
      // loaded machine push past half a second (a probe that ignored its deadline would run
      // its 1 s phases back to back, 5 s and more).
      expect(r.durationMs).toBeLessThanOrEqual(2000 + 1500);
      expect(r.findings.map((f) => f.code)).not.toContain('PROBE_INTERNAL_ERROR');
    }
    // The servers notice our closes asynchronously (more slowly on a loaded machine): wait until
    // the counts are back to the baseline, for at most 5 s, then compare.
    const settled = (h: Record<string, number>): boolean => ['TCPSocketWrap', 'TLSWrap', 'Timeout'].every((k) => (h[k] ?? 0) <= (before[k] ?? 0));
    for (let i = 0; i < 50 && !settled(handles()); i++) await new Promise((r) => setTimeout(r, 100));
    const after = handles();
    for (const kind of ['TCPSocketWrap', 'TLSWrap', 'Timeout']) expect(after[kind] ?? 0, `${kind}: before ${before[kind] ?? 0}, after ${after[kind] ?? 0}`).toBeLessThanOrEqual(before[kind] ?? 0);
    expect(unhandled).toEqual([]);
    for (const s of servers) expect(s.openConnections(), s.scenario.name).toBe(0);
  }, 120_000);
});
