import { createHash, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { TrustStore } from './trust-store.js';

/** The client settings a TLS context carries: versions, ciphers, client certificate. */
export type ContextOptions = Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'cert' | 'key'>;

/** More distinct option sets than a process meets (each target's versions and client certificate). */
const CONTEXTS_MAX = 64;
const contexts = new Map<string, tls.SecureContext>();

/**
 * clientContext: the client TLS context for these options and trust anchors, made once per
 * process per distinct set. With `anchors`, OpenSSL verifies the server's chain against that
 * store (without `--ca`: Node's shared default store, nothing parsed here; with `--ca`: those
 * PEMs alone for `scope: 'own'`, or the system roots beside them for `'all'`, ~20 ms of
 * parsing once per process, see TrustStore.contextCa) — its verdict (`authorized`) is one of the two judges of the
 * certificate, beside our own analysis. Without, the context trusts nothing (`ca: []`): for side connections that only
 * look at the server (version scans, capability peeks) and never carry credentials.
 */
export function clientContext(options: ContextOptions, anchors?: TrustStore, scope: 'own' | 'all' = 'all'): tls.SecureContext {
  // Hashed: the key PEM of a client certificate is part of the options, and need not be a map key.
  const id = createHash('sha256')
    .update(JSON.stringify([options.minVersion, options.maxVersion, options.ciphers, options.cert, options.key, anchors?.id ?? null, anchors?.splitsForOpenSsl ? scope : 'all']))
    .digest('hex');
  let ctx = contexts.get(id);
  if (!ctx) {
    try {
      const ca = anchors ? anchors.contextCa(scope) : [];
      ctx = tls.createSecureContext(ca === undefined ? { ...options } : { ...options, ca });
    } catch (err) {
      // A certificate OpenSSL cannot load (say, a broken block in NODE_EXTRA_CA_CERTS) is left
      // out, as Node leaves it out of its default store; any other error is ours to report.
      const ca = anchors?.contextCa(scope);
      if (ca === undefined) throw err;
      ctx = tls.createSecureContext({ ...options, ca: ca.filter(loadable) });
    }
    if (contexts.size >= CONTEXTS_MAX) contexts.delete(contexts.keys().next().value as string);
    contexts.set(id, ctx);
  }
  return ctx;
}

function loadable(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
