/**
 * SmtpConnection over a real loopback socket pair: replies in any chunking, bare LF noted,
 * the deadline bounds a silent server, a close mid-reply is CONNECTION_DROPPED, and a
 * protocol violation stops the read at once.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Deadline } from '../../../src/model/deadline.js';
import { SmtpConnection } from '../../../src/probe/smtp/connection.js';
import { TranscriptRecorder } from '../../../src/probe/transcript.js';

let server: net.Server | undefined;
let conn: SmtpConnection | undefined;
afterEach(async () => {
  conn?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** connect to a server whose side of the conversation is `script`. */
async function pair(script: (peer: net.Socket) => void): Promise<SmtpConnection> {
  server = net.createServer(script);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  conn = new SmtpConnection(sock, new TranscriptRecorder({ now: Date.now, setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }));
  return conn;
}

describe('SmtpConnection', () => {
  it('reads a multi-line reply sent byte by byte', async () => {
    const c = await pair((p) => {
      const bytes = Buffer.from('250-mx.test\r\n250-SIZE 100\r\n250 AUTH PLAIN\r\n');
      let i = 0;
      const t = setInterval(() => (i < bytes.length ? p.write(bytes.subarray(i, ++i)) : clearInterval(t)), 1);
    });
    const out = await c.readReply(Deadline.after(5000, 'ehlo'));
    expect(out.reply?.lines).toEqual(['mx.test', 'SIZE 100', 'AUTH PLAIN']);
  });

  it('tolerates a bare LF and notes it in the transcript', async () => {
    const c = await pair((p) => p.write('220 mx.test ESMTP\n'));
    const out = await c.readReply(Deadline.after(5000, 'banner'));
    expect(out.reply?.code).toBe(220);
    expect(c.transcript.lines.some((l) => l.dir === '*' && /bare LF/.test(l.text))).toBe(true);
  });

  it('a silent server ends as PHASE_TIMEOUT naming the phase, within the deadline', async () => {
    const c = await pair(() => {});
    const t0 = Date.now();
    const out = await c.readReply(Deadline.after(200, 'banner'));
    expect(out.error?.code).toBe('PHASE_TIMEOUT');
    expect(out.error?.message).toMatch(/^banner:/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a close in the middle of a reply is CONNECTION_DROPPED', async () => {
    const c = await pair((p) => p.end('250-mx.test\r\n250-SI'));
    const out = await c.readReply(Deadline.after(5000, 'ehlo'));
    expect(out.error?.code).toBe('CONNECTION_DROPPED');
  });

  it('garbage is a PROTOCOL_VIOLATION at once, not a wait for the deadline', async () => {
    const c = await pair((p) => p.write('hello there\r\n'));
    const t0 = Date.now();
    const out = await c.readReply(Deadline.after(10_000, 'banner'));
    expect(out.error?.code).toBe('PROTOCOL_VIOLATION');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a TLS record as the first bytes is NOT_SMTP', async () => {
    const c = await pair((p) => p.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])));
    const out = await c.readReply(Deadline.after(5000, 'banner'));
    expect(out.error?.code).toBe('NOT_SMTP');
    expect(c.sniffed).toBe('tls');
  });
});
