import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { IssuedCert } from '../../src/mock/certs/index.js';
import { Deadline } from '../../src/model/deadline.js';
import { scanTlsVersions } from '../../src/probe/tls/version-scan.js';

const HOST = 'mail.example.test';
let cert: IssuedCert;
const servers: net.Server[] = [];
const accepted = new Set<net.Socket>();

beforeAll(async () => {
  cert = await (await createTestPki()).issue('valid', { hostnames: [HOST] });
});

afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const open = accepted.size;
  for (const s of accepted) s.destroy();
  accepted.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  expect(open, 'connections left open by the scan').toBe(0);
});

async function serve(options: tls.TlsOptions): Promise<number> {
  const server = tls.createServer({ key: cert.keyPem, cert: cert.chainPem, ...options }, (s) => {
    s.on('error', () => undefined);
    s.resume();
  });
  server.on('tlsClientError', () => undefined);
  server.on('connection', (s: net.Socket) => {
    accepted.add(s);
    s.once('close', () => accepted.delete(s));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const opener = (port: number) => (): Promise<net.Socket> => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => resolve(s));
  s.once('error', reject);
});

const tcpHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const accepts = (r: Awaited<ReturnType<typeof scanTlsVersions>>): string[] => r.versions.filter((v) => v.accepted).map((v) => v.version);

describe('scanTlsVersions', () => {
  it('server accepting TLS 1.2–1.3: exactly those two, with their ciphers; every socket closed', async () => {
    const base = tcpHandles();
    const port = await serve({ minVersion: 'TLSv1.2' });
    const r = await scanTlsVersions(opener(port), { servername: HOST, allowed: ['TLSv1.2', 'TLSv1.3'] }, Deadline.after(5000, 'tls-scan'));
    expect(r.versions.map((v) => v.version)).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(accepts(r)).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(r.allowed).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(r.versions.find((v) => v.version === 'TLSv1.3')?.cipher).toMatch(/^TLS_/);
    expect(r.versions.find((v) => v.version === 'TLSv1.2')?.cipher).toBeTruthy();
    expect(r.versions.find((v) => v.version === 'TLSv1')?.error).toMatch(/TLS_VERSION_MISMATCH/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tcpHandles()).toBe(base);
  });

  it('server accepting only TLS 1.3', async () => {
    const port = await serve({ minVersion: 'TLSv1.3' });
    const r = await scanTlsVersions(opener(port), { servername: HOST, allowed: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] }, Deadline.after(5000, 'tls-scan'));
    expect(accepts(r)).toEqual(['TLSv1.3']);
  });

  it('legacy server accepting TLS 1.0 (OpenSSL security level 0): 1.0 and 1.1 seen as accepted', async () => {
    const port = await serve({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const r = await scanTlsVersions(opener(port), { servername: HOST, allowed: ['TLSv1.2', 'TLSv1.3'] }, Deadline.after(5000, 'tls-scan'));
    expect(accepts(r)).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
  });

  it('TLS 1.0-only server (an Exchange 2010 era relay)', async () => {
    const port = await serve({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const r = await scanTlsVersions(opener(port), { servername: HOST, allowed: ['TLSv1.2', 'TLSv1.3'] }, Deadline.after(5000, 'tls-scan'));
    expect(accepts(r)).toEqual(['TLSv1']);
  });

  it('a failing opener counts as not accepted, with the reason', async () => {
    const r = await scanTlsVersions(() => Promise.reject(new Error('STARTTLS refused')), { servername: HOST, allowed: ['TLSv1.2'] }, Deadline.after(1000, 'tls-scan'));
    expect(accepts(r)).toEqual([]);
    expect(r.versions.every((v) => v.error?.includes('STARTTLS refused'))).toBe(true);
  });

  it('silent server: every version times out by the deadline, sockets closed', async () => {
    const server = net.createServer((s) => s.on('error', () => undefined).resume());
    server.on('connection', (s: net.Socket) => {
      accepted.add(s);
      s.once('close', () => accepted.delete(s));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const r = await scanTlsVersions(opener(port), { servername: HOST, allowed: ['TLSv1.2'] }, Deadline.after(200, 'tls-scan'));
    expect(r.versions.every((v) => !v.accepted && v.error?.startsWith('PHASE_TIMEOUT'))).toBe(true);
  });
});
