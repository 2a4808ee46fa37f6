/**
 * The connection's one write path, with input validation bypassed: a command holding CR, LF
 * or NUL is refused whole (nothing written, PROBE_INTERNAL_ERROR, a '*' event in the
 * transcript), and whatever is written is exactly one line. The server side is a real loopback
 * socket that keeps every byte it receives, so "nothing was sent" is read from the peer.
 */
import net from 'node:net';
import fc from 'fast-check';
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

/** A peer that answers every line with 250 and keeps what it received. */
async function recordingPeer(): Promise<{ conn: SmtpConnection; received: () => string }> {
  let bytes = '';
  server = net.createServer((p) => {
    p.on('data', (chunk: Buffer) => {
      const before = bytes.split('\r\n').length;
      bytes += chunk.toString('latin1');
      const lines = bytes.split('\r\n').length - before;
      for (let i = 0; i < lines; i++) p.write('250 ok\r\n');
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  conn = new SmtpConnection(sock, new TranscriptRecorder({ now: Date.now, setTimeout, clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }));
  return { conn, received: () => bytes };
}

const deadline = (): Deadline => Deadline.after(5000, 'rcpt');

describe('SmtpConnection write path', () => {
  it('refuses the --rcpt injection: nothing written, PROBE_INTERNAL_ERROR, a local event instead of a sent line', async () => {
    const { conn: c, received } = await recordingPeer();
    const out = await c.command('RCPT TO:<x@y.test>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nRCPT TO:<z@y.test>', deadline());
    expect(out.error?.code).toBe('PROBE_INTERNAL_ERROR');
    expect(out.error?.message).toContain('RCPT');
    expect(out.error?.message).toContain('U+000D (CR)');
    // The next command is the first thing the peer sees: the refused one never reached the socket.
    expect((await c.command('NOOP', deadline())).reply?.code).toBe(250);
    expect(received()).toBe('NOOP\r\n');
    expect(c.transcript.lines.filter((l) => l.dir === '>').map((l) => l.text)).toEqual(['NOOP']);
    const event = c.transcript.lines.find((l) => l.dir === '*');
    expect(event?.text).toMatch(/^refused to send RCPT holding U\+000D \(CR\)/);
    expect(event?.text).not.toContain('DATA');
  });

  it.each([
    ['LF alone', 'MAIL FROM:<a@b.test>\nDATA', 'U+000A (LF)'],
    ['NUL', 'EHLO client.test\u0000QUIT', 'U+0000 (NUL)'],
    ['a trailing CRLF', 'RSET\r\n', 'U+000D (CR)'],
  ])('refuses %s', async (_what, line, named) => {
    const { conn: c, received } = await recordingPeer();
    const refused = c.send(line);
    expect(refused?.code).toBe('PROBE_INTERNAL_ERROR');
    expect(refused?.message).toContain(named);
    await c.command('NOOP', deadline());
    expect(received()).toBe('NOOP\r\n');
  });

  it('a redacted AUTH line is checked on the bytes to send, not on what the transcript shows', async () => {
    const { conn: c, received } = await recordingPeer();
    const out = await c.command('AUTH PLAIN AHByb2JlAHNlY3JldA==\r\nDATA', deadline(), 'AUTH PLAIN <redacted:credentials>');
    expect(out.error?.code).toBe('PROBE_INTERNAL_ERROR');
    const events = c.transcript.lines.map((l) => l.text).join('\n');
    expect(events).not.toContain('AHByb2Jl');
    expect(events).toMatch(/refused to send AUTH/);
    await c.command('NOOP', deadline());
    expect(received()).toBe('NOOP\r\n');
  });

  it('property: whatever the argument, what reaches the socket is exactly one line, shown as sent — or nothing', async () => {
    const { conn: c, received } = await recordingPeer();
    const verbs = fc.constantFrom('RCPT TO:<', 'MAIL FROM:<', 'EHLO ', 'AUTH LOGIN ', '');
    const arg = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('x>\r\nDATA', '\n', '\r', '\u0000', 'a\r\n.\r\n'));
    let expected = '';
    await fc.assert(
      fc.asyncProperty(verbs, arg, async (verb, a) => {
        const line = `${verb}${a}`;
        const sentBefore = c.transcript.lines.filter((l) => l.dir === '>').length;
        const out = await c.command(line, deadline());
        const shown = c.transcript.lines.filter((l) => l.dir === '>');
        if (/[\r\n\u0000]/.test(line)) {
          expect(out.error?.code).toBe('PROBE_INTERNAL_ERROR');
          expect(shown.length).toBe(sentBefore);
        } else {
          expect(out.reply?.code).toBe(250);
          expected += `${line}\r\n`;
          expect(shown.at(-1)?.text).toBe(line);
        }
        expect(received()).toBe(Buffer.from(expected, 'utf8').toString('latin1'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('SmtpConnection after the connection ended', () => {
  it('a command that could not be written is a local event, not a sent line', async () => {
    const { conn: c } = await recordingPeer();
    c.close();
    expect(c.send('QUIT')).toBeUndefined();
    expect(c.transcript.lines.filter((l) => l.dir === '>')).toEqual([]);
    expect(c.transcript.lines.at(-1)).toMatchObject({ dir: '*', text: 'not sent (the connection had ended): QUIT' });
  });
});
