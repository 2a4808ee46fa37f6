import type { Socket } from 'node:net';
import type { Fault, ScriptableVerb } from './scenario-schema.js';
import type { ServerResources } from './server-resources.js';
import { dripOutput, directOutput, type SessionOutput } from './session-output.js';

/**
 * Faults: the hostile servers smtp-server cannot play, each a small function over a raw
 * socket. A session asks at three points whether the scenario's fault takes over:
 * on connect, when it is about to send a reply, and when it receives STARTTLS.
 */

/** FaultContext: what a fault may touch. */
export interface FaultContext {
  socket: Socket;
  out: SessionOutput;
  resources: ServerResources;
  log: (line: string) => void;
}

/** outputFor: the session output a fault calls for (the tarpit drips, everything else writes). */
export function outputFor(fault: Fault, socket: () => Socket, resources: ServerResources): SessionOutput {
  return fault.kind === 'tarpit' ? dripOutput(socket, resources, fault.intervalMs, fault.bytesPerTick) : directOutput(socket);
}

/** Read and drop whatever the client sends, so its writes never block and its FIN is seen. */
function discardInput(socket: Socket): void {
  socket.on('data', () => undefined);
}

const HTTP_BODY = '<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1></body></html>\r\n';
const HTTP_RESPONSE =
  'HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n' +
  `Content-Length: ${Buffer.byteLength(HTTP_BODY)}\r\nConnection: close\r\n\r\n${HTTP_BODY}`;

/**
 * garbage: deterministic bytes (a linear congruential generator, so every run sends the
 * same) that are neither SMTP nor TLS nor text. The first byte is fixed to 0x00: a TLS
 * record starts with 0x14-0x17 and a reply with a digit, so a client cannot misread it.
 */
export function garbage(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  let x = 0x2545f491;
  for (let i = 1; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/**
 * runConnectFault plays the faults that replace the whole session (never-answer,
 * binary-garbage, http-server). Returns true when the fault owns the connection.
 */
export function runConnectFault(fault: Fault, ctx: FaultContext): boolean {
  switch (fault.kind) {
    case 'never-answer':
      ctx.log('* fault never-answer: saying nothing');
      discardInput(ctx.socket);
      return true;
    case 'binary-garbage':
      ctx.log(`* fault binary-garbage: ${fault.bytes} bytes`);
      discardInput(ctx.socket);
      ctx.out.write(garbage(fault.bytes));
      return true;
    case 'http-server':
      if (fault.speakFirst) {
        ctx.log('* fault http-server: HTTP 400 on connect');
        discardInput(ctx.socket);
        ctx.out.write(HTTP_RESPONSE);
        ctx.out.end();
      } else {
        ctx.log('* fault http-server: waiting for a request');
        ctx.socket.once('data', () => {
          discardInput(ctx.socket);
          ctx.out.write(HTTP_RESPONSE);
          ctx.out.end();
        });
      }
      return true;
    default:
      return false;
  }
}

/**
 * runReplyFault replaces the reply to `at` (the greeting or a verb) for close-mid-reply,
 * huge-line and endless-multiline. `normal` is the reply the server would have sent.
 * Returns true when the fault took the reply.
 */
export function runReplyFault(fault: Fault, at: 'greeting' | ScriptableVerb, code: number, normal: string, ctx: FaultContext): boolean {
  if (!('at' in fault) || fault.at !== at) return false;
  switch (fault.kind) {
    case 'close-mid-reply': {
      const cut = Buffer.from(normal).subarray(0, fault.afterBytes);
      ctx.log(`* fault close-mid-reply: ${cut.length} of ${Buffer.byteLength(normal)} bytes, then close`);
      ctx.out.write(cut);
      ctx.out.end();
      return true;
    }
    case 'huge-line':
      // One line, no CRLF until `bytes` bytes: RFC 5321 §4.5.3.1.5 caps a reply line at 512 octets.
      ctx.log(`* fault huge-line: ${fault.bytes}-byte line`);
      ctx.out.write(Buffer.concat([Buffer.from(`${code} `), Buffer.alloc(Math.max(0, fault.bytes - 4), 0x78), Buffer.from('\r\n')]));
      return true;
    case 'endless-multiline':
      ctx.log('* fault endless-multiline');
      endlessMultiline(code, ctx);
      return true;
    default:
      return false;
  }
}

/** Writes "code-..." continuation lines for as long as the client reads them, respecting backpressure. */
function endlessMultiline(code: number, ctx: FaultContext): void {
  let n = 0;
  const batch = (): void => {
    const s = ctx.socket;
    if (s.destroyed || !s.writable || ctx.resources.closed) return;
    let more = true;
    for (let i = 0; i < 64 && more; i++) more = s.write(`${code}-line ${n++} of a reply that never ends\r\n`);
    if (more) ctx.resources.soon(batch);
    else s.once('drain', batch);
  };
  batch();
}

/** A TLS handshake record header (RFC 8446 §5.1) promising 512 bytes, then the start of a ServerHello. */
const PARTIAL_SERVER_HELLO = Buffer.from([0x16, 0x03, 0x03, 0x02, 0x00, 0x02, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5a, 0x11]);

/**
 * runStartTlsFault plays reset-after-starttls and abort-mid-handshake once the client has
 * sent STARTTLS. Both say "220 2.0.0 Ready to start TLS" (RFC 3207 §4) and wait for the
 * ClientHello, so the 220 surely arrived before the connection goes. Returns true when it
 * took over.
 */
export function runStartTlsFault(fault: Fault, ctx: FaultContext): boolean {
  if (fault.kind !== 'reset-after-starttls' && fault.kind !== 'abort-mid-handshake') return false;
  ctx.out.write('220 2.0.0 Ready to start TLS\r\n');
  ctx.socket.removeAllListeners('data');
  ctx.socket.once('data', () => {
    discardInput(ctx.socket);
    if (fault.kind === 'reset-after-starttls') {
      ctx.log('* fault reset-after-starttls: RST');
      ctx.socket.resetAndDestroy();
      return;
    }
    ctx.log(`* fault abort-mid-handshake: partial ServerHello, then ${fault.how}`);
    ctx.socket.write(PARTIAL_SERVER_HELLO, () => {
      if (fault.how === 'reset') ctx.socket.resetAndDestroy();
      else ctx.socket.end();
    });
  });
  return true;
}
