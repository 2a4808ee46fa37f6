import { X509Certificate, createHash } from 'node:crypto';
import tls from 'node:tls';

/**
 * TrustStore: the certificates a chain may end at — Node's bundled Mozilla roots
 * (`tls.rootCertificates`) plus the user's `--ca` PEMs — parsed once. Parsing the ~140
 * bundled roots costs about 15 ms, so a runner probing many targets with the same `--ca`
 * builds one store and passes it to every analysis.
 */
export class TrustStore {
  readonly #byFingerprint = new Set<string>();
  readonly #bySubject = new Map<string, X509Certificate[]>();
  readonly #contexts = new Map<string, tls.SecureContext>();

  /**
   * @param certificates the trust anchors, parsed.
   * @param extraCa the `--ca` PEMs they came from (besides the system roots), for TLS contexts.
   */
  constructor(readonly certificates: readonly X509Certificate[], readonly extraCa: readonly string[] = []) {
    for (const c of certificates) {
      this.#byFingerprint.add(c.fingerprint256);
      const list = this.#bySubject.get(c.subject) ?? [];
      list.push(c);
      this.#bySubject.set(c.subject, list);
    }
  }

  /** TrustStore.from parses the system roots and every certificate of each extra PEM bundle. */
  static from(extraCa: readonly string[]): TrustStore {
    const pems = [...tls.rootCertificates, ...extraCa.flatMap(splitPem)];
    return new TrustStore(pems.flatMap((pem) => {
      try {
        return [new X509Certificate(pem)];
      } catch {
        return []; // an unparsable --ca entry is reported by config validation, not here
      }
    }), extraCa);
  }

  /**
   * secureContext: a client TLS context trusting the system roots plus `extraCa`, made once per
   * distinct set of `options` (versions, ciphers, client certificate). Loading ~140 roots into a
   * new OpenSSL store costs about 20 ms, which a probe run would otherwise pay per handshake.
   */
  secureContext(options: Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'cert' | 'key'>): tls.SecureContext {
    const id = createHash('sha256').update(JSON.stringify([options.minVersion, options.maxVersion, options.ciphers, options.cert, options.key])).digest('hex');
    let ctx = this.#contexts.get(id);
    if (!ctx) {
      ctx = tls.createSecureContext({ ...options, ca: [...tls.rootCertificates, ...this.extraCa] });
      this.#contexts.set(id, ctx);
    }
    return ctx;
  }

  /** has: whether this exact certificate is a trust anchor. */
  has(cert: X509Certificate): boolean {
    return this.#byFingerprint.has(cert.fingerprint256);
  }

  /** candidatesFor: trusted certificates whose subject is `cert`'s issuer name. */
  candidatesFor(cert: X509Certificate): readonly X509Certificate[] {
    return this.#bySubject.get(cert.issuer) ?? [];
  }
}

/**
 * TrustStoreCache: one TrustStore per distinct `--ca` set, for a process that probes many
 * targets (run, serve, benchmarks). The owner of a run creates one and passes it to every
 * probe; a single `check` simply gets a fresh one.
 */
export class TrustStoreCache {
  readonly #stores = new Map<string, TrustStore>();

  get(extraCa: readonly string[]): TrustStore {
    const key = createHash('sha256').update(extraCa.join('\0')).digest('hex');
    let store = this.#stores.get(key);
    if (!store) {
      store = TrustStore.from(extraCa);
      this.#stores.set(key, store);
    }
    return store;
  }
}

/** splitPem: every certificate block of a PEM bundle, in order. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
