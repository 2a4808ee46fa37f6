/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scrapes `smtprobe serve` in the blackbox
 * multi-target pattern, with the example alert rules loaded; through Prometheus's HTTP query
 * API, probe_success must be 1 for the healthy mock smart host and 0 for the failing ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProbesFile } from '../../src/config/probes-file.js';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { probe } from '../../src/check.js';
import { TrustStoreCache } from '../../src/probe/tls/trust-store.js';
import { startExporter, type Exporter } from '../../src/run/exporter.js';
import { PROMETHEUS as PROMETHEUS_PKG, skipWithoutPackages } from '../support/system-packages.js';
import { freePort } from '../support/wait-port.js';

/** Debian's prometheus, from PATH. */
const PROMETHEUS = 'prometheus';
const skip = skipWithoutPackages('test/integration/prometheus-real.test.ts (real Prometheus)', [PROMETHEUS_PKG]);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-prom-'));
const servers: MockServer[] = [];
let exporter: Exporter | undefined;
let prometheus: ChildProcess | undefined;
let promUrl = '';
let promLog = '';


interface Sample { metric: Record<string, string>; value: [number, string] }

async function query(q: string): Promise<Sample[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data?: { result: Sample[] } };
  return body.status === 'success' ? body.data?.result ?? [] : [];
}

/** until polls `check` (bounded: 90 s) until it returns a value. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 180; i++) {
    if (prometheus?.exitCode !== null) throw new Error(`prometheus exited (${prometheus?.exitCode}): ${promLog.slice(-2000)}`);
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; prometheus log: ${promLog.slice(-2000)}`);
}

beforeAll(async () => {
  if (skip) return;
  const pki = await createTestPki();
  const start = async (scenario: string, host: string): Promise<MockServer> => {
    const s = await startMockServer(await findScenario(scenario), { pki, host });
    servers.push(s);
    return s;
  };
  const good = await start('good-starttls', '127.0.0.31');
  const bad = await start('bad-credentials', '127.0.0.32');
  const silent = await start('never-answer', '127.0.0.33');
  writeFileSync(path.join(tmp, 'ca.pem'), good.caPem);
  writeFileSync(path.join(tmp, 'probes.yaml'), [
    'defaults:', '  ca: ./ca.pem', '  tls: starttls', '  tlsDomain: smarthost.test', '  icmp: false',
    '  user: probe@smarthost.test', '  password: env:PROM_TEST_PASS',
    'modules:', '  submission: { tlsVerify: domain }',
    'targets:',
    `  - name: good`, `    host: ${good.host}`, `    port: ${good.port}`, '    module: submission',
    `  - name: bad`, `    host: ${bad.host}`, `    port: ${bad.port}`, '    password: env:PROM_TEST_WRONG',
    `  - name: silent`, `    host: ${silent.host}`, `    port: ${silent.port}`,
    '',
  ].join('\n'));
  const trustStores = new TrustStoreCache();
  exporter = await startExporter({
    config: await loadProbesFile(path.join(tmp, 'probes.yaml')),
    env: { PROM_TEST_PASS: 'mock-pass-1', PROM_TEST_WRONG: 'not-the-password' },
    listen: { host: '127.0.0.1', port: 0 },
    probe: (t, o) => probe(t, { signal: o.signal, trustStores }),
  });
  const exporterAddr = `127.0.0.1:${exporter.port}`;
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(path.join(tmp, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s',
    `rule_files: [${JSON.stringify(path.join(root, 'examples/prometheus/smtprobe-alerts.yml'))}]`,
    'scrape_configs:',
    '  - job_name: smtp-smarthosts', '    metrics_path: /probe',
    '    static_configs:', '      - targets: [good, bad, silent]',
    '    relabel_configs:',
    '      - { source_labels: [__address__], target_label: __param_target }',
    '      - { source_labels: [__param_target], target_label: instance }',
    `      - { target_label: __address__, replacement: "${exporterAddr}" }`,
    '  - job_name: smtprobe-exporter',
    `    static_configs: [{ targets: ["${exporterAddr}"] }]`,
    '',
  ].join('\n'));
  prometheus = spawn(PROMETHEUS, [
    `--config.file=${path.join(tmp, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(tmp, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--web.console.templates=/dev/null', '--web.console.libraries=/dev/null',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer): void => {
    promLog = (promLog + b.toString()).slice(-20_000);
  };
  prometheus.stdout?.on('data', keep);
  prometheus.stderr?.on('data', keep);
}, 60_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  await exporter?.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
}, 30_000);

describe.skipIf(skip)('a real Prometheus scraping smtprobe serve', () => {
  it('sees probe_success 1 for the healthy relay and 0 for the failing ones', async () => {
    const byInstance = await until('probe_success for good, bad and silent', async () => {
      const rows = await query('probe_success{job="smtp-smarthosts"}');
      const m = Object.fromEntries(rows.map((r) => [r.metric.instance, r.value[1]]));
      return m.good !== undefined && m.bad !== undefined && m.silent !== undefined ? m : undefined;
    });
    expect(byInstance).toEqual({ good: '1', bad: '0', silent: '0' });

    // The "why" metric: which step failed, with which finding code.
    const failed = await query('probe_failed_step{job="smtp-smarthosts"}');
    const why = Object.fromEntries(failed.map((r) => [r.metric.instance, `${r.metric.step}:${r.metric.code}`]));
    expect(why.bad).toBe('auth:AUTH_CREDENTIALS_REJECTED');
    expect(why.silent).toBe('banner:BANNER_TIMEOUT');
    expect(why.good).toBeUndefined();

    const tls = await query('probe_tls_version_info{instance="good"}');
    expect(tls[0]?.metric.version).toMatch(/^TLSv1\.[23]$/);
    const expiry = await query('probe_ssl_earliest_cert_expiry{instance="good"} - time()');
    expect(Number(expiry[0]?.value[1])).toBeGreaterThan(0);
    const auth = await query('probe_smtp_reply_code{instance="bad",step="auth"}');
    expect(auth[0]?.value[1]).toBe('535');
  }, 120_000);

  it('loads the example alert rules; the smart-host-down alert is pending for the failing relays', async () => {
    const pending = await until('SmtpSmartHostDown pending for bad and silent', async () => {
      const res = await fetch(`${promUrl}/api/v1/alerts`);
      const body = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
      const down = body.data.alerts.filter((a) => a.labels.alertname === 'SmtpSmartHostDown').map((a) => a.labels.instance).sort();
      return down.length === 2 ? down : undefined;
    });
    expect(pending).toEqual(['bad', 'silent']);
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { health: string }[] }[] } };
    expect(rules.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok')).toBe(true);
  }, 120_000);

  it("scrapes the exporter's own /metrics", async () => {
    const up = await until('up for the exporter', async () => {
      const rows = await query('up{job="smtprobe-exporter"}');
      return rows[0]?.value[1];
    });
    expect(up).toBe('1');
    const probes = await until('probes counted', async () => {
      const rows = await query('sum(smtprobe_exporter_probes_total{trigger="probe"})');
      return rows[0] && Number(rows[0].value[1]) > 0 ? rows[0].value[1] : undefined;
    });
    expect(Number(probes)).toBeGreaterThan(0);
  }, 120_000);
});
