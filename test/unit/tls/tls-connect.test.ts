/**
 * connectTls: tls.connect with net.isIP standing in as ipFamily for the call only. The SNI name
 * still reaches the server, and Node's own net.isIP is back afterwards — also when tls.connect
 * throws.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../../src/mock/certs/index.js';
import { ipFamily } from '../../../src/probe/ip-family.js';
import { connectTls } from '../../../src/probe/tls/tls-connect.js';

describe('connectTls', () => {
  let server: tls.Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    const pki = await createTestPki();
    const leaf = await pki.issue('valid', { hostnames: ['smarthost.test'] });
    server = tls.createServer({
      cert: leaf.chainPem, key: leaf.keyPem,
      // The name as the ClientHello carried it.
      SNICallback: (name, cb) => {
        seen.push(name);
        cb(null, undefined);
      },
    }, (s) => s.end());
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects with the SNI name, and net.isIP is Node\'s own again when it returns', async () => {
    const nodeIsIP = net.isIP;
    const sock = connectTls({ host: '127.0.0.1', port, servername: 'smarthost.test', ca: [], rejectUnauthorized: false });
    expect(net.isIP).toBe(nodeIsIP);
    expect(net.isIP).not.toBe(ipFamily);
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    sock.destroy();
    expect(seen).toEqual(['smarthost.test']);
  });

  it('puts net.isIP back when tls.connect throws', () => {
    const nodeIsIP = net.isIP;
    expect(() => connectTls({ host: '127.0.0.1', port, minVersion: 'TLSv0.9' as tls.SecureVersion })).toThrow(/TLSv0\.9|protocol/i);
    expect(net.isIP).toBe(nodeIsIP);
  });

  it('stands ipFamily in while tls.connect runs (what saves the time)', () => {
    let during: unknown;
    const sock = connectTls({
      host: '127.0.0.1', port, servername: 'smarthost.test', ca: [], rejectUnauthorized: false,
      // checkServerIdentity is read by tls.connect's option spread, after the isIP swap began; a
      // getter here sees what net.isIP is at that moment.
      get checkServerIdentity() { during = net.isIP; return () => undefined; },
    });
    sock.on('error', () => {});
    sock.destroy();
    expect(during).toBe(ipFamily);
  });
});
