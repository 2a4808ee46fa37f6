/**
 * A relay name with several addresses, one of them broken, as an SRE meets it: `relay.test`
 * resolves (through a DNS responder on loopback) to 127.0.0.1, 127.0.0.2 and ::1. The first and
 * the last are one healthy node behind a TCP forwarder (one certificate, as a load balancer
 * presents it); 127.0.0.2 is another node whose certificate expired. --all-addresses probes
 * each address and names the odd one; -4/-6 restrict the family; --source-address binds the
 * local end (the mock sees the connection come from 127.0.0.2).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTarget } from '../../src/all-addresses.js';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { reportSchema } from '../../src/model/report-schema.js';
import type { Report } from '../../src/model/report.js';
import type { TcpData } from '../../src/model/step-data.js';
import type { Target } from '../../src/model/target.js';
import { renderHuman } from '../../src/report/human.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { recordReport } from '../../src/record/index.js';
import { probeDebugText } from '../../src/run/probe-debug.js';
import { replayScenario } from '../../src/run/replay.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { startDnsResponder } from '../unit/connectivity/dns-responder.js';

let pki: TestPki;
let good: MockServer;
let expired: MockServer;
let dns: Awaited<ReturnType<typeof startDnsResponder>>;
const forwarders: net.Server[] = [];
const goodLog: string[] = [];
let port = 0;

/** forward: a TCP forwarder on host:port to the healthy node (a load balancer's frontend). */
function forward(host: string, listenPort: number, to: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(to, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve(server));
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  good = await startMockServer(await findScenario('good-starttls'), { pki, onLog: (l) => goodLog.push(l) });
  // 127.0.0.2 gets an ephemeral port; the forwarders take the same port on 127.0.0.1 and ::1.
  expired = await startMockServer(await findScenario('cert-expired'), { pki, host: '127.0.0.2' });
  port = expired.port;
  forwarders.push(await forward('127.0.0.1', port, good.port), await forward('::1', port, good.port));
  dns = await startDnsResponder({
    'relay.test': { A: ['127.0.0.1', '127.0.0.2'], AAAA: ['::1'] },
    'v6only.test': { AAAA: ['::1'] },
    'healthy.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
  });
});
afterAll(async () => {
  await Promise.all(forwarders.map((f) => new Promise((r) => f.close(r))));
  await good?.close();
  await expired?.close();
  await dns?.close();
});

async function target(host: string, extra: Record<string, unknown> = {}): Promise<Target> {
  const input = parseTargetInput({
    host, port, icmp: false, dnsServer: dns.server, tls: 'starttls', tlsDomain: 'smarthost.test', ca: good.caFile,
    user: 'probe@smarthost.test', passwordEnv: 'RELAY_PASS', timeout: 10, ...extra,
  });
  return resolveTarget(input, { env: { RELAY_PASS: 'mock-pass-1' }, baseDir: process.cwd() });
}

const tcpAddress = (r: Report): string | undefined => (r.steps.find((s) => s.step === 'tcp')?.data as TcpData | undefined)?.address;

