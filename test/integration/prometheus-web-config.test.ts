/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scrapes `smtprobe serve --web-config` as an
 * SRE would deploy it: HTTPS with the exporter's certificate checked against a private CA, and
 * basic auth (password_file). Beside it, the same exporter scraped without the password and over
 * plain HTTP: Prometheus must see those targets down, and get no probe result from them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProbesFile } from '../../src/config/probes-file.js';
import { createTestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { probe } from '../../src/check.js';
import { startExporter, type Exporter } from '../../src/run/exporter.js';
import { loadWebConfig } from '../../src/run/web-config.js';
import { freePort } from '../support/wait-port.js';

const PROMETHEUS = '/usr/bin/prometheus';
const tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-prom-tls-'));
let mock: MockServer | undefined;
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
  expect(existsSync(PROMETHEUS), `${PROMETHEUS} is not installed (apt-get install prometheus)`).toBe(true);
  const pki = await createTestPki();
  mock = await startMockServer(await findScenario('good-starttls'), { pki, host: '127.0.0.41' });
  const serverCert = await pki.issue('valid', { hostnames: ['127.0.0.1'] });
  writeFileSync(path.join(tmp, 'ca.pem'), pki.rootPem);
  writeFileSync(path.join(tmp, 'exporter.crt'), serverCert.chainPem);
  writeFileSync(path.join(tmp, 'exporter.key'), serverCert.keyPem);
  writeFileSync(path.join(tmp, 'scrape-password'), 'scrape-pass-7');
  writeFileSync(path.join(tmp, 'web.yml'), [
    'tls_server_config: { cert_file: exporter.crt, key_file: exporter.key }',
    `basic_auth_users: { prometheus: '${bcrypt.hashSync('scrape-pass-7', 8)}' }`, '',
  ].join('\n'));
  writeFileSync(path.join(tmp, 'probes.yaml'), [
    'defaults: { ca: ./ca.pem, tls: starttls, tlsDomain: smarthost.test, icmp: false, user: probe@smarthost.test, password: env:PROM_TEST_PASS }',
    'targets:', `  - { name: good, host: ${mock.host}, port: ${mock.port} }`, '',
  ].join('\n'));
  exporter = await startExporter({
    config: await loadProbesFile(path.join(tmp, 'probes.yaml')),
    env: { PROM_TEST_PASS: 'mock-pass-1' },
    listen: { host: '127.0.0.1', port: 0 },
    probe: (t, o) => probe(t, { signal: o.signal }),
    web: await loadWebConfig(path.join(tmp, 'web.yml')),
  });
  const exporterAddr = `127.0.0.1:${exporter.port}`;
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const job = (name: string, extra: string[]): string[] => [
    `  - job_name: ${name}`, '    metrics_path: /probe', '    params: { target: [good] }',
    `    static_configs: [{ targets: ["${exporterAddr}"] }]`, ...extra,
  ];
  const tls = ['    scheme: https', `    tls_config: { ca_file: ${JSON.stringify(path.join(tmp, 'ca.pem'))} }`];
  writeFileSync(path.join(tmp, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, scrape_timeout: 1s }',
    'scrape_configs:',
    ...job('tls-and-password', [...tls, `    basic_auth: { username: prometheus, password_file: ${JSON.stringify(path.join(tmp, 'scrape-password'))} }`]),
    ...job('tls-no-password', tls),
    ...job('plain-http', [`    basic_auth: { username: prometheus, password_file: ${JSON.stringify(path.join(tmp, 'scrape-password'))} }`]),
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
  await mock?.close();
  rmSync(tmp, { recursive: true, force: true });
}, 30_000);

describe('a real Prometheus scraping smtprobe serve --web-config (TLS + basic auth)', () => {
  it('gets the probe over HTTPS with the password; is refused without it and over plain HTTP', async () => {
    const up = await until('up for all three jobs', async () => {
      const rows = await query('up');
      const m = Object.fromEntries(rows.map((r) => [r.metric.job, r.value[1]]));
      return m['tls-and-password'] === '1' && m['tls-no-password'] !== undefined && m['plain-http'] !== undefined ? m : undefined;
    });
    expect(up).toEqual({ 'tls-and-password': '1', 'tls-no-password': '0', 'plain-http': '0' });
    const success = await until('probe_success', async () => {
      const rows = await query('probe_success');
      return rows.length > 0 ? rows : undefined;
    });
    expect(success.map((r) => [r.metric.job, r.value[1]])).toEqual([['tls-and-password', '1']]);
  }, 120_000);
});
