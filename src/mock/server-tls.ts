import { createSecureContext, type SecureContext } from 'node:tls';
import { PROFILES_NEEDING_SECLEVEL_0, type IssuedCert, type TestPki } from './certs/index.js';
import type { Scenario } from './scenario-schema.js';
import type { TlsVersion } from '../model/target.js';

/** Versions OpenSSL 3 only negotiates at security level 0. */
const LEGACY_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1'];

/**
 * ServerTls: what a TLS server socket of a scenario needs, in the two forms the engines take:
 * a ready SecureContext (raw responder) and the plain options (smtp-server builds its own).
 */
export interface ServerTls {
  secureContext: SecureContext;
  options: {
    key: string;
    cert: string;
    ca?: string;
    minVersion: TlsVersion;
    maxVersion: TlsVersion;
    ciphers?: string;
  };
  /** Socket options for client certificates (RFC 8446 §4.3.2 CertificateRequest). */
  requestCert: boolean;
  rejectUnauthorized: boolean;
  issued: IssuedCert;
}

/**
 * buildServerTls issues the scenario's certificate from the test PKI and sets the protocol
 * window. Weak-key and SHA-1 leaves, and TLS 1.0/1.1, need OpenSSL security level 0, or the
 * server would refuse to load them or to negotiate them (the point of those scenarios).
 */
export async function buildServerTls(server: Scenario['server'], pki: TestPki): Promise<ServerTls> {
  const hostnames = server.certificateHostnames ?? [server.hostname];
  const issued = await pki.issue(server.certificate, {
    hostnames,
    ...(server.expiresInDays === undefined ? {} : { days: server.expiresInDays }),
    ...(server.certificateSubject === undefined ? {} : { subject: server.certificateSubject }),
  });
  const legacy = PROFILES_NEEDING_SECLEVEL_0.includes(server.certificate) || LEGACY_VERSIONS.includes(server.tlsVersions.min);
  const options: ServerTls['options'] = {
    key: issued.keyPem,
    cert: issued.chainPem,
    minVersion: server.tlsVersions.min,
    maxVersion: server.tlsVersions.max,
  };
  if (legacy) options.ciphers = 'DEFAULT:@SECLEVEL=0';
  if (server.clientCert !== 'none') options.ca = pki.clientCaPem;
  return {
    secureContext: createSecureContext(options),
    options,
    requestCert: server.clientCert !== 'none',
    rejectUnauthorized: server.clientCert === 'require',
    issued,
  };
}
