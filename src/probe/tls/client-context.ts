import { createHash } from 'node:crypto';
import tls from 'node:tls';

/** The client settings a TLS context carries: versions, ciphers, client certificate. */
export type ContextOptions = Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'cert' | 'key'>;

/** More distinct option sets than a process meets (each target's versions and client certificate). */
const CONTEXTS_MAX = 64;
const contexts = new Map<string, tls.SecureContext>();

/**
 * clientContext: the client TLS context for these options, made once per process per distinct
 * set. It trusts nothing (`ca: []`, a `ca` option without certificates): the probe never asks
 * OpenSSL to verify — analyzeChain judges the chain against a TrustStore — and in Node 20 any
 * context that trusts something (the default roots, or a `ca` option, which Node adds to a copy
 * of them) first builds the root store from the ~140 bundled roots: ~16 ms of every
 * `smtprobe check`, for a verdict nothing used (bench/README.md).
 */
export function clientContext(options: ContextOptions): tls.SecureContext {
  // Hashed: the key PEM of a client certificate is part of the options, and need not be a map key.
  const id = createHash('sha256').update(JSON.stringify([options.minVersion, options.maxVersion, options.ciphers, options.cert, options.key])).digest('hex');
  let ctx = contexts.get(id);
  if (!ctx) {
    ctx = tls.createSecureContext({ ...options, ca: [] });
    if (contexts.size >= CONTEXTS_MAX) contexts.delete(contexts.keys().next().value as string);
    contexts.set(id, ctx);
  }
  return ctx;
}