describe('--all-addresses', () => {
  let report: Report;
  beforeAll(async () => {
    report = await probeTarget(await target('relay.test', { allAddresses: true }));
  });

  it('probes every address and reports each with its own steps and verdict', () => {
    expect(report.addresses?.map((a) => a.address).sort()).toEqual(['127.0.0.1', '127.0.0.2', '::1']);
    const by = new Map(report.addresses?.map((a) => [a.address, a]));
    expect(by.get('127.0.0.1')).toMatchObject({ family: 4, verdict: 'ok', findings: [] });
    expect(by.get('::1')).toMatchObject({ family: 6, verdict: 'ok' });
    expect(by.get('127.0.0.2')).toMatchObject({ verdict: 'critical', odd: true, summary: { failedStep: { step: 'tls', code: 'CERT_EXPIRED' } } });
    expect(by.get('127.0.0.2')?.steps.find((s) => s.step === 'tls')).toMatchObject({ status: 'fail', code: 'CERT_EXPIRED' });
    expect(by.get('127.0.0.1')?.odd).toBeUndefined();
  });

  it('names the odd one out and its certificate in ADDRESS_INCONSISTENT; the worst address sets the verdict', () => {
    const odd = report.findings.find((f) => f.code === 'ADDRESS_INCONSISTENT');
    expect(odd?.severity).toBe('critical');
    expect(odd?.evidence.join('\n')).toMatch(/result: 127\.0\.0\.2 differs \(tls fails with CERT_EXPIRED\); the other 2: passes/);
    expect(odd?.evidence.join('\n')).toMatch(/certificate: 127\.0\.0\.2 differs \(sha256 [0-9a-f]{16}…\); the other 2: sha256/);
    const expiredFinding = report.findings.find((f) => f.code === 'CERT_EXPIRED');
    expect(expiredFinding?.evidence.every((e) => e.startsWith('127.0.0.2: '))).toBe(true);
    expect(report.verdict).toBe('critical');
    expect(report.summary.goalReached).toBe(false);
  });

  it('is one Report (the fleet counts one per target) that the published schema accepts', () => {
    expect(reportSchema.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
    expect(report.steps.filter((s) => s.step === 'dns')).toHaveLength(1);
    expect(report.target).toMatchObject({ host: 'relay.test', allAddresses: true });
  });

  it('renderers show every address', () => {
    const human = renderHuman(report, { color: false });
    expect(human).toMatch(/addresses of relay\.test/);
    expect(human).toMatch(/127\.0\.0\.2 .*critical.*odd one out/);
    const prom = renderPrometheus(report);
    expect(prom).toContain('probe_smtp_address_success{target="relay.test:' + port + '",address="127.0.0.2"} 0');
    expect(prom).toContain('probe_smtp_address_success{target="relay.test:' + port + '",address="::1"} 1');
    expect(prom).toContain('probe_smtp_address_odd{target="relay.test:' + port + '",address="127.0.0.2"} 1');
  });

  it("every address's dialogue is in the Report, under its own address", () => {
    for (const a of report.addresses ?? []) {
      const texts = a.transcript?.map((l) => l.text) ?? [];
      expect(texts, a.address).toContain(`connecting to ${a.address} port ${port}`);
      // No other address's connection in this address's transcript.
      expect(texts.filter((t) => t.startsWith('connecting to ')), a.address).toHaveLength(1);
    }
    const odd = report.addresses?.find((a) => a.address === '127.0.0.2');
    expect(odd?.transcript?.some((l) => l.dir === '*' && /expired/i.test(l.text))).toBe(true);
    // The top-level transcript stays the first address's, like the top-level steps.
    expect(report.transcript).toEqual(report.addresses?.[0]?.transcript);
  });

  it('the human transcript (check --transcript, /probe?debug=true) shows each address\'s dialogue, labelled, and no secret', () => {
    const sections = (text: string): string[] => [...text.matchAll(/^Transcript of (\S+) \(address (\d) of 3(, the odd one out)?; secrets redacted\)$/gm)].map((m) => `${m[1]}${m[3] ? ' odd' : ''}`);
    const human = renderHuman(report, { color: false, transcript: true });
    expect(sections(human).sort()).toEqual(['127.0.0.1', '127.0.0.2 odd', '::1']);
    // Each section holds its own address's connection line.
    for (const block of human.split(/^(?=Transcript of )/m).slice(1)) {
      const address = /^Transcript of (\S+)/.exec(block)?.[1];
      expect(block).toContain(`connecting to ${address} port ${port}`);
    }
    expect(human).not.toContain('mock-pass-1');
    expect(human).not.toMatch(/^Transcript \(secrets redacted\)$/m);
    const debug = probeDebugText(report, '');
    expect(sections(debug)).toHaveLength(3);
    expect(debug).not.toContain('mock-pass-1');
  });

  it('a recording replays the first address and shows the others\' dialogues; its expect is what that replay finds', async () => {
    const first = report.addresses?.[0];
    const rec = recordReport(report, { name: 'relay-first' });
    expect(rec.text).toContain(`# Recorded dialogue of ${first?.address}, the address replayed (address 1 of 3;`);
    for (const a of report.addresses?.slice(1) ?? []) {
      expect(rec.text).toContain(`Not replayed: the dialogue of ${a.address} (address`);
      expect(rec.text).toContain(`connecting to ${a.address} port ${port}`);
    }
    expect(rec.text).not.toContain('mock-pass-1');
    // Not the other addresses' codes, nor ADDRESS_INCONSISTENT: one mock cannot reproduce them.
    expect(rec.scenario.expect.codes).not.toContain('ADDRESS_INCONSISTENT');
    expect(rec.scenario.expect.codes.every((c) => first?.findings.includes(c))).toBe(true);
    const again = await replayScenario(rec.scenario, { pki });
    expect([...new Set(again.findings.map((f) => f.code))].sort()).toEqual([...rec.scenario.expect.codes].sort());
    expect(again.verdict).toBe(rec.scenario.expect.verdict);
  });

  it('healthy addresses only: no finding, verdict ok', async () => {
    const r = await probeTarget(await target('healthy.test', { allAddresses: true }));
    expect(r.addresses?.map((a) => a.verdict)).toEqual(['ok', 'ok']);
    expect(r.findings.map((f) => f.code)).not.toContain('ADDRESS_INCONSISTENT');
    expect(r.verdict).toBe('ok');
  });
});

describe('-4 / -6', () => {
  it('-6 uses only the AAAA address; -4 only the A addresses', async () => {
    const v6 = await probeTarget(await target('healthy.test', { ipv6: true }));
    expect(tcpAddress(v6)).toBe('::1');
    const v4all = await probeTarget(await target('relay.test', { ipv4: true, allAddresses: true }));
    expect(v4all.addresses?.map((a) => a.address).sort()).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  it('-4 on a name with only AAAA: DNS_NO_ADDRESS saying what it resolves to', async () => {
    const r = await probeTarget(await target('v6only.test', { ipv4: true }));
    const dnsStep = r.steps.find((s) => s.step === 'dns');
    expect(dnsStep?.error?.code).toBe('DNS_NO_ADDRESS');
    expect(dnsStep?.error?.message).toMatch(/no A record, and only IPv4 may be used .* resolves to ::1/);
    expect(r.steps.find((s) => s.step === 'tcp')?.status).toBe('skip');
  });

  it('contradictions are input errors naming the flag', async () => {
    await expect(target('relay.test', { ipv4: true, ipv6: true })).rejects.toThrow(/ipv4: give -4 \(ipv4\) or -6 \(ipv6\), not both/);
    await expect(target('127.0.0.1', { ipv6: true })).rejects.toThrow(/ipv6: the host 127\.0\.0\.1 is an IPv4 address/);
    await expect(target('relay.test', { ipv6: true, sourceAddress: '127.0.0.2' })).rejects.toThrow(/sourceAddress: 127\.0\.0\.2 is an IPv4 address, but -6/);
    await expect(target('relay.test', { sourceAddress: 'eth0' })).rejects.toThrow(/sourceAddress/);
  });
});

describe('--source-address', () => {
  it('binds the local end: the relay sees the connection come from 127.0.0.2', async () => {
    goodLog.length = 0;
    const r = await probeTarget({ ...(await target('127.0.0.1', { sourceAddress: '127.0.0.2' })), port: good.port });
    expect(r.verdict).toBe('ok');
    expect(r.steps.find((s) => s.step === 'tcp')?.data).toMatchObject({ address: '127.0.0.1', localAddress: '127.0.0.2' });
    expect(goodLog.some((l) => l.includes('connect from 127.0.0.2:'))).toBe(true);
    expect(r.transcript.some((l) => l.text === 'connecting to 127.0.0.1 port ' + good.port + ' from 127.0.0.2')).toBe(true);
  });

  it('a source address of the other family restricts the relay name to that family', async () => {
    const r = await probeTarget(await target('healthy.test', { sourceAddress: '::1' }));
    expect((r.steps.find((s) => s.step === 'dns')?.data as { addresses: { address: string }[] }).addresses.map((a) => a.address)).toEqual(['::1']);
    expect(r.steps.find((s) => s.step === 'tcp')?.data).toMatchObject({ address: '::1', localAddress: '::1' });
    expect(r.verdict).toBe('ok');
  });

  it('an address this host does not have: one clear TCP error naming it', async () => {
    const r = await probeTarget({ ...(await target('127.0.0.1', { sourceAddress: '192.0.2.1' })), port: good.port });
    const tcp = r.steps.find((s) => s.step === 'tcp');
    expect(tcp?.status).toBe('fail');
    expect(tcp?.error?.message).toMatch(/cannot connect from source address 192\.0\.2\.1 \(EADDRNOTAVAIL/);
    // the finding's advice covers the source address, not only routing
    const finding = r.findings.find((f) => f.code === 'HOST_UNREACHABLE');
    expect(finding?.fix.some((line) => line.includes('--source-address'))).toBe(true);
  });
});

describe('the command line', () => {
  const cli = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const r = await promisify(execFile)(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', RELAY_PASS: 'mock-pass-1' } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('check --all-addresses: one Report with every address, exit 2 for the expired node', async () => {
    const r = await cli(['check', 'relay.test', '-p', String(port), '--dns-server', dns.server, '--tls-domain', 'smarthost.test', '--ca', good.caFile,
      '-u', 'probe@smarthost.test', '--password-env', 'RELAY_PASS', '--no-icmp', '--all-addresses', '-4', '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.addresses?.map((a) => a.address).sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(report.findings.map((f) => f.code)).toContain('ADDRESS_INCONSISTENT');
  });

  it('run: every target yields exactly one Report per round, whatever it resolves to', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-alladdr-'));
    try {
      const file = path.join(dir, 'probes.yaml');
      writeFileSync(file, [
        `defaults: { icmp: false, port: ${port}, dnsServer: '${dns.server}', tlsDomain: smarthost.test, ca: ${JSON.stringify(good.caFile)}, user: probe@smarthost.test, password: env:RELAY_PASS, allAddresses: true }`,
        'targets:',
        '  - { name: relay, host: relay.test }',
        '  - { name: healthy, host: healthy.test }',
        '  - { name: v6-only-asked-v4, host: v6only.test, ipv4: true }',
      ].join('\n'));
      const r = await cli(['run', file, '--format', 'ndjson', '--no-progress']);
      const reports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
      expect(reports.map((x) => x.target.name).sort()).toEqual(['healthy', 'relay', 'v6-only-asked-v4']);
      const by = new Map(reports.map((x) => [x.target.name, x]));
      expect(by.get('relay')?.addresses).toHaveLength(3);
      expect(by.get('healthy')?.addresses).toHaveLength(2);
      expect(by.get('v6-only-asked-v4')?.summary.failedStep?.code).toBe('DNS_NO_ADDRESS');
      expect(r.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
