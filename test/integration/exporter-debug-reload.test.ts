/**
 * The exporter as an SRE drives it: `/probe?...&debug=true` shows the probe's redacted log (a
 * real probe of the mock relay with AUTH PLAIN and LOGIN: neither the password nor any base64
 * form of it appears), and `POST /-/reload` switches to a new probes.yaml or, when the new file
 * is bad, keeps the old one, says why in one line and publishes the failed reload.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProbesFile } from '../../src/config/probes-file.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { probe } from '../../src/check.js';
import { startExporter, type Exporter } from '../../src/run/exporter.js';

const PASSWORD = 'mock-pass-1';
const USER = 'probe@smarthost.test';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const SECRET_FORMS = [PASSWORD, b64(PASSWORD), b64(`\0${USER}\0${PASSWORD}`), b64(`${USER}\0${USER}\0${PASSWORD}`)];

let pki: TestPki;
let server: MockServer;
let dir: string;
let exporter: Exporter | undefined;
const logged: string[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  server = await startMockServer(await findScenario('good-starttls'), { pki });
  dir = await mkdtemp(path.join(os.tmpdir(), 'smtprobe-reload-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
  logged.length = 0;
});

function probesYaml(names: string[]): string {
  return [
    'defaults:',
    `  { icmp: false, tls: starttls, tlsDomain: smarthost.test, ca: ${JSON.stringify(server.caFile)}, user: ${USER}, password: env:RELAY_PASS }`,
    'targets:',
    ...names.map((n) => `  - { name: ${n}, host: ${server.host}, port: ${server.port}, auth: ${n.endsWith('login') ? 'LOGIN' : 'PLAIN'} }`),
  ].join('\n');
}

async function start(file: string): Promise<Exporter> {
  exporter = await startExporter({
    config: await loadProbesFile(file),
    env: { RELAY_PASS: PASSWORD },
    listen: { host: '127.0.0.1', port: 0 },
    probe: (t, o) => probe(t, { signal: o.signal }),
    log: (line) => logged.push(line),
  });
  return exporter;
}

const get = async (e: Exporter, p: string, init?: RequestInit): Promise<{ status: number; body: string; type: string }> => {
  const res = await fetch(`${e.url}${p}`, init);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
};

describe('/probe?debug=true', () => {
  it.each(['relay-plain', 'relay-login'])('%s: the redacted transcript and the would-be metrics as text, no secret in any form', async (name) => {
    const file = path.join(dir, `${name}.yaml`);
    await writeFile(file, probesYaml([name]));
    const e = await start(file);
    const r = await get(e, `/probe?target=${name}&debug=true`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; charset=utf-8');
    expect(r.body).toContain('Logs for the probe:');
    // The dialogue itself is there, AUTH included (redacted at capture)…
    expect(r.body).toMatch(/> EHLO /);
    expect(r.body).toMatch(/> AUTH (PLAIN|LOGIN)/);
    expect(r.body).toMatch(/< 235/);
    expect(r.body).toContain('Metrics that would have been returned:');
    expect(r.body).toContain('probe_success 1');
    expect(r.body).toContain('"hasPassword": true');
    // …and never the secret, raw or base64 (alone, or inside a PLAIN message).
    for (const f of SECRET_FORMS) expect(r.body).not.toContain(f);
    const plain = await get(e, `/probe?target=${name}`);
    expect(plain.type).toContain('version=0.0.4');
    expect(plain.body).not.toContain('Logs for the probe');
  });

  it('debug takes only true or false', async () => {
    const file = path.join(dir, 'debug-bad.yaml');
    await writeFile(file, probesYaml(['relay-plain']));
    const e = await start(file);
    const r = await get(e, '/probe?target=relay-plain&debug=yes');
    expect(r.status).toBe(400);
    expect(r.body).toContain('debug must be true or false');
  });
});

describe('POST /-/reload', () => {
  it('switches to the new file; a bad file keeps the old one, says why in one line and sets the reload metric to 0', async () => {
    const file = path.join(dir, 'reload.yaml');
    await writeFile(file, probesYaml(['relay-a']));
    const e = await start(file);
    expect((await get(e, '/metrics')).body).toContain('smtprobe_exporter_config_last_reload_successful 1');
    expect((await get(e, '/probe?target=relay-b')).status).toBe(400);

    await writeFile(file, probesYaml(['relay-a', 'relay-b']));
    const ok = await get(e, '/-/reload', { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^reloaded .*reload\.yaml: 2 targets\n$/);
    expect((await get(e, '/metrics')).body).toContain('smtprobe_exporter_config_targets 2');
    expect((await get(e, '/probe?target=relay-b')).body).toContain('probe_success 1');

    // A target whose secret cannot be resolved: the whole new file is refused.
    await writeFile(file, `${probesYaml(['relay-a'])}\n  - { name: relay-c, host: ${server.host}, password: env:NOT_SET_ANYWHERE }\n`);
    const bad = await get(e, '/-/reload', { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(bad.body.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.body).toMatch(/reload refused, still using the previous configuration: .*reload\.yaml:\d+: .*relay-c.*NOT_SET_ANYWHERE/);
    expect(logged.at(-1)).toBe(bad.body.trimEnd());
    const m = await get(e, '/metrics');
    expect(m.body).toContain('smtprobe_exporter_config_last_reload_successful 0');
    expect(m.body).toContain('smtprobe_exporter_config_targets 2');
    expect((await get(e, '/probe?target=relay-b')).body).toContain('probe_success 1');

    // Invalid YAML too; then a good file again clears the metric.
    await writeFile(file, 'targets: [ {name: x');
    expect((await get(e, '/-/reload', { method: 'POST' })).status).toBe(500);
    await writeFile(file, probesYaml(['relay-a']));
    expect((await get(e, '/-/reload', { method: 'POST' })).status).toBe(200);
    expect((await get(e, '/metrics')).body).toContain('smtprobe_exporter_config_last_reload_successful 1');
    expect((await get(e, '/probe?target=relay-b')).status).toBe(400);
  });

  it('a GET never reloads', async () => {
    const file = path.join(dir, 'reload-get.yaml');
    await writeFile(file, probesYaml(['relay-a']));
    const e = await start(file);
    expect((await get(e, '/-/reload')).status).toBe(405);
    expect(logged).toEqual([]);
  });
});
