/**
 * Each fault of the raw responder does on the wire what docs/scenarios.md says: checked with
 * a bare client, byte by byte where it matters (the huge line really is 1 MiB, the tarpit
 * really drips). No timing assertions: the tarpit is checked by how its bytes arrive.
 */
import { connect as tlsConnect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseScenario, type MockServer } from '../../src/mock/index.js';
import { LineClient } from './mock-fixtures/line-client.js';
import { mockPool } from '../support/mock-pool.js';

const pool = mockPool();

async function withFault(fault: string): Promise<MockServer> {
  const s = parseScenario(`name: f\ndescription: fault test\nserver:\n  hostname: smarthost.test\n  fault: ${fault}\nexpect: { verdict: critical }\n`, 'inline');
  return pool.start(s);
}

async function bundled(name: string): Promise<MockServer> {
  return pool.start(name);
}

describe('faults', () => {
  it('close-after-banner: greets, then closes before any command', async () => {
    const server = await bundled('close-after-banner');
    const c = await LineClient.connect(server.port);
    expect((await c.read()).code).toBe(220);
    await c.waitClosed();
    expect(c.buffered.length).toBe(0);
  });

  it('close-mid-reply: sends the first afterBytes of the EHLO reply, then closes', async () => {
    const server = await bundled('close-mid-reply');
    const c = await LineClient.connect(server.port);
    await c.read();
    c.send('EHLO client.test');
    await c.waitClosed();
    expect(c.buffered.toString()).toBe('250-smarthost.test\r\n250-'); // afterBytes: 24
  });

  it('reset-after-starttls: 220 Ready to start TLS, then RST when the ClientHello comes', async () => {
    const server = await bundled('reset-after-starttls');
    const c = await LineClient.connect(server.port);
    await c.read();
    await c.command('EHLO client.test');
    expect((await c.command('STARTTLS')).raw).toBe('220 2.0.0 Ready to start TLS\r\n');
    await expect(c.startTls({ ca: server.caPem, servername: 'smarthost.test' })).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('abort-mid-handshake: answers the ClientHello with a truncated ServerHello, then drops', async () => {
    const server = await withFault('{ kind: abort-mid-handshake, how: close }');
    const c = await LineClient.connect(server.port);
    await c.read();
    await c.command('EHLO client.test');
    expect((await c.command('STARTTLS')).code).toBe(220);
    c.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    await c.waitClosed();
    expect([...c.buffered.subarray(0, 3)]).toEqual([0x16, 0x03, 0x03]);
    // The record header promises more bytes than were sent.
    expect(c.buffered.readUInt16BE(3)).toBeGreaterThan(c.buffered.length - 5);
  });

  it('abort-mid-handshake: a real TLS client fails its handshake', async () => {
    const server = await bundled('abort-mid-handshake');
    const c = await LineClient.connect(server.port);
    await c.read();
    await c.command('EHLO client.test');
    await c.command('STARTTLS');
    await expect(c.startTls({ ca: server.caPem, servername: 'smarthost.test' })).rejects.toThrow();
  });

  it('never-answer: accepts, reads, never sends a byte', async () => {
    const server = await bundled('never-answer');
    const c = await LineClient.connect(server.port);
    c.send('EHLO client.test');
    c.send('QUIT');
    await server.close();
    await c.waitClosed();
    expect(c.chunks.length).toBe(0);
  });

  it('tarpit: the greeting arrives a byte at a time', async () => {
    const server = await withFault('{ kind: tarpit, intervalMs: 10, bytesPerTick: 1 }');
    const c = await LineClient.connect(server.port);
    const greeting = await c.read();
    expect(greeting.raw).toBe('220 smarthost.test ESMTP mock\r\n');
    // Written one byte per tick: however the receiver batches, it cannot get it all at once.
    expect(c.chunks.length).toBeGreaterThan(5);
    expect(Math.min(...c.chunks.map((ch) => ch.length))).toBe(1);
    c.close();
  });

  it('tarpit: replies drip too, with bytesPerTick bytes per tick', async () => {
    const server = await withFault('{ kind: tarpit, intervalMs: 5, bytesPerTick: 3 }');
    const c = await LineClient.connect(server.port);
    await c.read();
    const before = c.chunks.length;
    expect((await c.command('NOOP')).raw).toBe('250 2.0.0 Ok\r\n');
    expect(c.chunks.length - before).toBeGreaterThan(1);
    c.close();
  });

  it('endless-multiline: the EHLO reply goes on past 1 MiB without a last line', async () => {
    const server = await bundled('endless-multiline');
    const c = await LineClient.connect(server.port);
    await c.read();
    c.send('EHLO client.test');
    await c.waitFor((b) => b.length > 1024 * 1024);
    const text = c.buffered.toString('latin1');
    expect(text.startsWith('250-')).toBe(true);
    expect(/(^|\r\n)250 /.test(text)).toBe(false);
    c.close();
  });

  it('huge-line: the greeting is one line of exactly 1 MiB', async () => {
    const server = await bundled('huge-line');
    const c = await LineClient.connect(server.port);
    await c.waitFor((b) => b.includes('\r\n'));
    const line = c.buffered.subarray(0, c.buffered.indexOf('\r\n'));
    expect(line.length).toBe(1024 * 1024);
    expect(line.subarray(0, 4).toString()).toBe('220 ');
    c.close();
  });

  it('huge-line at a verb: the EHLO reply line is the huge one', async () => {
    const server = await withFault('{ kind: huge-line, at: EHLO, bytes: 70000 }');
    const c = await LineClient.connect(server.port);
    expect((await c.read()).code).toBe(220);
    c.send('EHLO client.test');
    await c.waitFor((b) => b.includes('\r\n'));
    expect(c.buffered.indexOf('\r\n')).toBe(70000);
    c.close();
  });

  it('binary-garbage: 4 KiB that are neither a reply nor a TLS record, then silence', async () => {
    const server = await bundled('binary-garbage');
    const c = await LineClient.connect(server.port);
    await c.waitFor((b) => b.length >= 4096);
    expect(c.buffered.length).toBe(4096);
    expect(c.buffered[0]).toBe(0);
    expect(/^\d{3}/.test(c.buffered.toString('latin1'))).toBe(false);
    c.close();
  });

  it('http-server (speakFirst): an HTTP 400 response on connect, then close', async () => {
    const server = await bundled('http-server');
    const c = await LineClient.connect(server.port);
    await c.waitClosed();
    expect(c.buffered.toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('http-server (silent): nothing until a request line, then HTTP 400', async () => {
    const server = await bundled('http-server-silent');
    const c = await LineClient.connect(server.port);
    c.send('EHLO client.test');
    await c.waitClosed();
    expect(c.buffered.toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('tls-on-starttls-port: TLS from the first byte, SMTP inside', async () => {
    const server = await bundled('tls-on-starttls-port');
    const c = await LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test' } });
    expect((await c.read()).code).toBe(220);
    expect((await c.command('EHLO client.test')).lines).not.toContain('STARTTLS');
    c.close();
    // A plaintext client gets no greeting; its EHLO is not TLS, so the server drops it.
    const plain = await LineClient.connect(server.port);
    plain.send('EHLO client.test');
    await plain.waitClosed();
    expect(plain.buffered.toString('latin1')).not.toMatch(/^220/);
  });

  it('a TLS client that connects to a faulty server gets the fault, not a crash', async () => {
    const server = await bundled('binary-garbage');
    const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: server.caPem, servername: 'smarthost.test' });
    const err = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(err).toBeInstanceOf(Error);
    socket.destroy();
  });
});
