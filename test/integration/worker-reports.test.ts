/**
 * A probe run by a worker thread gives the same Report as the same probe run in the main
 * thread (what `--workers 1` does), for scenarios that end in different places: success, a
 * rejected password, CRAM-MD5, certificate failures, a client certificate, a greeting refused,
 * AUTH never offered, OAuth tokens fetched (through the main thread's token cache) or refused. Only timings, clock readings, the client's port and a server's random challenge differ. The worker is the built one (dist/, from `npm run
 * build`), as the executable runs it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/mock/index.js';
import { Interrupted } from '../../src/model/deadline.js';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import type { Report } from '../../src/model/report.js';
import { sharedProbe } from '../../src/run/shared-probe.js';
import { ProbeWorkerPool } from '../../src/run/worker-pool.js';
import { mockPool } from '../support/mock-pool.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mocks = mockPool();
const inProcess = sharedProbe(2);
const pool = new ProbeWorkerPool({ size: 2, perHost: 2, script: path.join(root, 'dist/run/probe-worker.js') });
afterAll(() => pool.close());

/** Keys whose values differ between any two runs: clock readings (when, how long, a token's times) and the client's port. */
const VARYING_KEYS = new Set(['startedAt', 'durationMs', 't', 'rttMs', 'checkedAt', 'localPort', 'exp', 'iat', 'nbf', 'expiresInS']);

function withoutTimings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTimings);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VARYING_KEYS.has(k) ? typeof x : withoutTimings(x)]));
  if (typeof v !== 'string') return v;
  // "… after 12 ms", "(1 ms)": durations written into transcript and evidence text; a server's
  // clock in its greeting or error text; and its CRAM-MD5 challenge, a fresh nonce each time
  // (RFC 2195 §2).
  return v
    .replace(/\d+(\.\d+)? ?ms\b/g, 'N ms')
    .replace(/\b\d\d:\d\d:\d\d(\.\d+)?Z?/g, 'HH:MM:SS')
    .replace(/^334 [A-Za-z0-9+/=]{24,}$/, '334 <challenge>');
}

/**
 * comparable: the Report without what varies from run to run. That includes whether the
 * server's close after `221` (QUIT answered) was seen before the probe ended: a race on the
 * wire, in-process as much as in a worker.
 */
function comparable(r: Report): unknown {
  const transcript = r.transcript.filter((l, i) => !(l.text === 'CONNECTION_DROPPED: server closed the connection' && r.transcript[i - 1]?.text.startsWith('221')));
  return withoutTimings({ ...r, transcript });
}

const SCENARIOS = ['good-starttls', 'bad-credentials', 'cram-only', 'cert-expired', 'cert-wrong-host', 'client-cert-good', 'greeting-reject', 'no-auth', 'good-implicit-tls', 'oauth-m365-good', 'oauth-m365-expired-client-secret', 'oauth-gmail-good'];

describe('Reports from a worker thread equal the in-process ones', () => {
  for (const name of SCENARIOS) {
    it(name, async () => {
      const scenario = await findScenario(name);
      const server = await mocks.start(scenario);
      const target = await targetForScenario(scenario, server);
      const signal = new AbortController().signal;
      const here: Report = await inProcess(target, { signal });
      const there: Report = await pool.probe(target, { signal });
      expect(there.verdict).toBe(here.verdict);
      expect(comparable(there)).toStrictEqual(comparable(here));
    });
  }

  it('interrupted (Ctrl-C) while the server is silent: the same partial Report, PROBE_INTERRUPTED', async () => {
    const scenario = await findScenario('never-answer');
    const server = await mocks.start(scenario);
    const target = await targetForScenario(scenario, server);
    const ac = new AbortController();
    const both = Promise.all([inProcess(target, { signal: ac.signal }), pool.probe(target, { signal: ac.signal })]);
    setTimeout(() => ac.abort(new Interrupted('SIGINT')), 300);
    const [here, there] = await both;
    expect(here.findings.map((f) => f.code)).toContain('PROBE_INTERRUPTED');
    expect(comparable(there)).toStrictEqual(comparable(here));
  });
});
