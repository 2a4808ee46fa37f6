/**
 * A port that waits for the client to speak: the banner step must say what listens there
 * (HTTP, implicit TLS) instead of a blind BANNER_TIMEOUT. The servers are real Node servers on
 * loopback: a plain HTTP server, an HTTPS server, and a TCP server that reads and never answers.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
let httpPort = 0;
let httpsPort = 0;
let mutePort = 0;

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  const pki = await createTestPki();
  const cert = await pki.issue('valid', { hostnames: ['web.test'] });
  httpPort = await listen(http.createServer((_req, res) => res.end('hello')));
  httpsPort = await listen(https.createServer({ cert: cert.chainPem, key: cert.keyPem }, (_req, res) => res.end('hello')));
  mutePort = await listen(net.createServer((s) => s.resume()));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function check(port: number): Promise<Report> {
  const input = parseTargetInput({ host: '127.0.0.1', port, tlsDomain: 'web.test', user: 'probe@web.test', icmp: false, timeout: 6, phaseTimeout: 3 });
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
  return probe(target);
}

const codes = (r: Report): string[] => r.findings.map((f) => f.code);

describe('a port that waits for the client to speak', () => {
  it('a plain HTTP server: NOT_SMTP (HTTP), found by its answer to a TLS hello, not BANNER_TIMEOUT', async () => {
    const r = await check(httpPort);
    expect(codes(r)).toContain('NOT_SMTP');
    expect(codes(r)).not.toContain('BANNER_TIMEOUT');
    expect(r.summary.failedStep).toEqual({ step: 'banner', code: 'NOT_SMTP' });
    const f = r.findings.find((x) => x.code === 'NOT_SMTP');
    expect(f?.evidence.join(' ')).toMatch(/asked with a TLS hello on a second connection, the port answered with HTTP/);
    expect(r.steps.find((s) => s.step === 'banner')?.error?.message).toMatch(/HTTP response/);
  });

  it('an HTTPS server: TLS_ON_CONNECT_EXPECTED', async () => {
    const r = await check(httpsPort);
    expect(codes(r)).toContain('TLS_ON_CONNECT_EXPECTED');
    expect(codes(r)).not.toContain('BANNER_TIMEOUT');
  });

  it('a port that reads and never answers anything: still BANNER_TIMEOUT', async () => {
    const r = await check(mutePort);
    expect(codes(r)).toContain('BANNER_TIMEOUT');
    expect(codes(r)).not.toContain('NOT_SMTP');
  }, 15_000);
});
