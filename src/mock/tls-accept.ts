import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ServerResources } from './server-resources.js';
import type { ServerTls } from './server-tls.js';

/**
 * clientCertificateProblem: why a client certificate fails, or undefined. A TLSSocket made
 * by hand (not by tls.Server) accepts any client certificate during the handshake and leaves
 * the verdict to its owner, so the check tls.Server makes is repeated here: OpenSSL's
 * verification result (on the handle, where tls.Server reads it too), and a certificate at all.
 */
function clientCertificateProblem(socket: TLSSocket): string | undefined {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
  const err = handle?.verifyError?.();
  if (err) return err.code ?? err.message;
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return 'no certificate';
  return undefined;
}

/**
 * acceptTls runs the server side of a TLS handshake on an accepted socket — at connect for
 * implicit TLS (RFC 8314), or after "220 Ready to start TLS" (RFC 3207) — and calls
 * `onSecure` once it is done and any required client certificate passed. The TLS socket is
 * registered with the server's resources, so close() destroys it from the top: tearing the
 * plain socket away from under a handshake crashes Node.
 */
export function acceptTls(plain: Socket, tls: ServerTls, resources: ServerResources, log: (line: string) => void, onSecure: (secure: TLSSocket) => void): TLSSocket {
  const secure = new TLSSocket(plain, {
    isServer: true,
    secureContext: tls.secureContext,
    requestCert: tls.requestCert,
    rejectUnauthorized: tls.rejectUnauthorized,
  });
  resources.trackWrapper(secure, plain);
  secure.on('error', (err) => {
    log(`* TLS error: ${err.message}`);
    secure.destroy();
  });
  secure.once('secure', () => {
    const refused = tls.rejectUnauthorized ? clientCertificateProblem(secure) : undefined;
    if (refused) {
      log(`* TLS client certificate refused: ${refused}`);
      secure.destroy();
      return;
    }
    const peer = secure.getPeerCertificate();
    log(`* TLS ${secure.getProtocol() ?? '?'} ${secure.getCipher().name}${peer && peer.subject ? `, client certificate CN=${peer.subject.CN}` : ''}`);
    onSecure(secure);
  });
  return secure;
}
