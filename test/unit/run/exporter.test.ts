import { afterEach, describe, expect, it } from 'vitest';
import { parseProbesText } from '../../../src/config/probes-file.js';
import type { Target } from '../../../src/model/target.js';
import { startExporter, withScrapeTimeout, type Exporter } from '../../../src/run/exporter.js';
import { parseListen } from '../../../src/run/listen-address.js';
import { FakeClock } from './fake-clock.js';
import { reportFor, target } from './fake-probe.js';

const CONFIG = [
  'defaults:', '  icmp: false',
  'modules:', '  submission: { port: 587 }', '  smtps: { port: 465, tls: implicit }',
  'targets:',
  '  - name: good', '    host: 127.0.0.1', '    port: 2525',
  '  - name: bad', '    host: 127.0.0.2', '    module: submission', '    user: probe@smarthost.test', '    password: env:BAD_PASS',
].join('\n');

let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

async function start(extra: { everyMs?: number; clock?: FakeClock } = {}): Promise<{ exporter: Exporter; probed: Target[] }> {
  const probed: Target[] = [];
  exporter = await startExporter({
    config: parseProbesText(CONFIG, 'probes.yaml', '/tmp'),
    env: { BAD_PASS: 'top-secret-pass' },
    listen: { host: '127.0.0.1', port: 0 },
    probe: async (t) => {
      probed.push(t);
      return reportFor(t, t.name === 'bad' ? 'critical' : 'ok');
    },
    ...extra,
  });
  return { exporter, probed };
}

const get = async (e: Exporter, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> => {
  const res = await fetch(`${e.url}${p}`, { headers });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
};

describe('exporter /probe', () => {
  it('probes a configured target and answers its metrics in the text format', async () => {
    const { exporter: e, probed } = await start();
    const ok = await get(e, '/probe?target=good');
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('text/plain; version=0.0.4');
    expect(ok.body).toContain('probe_success 1');
    const bad = await get(e, '/probe?target=bad');
    expect(bad.body).toContain('probe_success 0');
    expect(probed.map((t) => t.name)).toEqual(['good', 'bad']);
  });

  it('uses a fresh registry per request: no series of one probe appear in the next', async () => {
    const { exporter: e } = await start();
    await get(e, '/probe?target=bad');
    const second = await get(e, '/probe?target=good');
    expect(second.body).not.toContain('AUTH_CREDENTIALS_REJECTED');
    expect(second.body.match(/^probe_success /gm)).toHaveLength(1);
  });

  it('&module= picks another module for a configured target', async () => {
    const { exporter: e, probed } = await start();
    await get(e, '/probe?target=bad&module=smtps');
    expect(probed[0]).toMatchObject({ port: 465, tls: 'implicit', labels: { module: 'smtps' } });
    // The target's own settings still win over the module's (here: its port).
    await get(e, '/probe?target=good&module=smtps');
    expect(probed[1]).toMatchObject({ port: 2525, tls: 'implicit' });
  });

  it.each([
    ['/probe', /target parameter is missing/],
    ['/probe?target=evil.example.com', /unknown target "evil\.example\.com"/],
    ['/probe?target=good&module=nope', /unknown module "nope"/],
    ['/probe?target=good&host=10.0.0.1', /unsupported parameter host/],
    ['/probe?target=bad&password=x', /unsupported parameter password/],
    ['/probe?target=bad&user=x&port=25', /unsupported parameter user, port/],
  ])('%s is a 400 and probes nothing', async (url, message) => {
    const { exporter: e, probed } = await start();
    const r = await get(e, url);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(message);
    expect(probed).toHaveLength(0);
  });

  it("Prometheus's scrape timeout header bounds the probe's deadline (minus the offset)", async () => {
    const { exporter: e, probed } = await start();
    await get(e, '/probe?target=good', { 'X-Prometheus-Scrape-Timeout-Seconds': '4' });
    expect(probed[0]?.timeouts).toEqual({ totalMs: 3500, phaseMs: 3500 });
    await get(e, '/probe?target=good');
    expect(probed[1]?.timeouts).toEqual({ totalMs: 60000, phaseMs: 30000 });
  });

  it('a secret never appears in any response', async () => {
    const { exporter: e } = await start();
    const bodies = await Promise.all(['/probe?target=bad', '/metrics', '/'].map(async (p) => (await get(e, p)).body));
    for (const b of bodies) expect(b).not.toContain('top-secret-pass');
  });

  it('unknown paths are 404, other methods 405', async () => {
    const { exporter: e } = await start();
    expect((await get(e, '/nope')).status).toBe(404);
    expect((await fetch(`${e.url}/probe?target=good`, { method: 'POST' })).status).toBe(405);
  });
});

describe('exporter /metrics', () => {
  it("has the exporter's own metrics and, when scheduled, every target's latest, labelled target", async () => {
    const clock = new FakeClock();
    const { exporter: e } = await start({ everyMs: 60_000, clock });
    await clock.advance(10_000);
    const m = await get(e, '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('process_cpu_seconds_total');
    expect(m.body).toContain('smtprobe_exporter_config_targets 2');
    expect(m.body).toContain('smtprobe_exporter_probes_total{trigger="schedule",verdict="critical"} 1');
    expect(m.body).toContain('probe_success{target="good"} 1');
    expect(m.body).toContain('probe_success{target="bad"} 0');
  });
});

describe('helpers', () => {
  it('withScrapeTimeout never lengthens a deadline; the offset never takes more than half', () => {
    const t = target('x');
    expect(withScrapeTimeout(t, '120', 500)).toBe(t);
    expect(withScrapeTimeout(t, '0.6', 500).timeouts.totalMs).toBe(300);
    expect(withScrapeTimeout(t, 'junk', 500)).toBe(t);
  });

  it('parseListen reads host:port, [v6]:port and :port (loopback)', () => {
    expect(parseListen('127.0.0.1:9465')).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(parseListen('[::1]:9465')).toEqual({ host: '::1', port: 9465 });
    expect(parseListen(':9465')).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(() => parseListen('9465')).toThrow(/HOST:PORT/);
  });
});

describe('exporter lockout protection', () => {
  it('/probe of a target whose password keeps being rejected stops sending AUTH and /metrics shows it suspended', async () => {
    const holds: (string | undefined)[] = [];
    exporter = await startExporter({
      config: parseProbesText(CONFIG, 'probes.yaml', '/tmp'),
      env: { BAD_PASS: 'top-secret-pass' },
      listen: { host: '127.0.0.1', port: 0 },
      probe: async (t, opts) => {
        holds.push(opts.authHold?.kind);
        const r = reportFor(t, 'critical');
        if (opts.authHold) return r;
        return { ...r, steps: [{ step: 'auth', status: 'fail', startedAt: 0, durationMs: 1, data: { offered: ['PLAIN'], offeredBeforeTls: [], usable: ['PLAIN'], detectedOnly: [], attempted: true, reply: { code: 535, lines: ['5.7.8 no'] } }, error: { code: 'AUTH_CREDENTIALS_REJECTED', message: '535' } }] };
      },
    });
    for (let i = 0; i < 5; i++) await get(exporter, '/probe?target=bad');
    expect(holds).toEqual([undefined, undefined, undefined, 'suspended', 'suspended']);
    const m = await get(exporter, '/metrics');
    expect(m.body).toContain('smtprobe_auth_suspended{target="bad",user="probe@smarthost.test"} 3');
    expect(m.body).not.toContain('top-secret-pass');
  });
});
