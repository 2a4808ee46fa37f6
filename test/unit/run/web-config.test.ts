/**
 * `serve --web-config`: the exporter behind TLS (optionally mutual) and basic auth with bcrypt
 * hashes, in the exporter-toolkit format. Real HTTPS requests against a real listening exporter
 * (the probe itself is faked: what is tested is who may ask).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProbesText } from '../../../src/config/probes-file.js';
import { ConfigError } from '../../../src/config/config-error.js';
import { createTestPki, type TestPki } from '../../../src/mock/certs/index.js';
import { startExporter, type Exporter } from '../../../src/run/exporter.js';
import { loadWebConfig } from '../../../src/run/web-config.js';
import { reportFor } from './fake-probe.js';

const CONFIG = ['defaults: { icmp: false }', 'targets:', '  - { name: good, host: 127.0.0.1, port: 2525 }'].join('\n');
const USER = 'prometheus';
const PASSWORD = 'scrape-secret-1';

let dir = '';
let pki: TestPki;
let exporter: Exporter | undefined;

beforeAll(async () => {
  pki = await createTestPki();
  dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-web-config-'));
  const server = await pki.issue('valid', { hostnames: ['127.0.0.1', 'localhost'] });
  writeFileSync(path.join(dir, 'server.crt'), server.chainPem);
  writeFileSync(path.join(dir, 'server.key'), server.keyPem);
  writeFileSync(path.join(dir, 'client-ca.crt'), pki.clientCaPem);
  const hash = bcrypt.hashSync(PASSWORD, 4).replace(/^\$2b\$/, '$2y$'); // as htpasswd -B writes it
  writeFileSync(path.join(dir, 'web.yml'), [
    'tls_server_config:', '  cert_file: server.crt', '  key_file: server.key',
    'basic_auth_users:', `  ${USER}: '${hash}'`, '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'mtls.yml'), [
    'tls_server_config:', '  cert_file: server.crt', '  key_file: server.key',
    '  client_ca_file: client-ca.crt', '  client_auth_type: RequireAndVerifyClientCert', '',
  ].join('\n'));
});
afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(webFile: string): Promise<Exporter> {
  exporter = await startExporter({
    config: parseProbesText(CONFIG, 'probes.yaml', '/tmp'),
    env: {},
    listen: { host: '127.0.0.1', port: 0 },
    probe: async (t) => reportFor(t, 'ok'),
    web: await loadWebConfig(path.join(dir, webFile)),
  });
  return exporter;
}

interface Answer { status: number; body: string; headers: Record<string, string | string[] | undefined> }

function get(url: string, opts: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { ca: pki.rootPem, ...opts }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const basic = (user: string, password: string): RequestOptions => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });

describe('serve --web-config: TLS and basic auth', () => {
  it('serves /metrics and /probe over HTTPS to the right password', async () => {
    const e = await start('web.yml');
    expect(e.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const metrics = await get(`${e.url}/metrics`, basic(USER, PASSWORD));
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('smtprobe_exporter_config_targets 1');
    const probe = await get(`${e.url}/probe?target=good`, basic(USER, PASSWORD));
    expect(probe.status).toBe(200);
    expect(probe.body).toMatch(/^probe_success\S* 1$/m);
  });

  it('refuses a scrape without the password, with a wrong one, or for an unknown user (401, Basic challenge)', async () => {
    const e = await start('web.yml');
    for (const opts of [{}, basic(USER, 'wrong'), basic('someone', PASSWORD), { headers: { authorization: 'Bearer x' } }]) {
      const r = await get(`${e.url}/probe?target=good`, opts);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Basic /);
      expect(r.body).not.toMatch(/probe_success/);
    }
  });

  it('answers nothing over plain HTTP when TLS is configured', async () => {
    const e = await start('web.yml');
    const plainUrl = e.url.replace(/^https:/, 'http:');
    await expect(get(`${plainUrl}/metrics`, basic(USER, PASSWORD))).rejects.toThrow();
  });

  it('with RequireAndVerifyClientCert: no client certificate, no connection; a trusted one is served', async () => {
    const e = await start('mtls.yml');
    await expect(get(`${e.url}/metrics`)).rejects.toThrow();
    const untrusted = await pki.issueClient('stranger', { untrusted: true });
    await expect(get(`${e.url}/metrics`, { cert: untrusted.certPem, key: untrusted.keyPem })).rejects.toThrow();
    const client = await pki.issueClient('prometheus');
    const r = await get(`${e.url}/metrics`, { cert: client.chainPem, key: client.keyPem });
    expect(r.status).toBe(200);
  });
});

describe('loadWebConfig refuses a bad file with one line naming the key', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown key', 'tls_server_confg: {}\n', /Unrecognized key.*tls_server_confg/],
    ['not a bcrypt hash', 'basic_auth_users: { prometheus: plaintext-password }\n', /basic_auth_users\.prometheus: a bcrypt hash/],
    ['missing cert file', 'tls_server_config: { cert_file: nope.crt, key_file: server.key }\n', /tls_server_config\.cert_file: cannot read nope\.crt \(ENOENT\)/],
    ['verify without a CA', 'tls_server_config: { cert_file: server.crt, key_file: server.key, client_auth_type: RequireAndVerifyClientCert }\n', /client_ca_file: is required/],
    ['unknown client auth type', 'tls_server_config: { cert_file: server.crt, key_file: server.key, client_auth_type: Always }\n', /client_auth_type/],
  ];
  for (const [what, text, message] of cases) {
    it(what, async () => {
      const file = path.join(dir, `bad-${what.replace(/\W+/g, '-')}.yml`);
      writeFileSync(file, text);
      const err = await loadWebConfig(file).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).not.toContain('plaintext-password');
    });
  }
});
