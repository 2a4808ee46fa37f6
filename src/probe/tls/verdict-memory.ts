import { createHash, type X509Certificate } from 'node:crypto';

/**
 * How long OpenSSL's acceptance of a chain is remembered. Chromium's certificate verifier
 * caches its results for 30 minutes; a third of that bounds how long a change of the trust
 * store on disk (which a running process does not reread anyway) or of OpenSSL's view goes
 * unseen. A remembered acceptance never outlives the earliest expiry of the certificates sent.
 */
export const VERDICT_TTL_MS = 10 * 60_000;

/** Chains and endpoints remembered at most: more than a run of thousands of relays presents. */
const CHAINS_MAX = 4096;
const ENDPOINTS_MAX = 16_384;

/** Node's name check on a leaf, remembered per name asked. */
export interface NameVerdict {
  accepted: boolean;
  error?: string;
}

/** RememberedAcceptance: OpenSSL accepted exactly this chain (same bytes, same trust store) at `verifiedAt`. */
export interface RememberedAcceptance {
  verifiedAt: number;
  expiresAt: number;
  /** OpenSSL's version that judged. */
  version: string;
  names: Map<string, NameVerdict>;
}

/**
 * VerdictMemory: OpenSSL's acceptance of the chains a long run keeps seeing. Path validation
 * depends only on the certificates, the trust store, OpenSSL's security level and the time,
 * so a chain OpenSSL accepted minutes ago with the same store and level is accepted now, as
 * long as no certificate of it has expired (the same reasoning as a browser's verifier
 * cache). A probe of an endpoint whose chain was accepted before handshakes without asking
 * OpenSSL — which spares Node converting every certificate of the chain into objects for its
 * name-check hook, about a fifth of a probe's CPU — and the credential gate then asks this
 * memory instead: the exact chain the server presented, byte for byte, must be one OpenSSL
 * accepted. Any other chain (a renewed certificate, another backend) is judged by OpenSSL
 * afresh before a password can move. The server's possession of the leaf's key is proven by
 * every handshake itself, remembered or not.
 *
 * One memory belongs to one TrustStore (its anchors): nothing accepted under one store is
 * recalled under another.
 */
export class VerdictMemory {
  readonly #chains = new Map<string, RememberedAcceptance>();
  readonly #endpoints = new Set<string>();

  /** expects: whether a chain was accepted at this endpoint before, so the next is likely known. */
  expects(endpoint: string): boolean {
    return this.#endpoints.has(endpoint);
  }

  /** recall: OpenSSL's remembered acceptance of this chain, if still valid at `now`. */
  recall(chainKey: string, now: number): RememberedAcceptance | undefined {
    const r = this.#chains.get(chainKey);
    if (!r) return undefined;
    if (now >= r.expiresAt || now < r.verifiedAt) {
      this.#chains.delete(chainKey);
      return undefined;
    }
    return r;
  }

  /**
   * remember: OpenSSL accepted the chain `chainKey` at `now`; `notAfter` is the earliest expiry
   * among the certificates the server sent. The endpoint is noted so its next probe may recall.
   */
  remember(endpoint: string, chainKey: string, now: number, notAfter: number, version: string, name?: [string, NameVerdict]): void {
    const names = this.#chains.get(chainKey)?.names ?? new Map<string, NameVerdict>();
    if (name) names.set(name[0], name[1]);
    if (!this.#chains.has(chainKey) && this.#chains.size >= CHAINS_MAX) this.#chains.delete(this.#chains.keys().next().value as string);
    this.#chains.set(chainKey, { verifiedAt: now, expiresAt: Math.min(now + VERDICT_TTL_MS, notAfter), version, names });
    if (!this.#endpoints.has(endpoint) && this.#endpoints.size >= ENDPOINTS_MAX) this.#endpoints.delete(this.#endpoints.values().next().value as string);
    this.#endpoints.add(endpoint);
  }

  /** forget: the endpoint's next probe asks OpenSSL again (its chain was not the one remembered). */
  forget(endpoint: string): void {
    this.#endpoints.delete(endpoint);
  }
}

/**
 * verdictKey: names a chain for the memory — every certificate's DER as sent, in order, and
 * the context's cipher string (it carries OpenSSL's security level, which decides whether
 * small keys and weak digests are accepted).
 */
export function verdictKey(presented: readonly X509Certificate[], ciphers: string | undefined): string {
  const h = createHash('sha256').update(ciphers ?? '').update('\0');
  for (const c of presented) h.update(c.raw);
  return `${presented.length}:${h.digest('base64')}`;
}

/** earliestExpiry: the first moment a certificate of the list is no longer valid (epoch ms). */
export function earliestExpiry(presented: readonly X509Certificate[]): number {
  let t = Infinity;
  for (const c of presented) {
    const end = Date.parse(c.validTo);
    t = Math.min(t, Number.isNaN(end) ? 0 : end);
  }
  return t;
}
