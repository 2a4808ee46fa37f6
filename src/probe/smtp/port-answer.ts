import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Deadline } from '../../model/deadline.js';
import { ipFamily } from '../ip-family.js';
import { sniffNonSmtp } from './sniff.js';

/**
 * What a silent port said when spoken to: a TLS server (handshake or alert), an HTTP server
 * (it answered our ClientHello with an HTTP error), some other binary protocol, or nothing we
 * can name (no answer, or a text answer that may well be a slow SMTP server).
 */
export type PortAnswer = 'tls' | 'http' | 'binary' | 'unknown';

/** How many bytes of the server's answer are kept for the sniff. */
const KEEP = 512;

/**
 * askSilentPort finds out what a port that does not greet actually speaks. Servers that wait
 * for the client to speak (implicit TLS, HTTP, HTTPS) leave an SMTP client waiting for a 220
 * that never comes; the banner step asks this on a second connection while it keeps waiting.
 * It sends one TLS ClientHello and listens to the reply: a TLS server completes the handshake
 * or answers with an alert; a plain HTTP server answers the unparseable "request" with its own
 * `HTTP/1.x 400`, which the same bytes-sniffer as the greeting recognises. No certificate is
 * checked, nothing is sent after the handshake, and the socket is always closed.
 */
export function askSilentPort(address: string, port: number, servername: string, deadline: Deadline): Promise<PortAnswer> {
  return new Promise((resolve) => {
    const raw = net.connect({ host: address, port });
    let heard = Buffer.alloc(0);
    let settled = false;
    // Assigned once the handlers that clear it exist (below); they may run only after that.
    // eslint-disable-next-line prefer-const
    let timer: unknown;
    // A pass-through stream between the TLS layer and the socket: it lets us keep the first
    // bytes the server sends back, which the TLS layer would otherwise only report as an error.
    const tap = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        if (raw.destroyed) cb();
        else raw.write(chunk, () => cb());
      },
      final(cb) {
        raw.end();
        cb();
      },
      destroy(err, cb) {
        raw.destroy();
        cb(err);
      },
    });
    raw.on('data', (b: Buffer) => {
      if (heard.length < KEEP) heard = Buffer.concat([heard, b]).subarray(0, KEEP);
      tap.push(b);
    });
    raw.on('end', () => tap.push(null));
    raw.on('error', () => done(verdictFromBytes()));
    raw.on('close', () => setImmediate(() => done(verdictFromBytes())));

    const sock = tls.connect({
      socket: tap,
      servername: ipFamily(servername) !== 0 ? undefined : servername,
      rejectUnauthorized: false,
      ca: [], // trust nothing: no certificate is judged here, and no root store is built for it
      // The question is only "is this TLS?": accept any version and cipher the server offers.
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });

    function verdictFromBytes(): PortAnswer {
      const kind = sniffNonSmtp(heard);
      return kind ?? 'unknown';
    }

    function done(answer: PortAnswer): void {
      if (settled) return;
      settled = true;
      deadline.clock.clearTimeout(timer);
      deadline.signal.removeEventListener('abort', onAbort);
      sock.removeAllListeners('secureConnect');
      sock.on('error', () => {});
      tap.on('error', () => {});
      raw.on('error', () => {});
      sock.destroy();
      raw.destroy();
      resolve(answer);
    }
    // Interrupted (Ctrl-C) or the probe's hard stop: the question is dropped at once.
    function onAbort(): void {
      done(verdictFromBytes());
    }
    if (deadline.signal.aborted) {
      done(verdictFromBytes());
      return;
    }
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    timer = deadline.clock.setTimeout(() => done(verdictFromBytes()), deadline.remainingMs());
    sock.once('secureConnect', () => done('tls'));
    // An alert in reply to our ClientHello proves a TLS speaker; any other TLS error means the
    // server sent something else, which the sniff of its bytes names.
    sock.on('error', (err: NodeJS.ErrnoException) => {
      done(/alert/i.test(err.message) && !/wrong version/i.test(err.message) ? 'tls' : verdictFromBytes());
    });
  });
}
