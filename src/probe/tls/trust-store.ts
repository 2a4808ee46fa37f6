import { X509Certificate } from 'node:crypto';
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

  constructor(readonly certificates: readonly X509Certificate[]) {
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
    }));
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

/** splitPem: every certificate block of a PEM bundle, in order. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
