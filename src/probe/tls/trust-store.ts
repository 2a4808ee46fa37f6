import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/** Chains a store remembers facts about: more distinct chains than a large run sees, small in memory. */
const REMEMBERED_MAX = 4096;

/** An index of parsed trust anchors: exact certificates by fingerprint, candidates by subject. */
class AnchorIndex {
  readonly #byFingerprint = new Set<string>();
  readonly #bySubject = new Map<string, X509Certificate[]>();

  constructor(certificates: readonly X509Certificate[]) {
    for (const c of certificates) {
      this.#byFingerprint.add(c.fingerprint256);
      const list = this.#bySubject.get(c.subject) ?? [];
      list.push(c);
      this.#bySubject.set(c.subject, list);
    }
  }

  has(cert: X509Certificate): boolean {
    return this.#byFingerprint.has(cert.fingerprint256);
  }

  candidatesFor(cert: X509Certificate): readonly X509Certificate[] {
    return this.#bySubject.get(cert.issuer) ?? [];
  }
}

/**
 * TrustStore: the certificates a chain may end at — what Node trusts by default (its bundled
 * Mozilla roots and NODE_EXTRA_CA_CERTS: systemAnchorPems) plus the user's `--ca` PEMs. The
 * `--ca` certificates are parsed at once; the ~140 system roots (about 15 ms to parse) only
 * when a lookup reaches them, so a chain that ends at a `--ca` anchor never pays for them (see
 * the two tiers in has/candidatesFor).
 * A runner probing many targets with the same `--ca` builds one store and shares it.
 */
export class TrustStore {
  readonly #own: AnchorIndex;
  readonly #withSystemRoots: boolean;
  #system: AnchorIndex | undefined;
  readonly #remembered = new Map<string, unknown>();
  #anchorPems: string[] | undefined;
  #id: string | undefined;

  /**
   * @param certificates the trust anchors, parsed (exactly these: no system roots are added).
   * @param extraCa the `--ca` PEMs they came from (besides the system roots).
   * @param withSystemRoots also trust Node's bundled roots (parsed lazily); TrustStore.from sets it.
   */
  constructor(certificates: readonly X509Certificate[], readonly extraCa: readonly string[] = [], withSystemRoots = false) {
    this.#own = new AnchorIndex(certificates);
    this.#withSystemRoots = withSystemRoots;
  }

  /** TrustStore.from: the system roots plus every certificate of each extra PEM bundle. */
  static from(extraCa: readonly string[]): TrustStore {
    return new TrustStore(parseAll(extraCa.flatMap(splitPem)), extraCa, true);
  }

  /**
   * remember: `make()`'s result for `key`, computed once for as long as this store lives — for
   * facts about a chain that depend only on its certificates and this store (cert-analysis
   * keys them by the chain's DER). At most REMEMBERED_MAX entries; the oldest goes first.
   */
  remember<T>(key: string, make: () => T): T {
    if (this.#remembered.has(key)) return this.#remembered.get(key) as T;
    const value = make();
    if (this.#remembered.size >= REMEMBERED_MAX) this.#remembered.delete(this.#remembered.keys().next().value as string);
    this.#remembered.set(key, value);
    return value;
  }

  /** id: names this store's anchor set (the `--ca` PEMs and whether the system roots are in). */
  get id(): string {
    this.#id ??= createHash('sha256').update(`${this.#withSystemRoots}\0${this.extraCa.join('\0')}`).digest('base64');
    return this.#id;
  }

  /**
   * anchorPems: the PEMs of every trust anchor, for OpenSSL — Node's bundled roots, the file
   * NODE_EXTRA_CA_CERTS names and the `--ca` certificates. Given to a TLS context as its `ca`,
   * which replaces Node's default store, so all three are listed.
   */
  anchorPems(): string[] {
    this.#anchorPems ??= [...(this.#withSystemRoots ? systemAnchorPems() : []), ...this.extraCa];
    return this.#anchorPems;
  }

  /** has: whether this exact certificate is a trust anchor. */
  has(cert: X509Certificate): boolean {
    return this.#own.has(cert) || this.hasSystemRoot(cert);
  }

  /** candidatesFor: trusted certificates whose subject is `cert`'s issuer name. */
  candidatesFor(cert: X509Certificate): readonly X509Certificate[] {
    const own = this.#own.candidatesFor(cert);
    const system = this.#systemIndex()?.candidatesFor(cert) ?? [];
    return system.length === 0 ? own : [...own, ...system];
  }

  /** hasOwn / ownCandidatesFor: the same lookups among the `--ca` anchors only (never parses the system roots). */
  hasOwn(cert: X509Certificate): boolean {
    return this.#own.has(cert);
  }

  ownCandidatesFor(cert: X509Certificate): readonly X509Certificate[] {
    return this.#own.candidatesFor(cert);
  }

  /** hasSystemRoot / systemCandidatesFor: the lookups among the bundled roots only (parsed on first use). */
  hasSystemRoot(cert: X509Certificate): boolean {
    return this.#systemIndex()?.has(cert) ?? false;
  }

  systemCandidatesFor(cert: X509Certificate): readonly X509Certificate[] {
    return this.#systemIndex()?.candidatesFor(cert) ?? [];
  }

  #systemIndex(): AnchorIndex | undefined {
    if (!this.#withSystemRoots) return undefined;
    this.#system ??= new AnchorIndex(parseAll(systemAnchorPems()));
    return this.#system;
  }
}

/**
 * systemAnchorPems: what Node trusts by default — its bundled Mozilla roots (`tls.rootCertificates`)
 * plus the certificates in the file NODE_EXTRA_CA_CERTS names (an enterprise CA is often added
 * that way for every Node tool), read when the system tier is first needed. A file that cannot
 * be read adds nothing, as in Node (which warns about it at start-up).
 */
export function systemAnchorPems(env: NodeJS.ProcessEnv = process.env): string[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return [...tls.rootCertificates];
  try {
    return [...tls.rootCertificates, ...splitPem(readFileSync(file, 'utf8'))];
  } catch {
    return [...tls.rootCertificates];
  }
}

function parseAll(pems: readonly string[]): X509Certificate[] {
  return pems.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return []; // an unparsable --ca entry is reported by config validation, not here
    }
  });
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
