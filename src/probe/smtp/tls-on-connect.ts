import tls from 'node:tls';
import type { Deadline } from '../../model/deadline.js';
import { ipFamily } from '../ip-family.js';

/**
 * tlsAnswersOnConnect tells whether a TLS server is listening at address:port: it opens a
 * second connection and sends a ClientHello. A TLS server waits for the client to speak, so a
 * silent "SMTP" port may really be implicit TLS (port 465 probed as STARTTLS); the banner step
 * asks this while it waits, to say so within the banner deadline instead of timing out blind.
 * No certificate is checked and nothing is sent after the handshake.
 */
export function tlsAnswersOnConnect(address: string, port: number, servername: string, deadline: Deadline): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tls.connect({
      host: address,
      port,
      servername: ipFamily(servername) !== 0 ? undefined : servername,
      rejectUnauthorized: false,
      ca: [], // trust nothing: no certificate is judged here, and no root store is built for it
      // The question is only "is this TLS?": accept any version and cipher the server offers.
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    let settled = false;
    const done = (yes: boolean): void => {
      if (settled) return;
      settled = true;
      deadline.clock.clearTimeout(timer);
      sock.removeAllListeners('secureConnect');
      sock.on('error', () => {});
      sock.destroy();
      resolve(yes);
    };
    const timer = deadline.clock.setTimeout(() => done(false), deadline.remainingMs());
    sock.once('secureConnect', () => done(true));
    // An alert in reply to our ClientHello still proves a TLS speaker; a plain error does not.
    sock.on('error', (err: NodeJS.ErrnoException) => done(/alert/i.test(err.message) && !/wrong version/i.test(err.message)));
  });
}
