import type { SecureContext } from 'node:tls';
import type { TestPki } from './certs/index.js';
import { authOffered, ehloKeywords } from './ehlo-lines.js';
import type { Scenario } from './scenario-schema.js';
import { buildServerTls } from './server-tls.js';

/**
 * OAuthServerFace: what a bearer-checking server shows a client before AUTH when it is not
 * the provider's own face — greeting, EHLO lines per TLS state, TLS mode and certificate.
 * A recorded field failure brings these from the server it was recorded against, so the
 * replay is judged on the same greeting, extensions and certificate the field probe saw.
 */
export interface OAuthServerFace {
  /** The greeting (RFC 5321 §4.2): code, its lines, and how long the server waits before it. */
  greeting: { code: number; lines: string[]; delayMs: number };
  /** EHLO reply lines, the domain line first (RFC 5321 §4.1.1.1), inside TLS or not. */
  ehloLines(secure: boolean): string[];
  /** `starttls` (RFC 3207), `implicit` (TLS from the first byte, RFC 8314) or `none`. */
  tls: 'starttls' | 'implicit' | 'none';
  /** The server side of TLS: the scenario's certificate and versions, and whether a client certificate is asked for. */
  tlsServer?: { secureContext: SecureContext; requestCert: boolean; rejectUnauthorized: boolean };
  /** AUTH is accepted before TLS (RFC 4954 §4 lets a server refuse it there; most do). */
  authInClear: boolean;
}

/**
 * serverFace: the face of a scenario's `server:` section, with its certificate issued now
 * from the test PKI exactly as the ordinary engines issue it (profile, names, days left,
 * TLS versions, client-certificate request).
 */
export async function serverFace(server: Scenario['server'], pki: TestPki): Promise<OAuthServerFace> {
  const tls = server.tls === 'none' ? undefined : await buildServerTls(server, pki);
  const text = server.greeting.text ?? `${server.hostname} ESMTP mock`;
  const face: OAuthServerFace = {
    greeting: { code: server.greeting.code, lines: typeof text === 'string' ? [text] : [...text], delayMs: server.greeting.delayMs },
    ehloLines: (secure) => [server.hostname, ...ehloKeywords(server, secure, server.tls)],
    tls: server.tls,
    authInClear: authOffered(server, false),
  };
  if (tls) face.tlsServer = { secureContext: tls.secureContext, requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized };
  return face;
}
