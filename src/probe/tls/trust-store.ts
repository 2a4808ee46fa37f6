import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { derNames } from './der-names.js';
import { VerdictMemory } from './verdict-memory.js';

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
 * SystemAnchors: Node's default trust anchors, indexed without parsing them — by their exact
 * DER (for `has`) and by the DER of their subject name (for `candidatesFor`) — and parsed one
 * at a time when a chain reaches them: a chain to a public CA parses one or two roots, not
 * ~145 (about 20 ms). Names are matched by their exact encoding first; only when no root's
 * subject is byte-identical to the issuer asked for are all roots parsed and matched as Node
 * prints names (as before this index), so a root whose name is encoded differently from its
 * child's issuer field is still found. Whether a candidate really issued the certificate is
 * decided by the caller (checkIssued and the signature), never by the index.
 */
class SystemAnchors {
  readonly #byDer = new Set<string>();
  readonly #bySubject = new Map<string, string[]>();
  readonly #parsed = new Map<string, X509Certificate | null>();
  readonly #pems: readonly string[];
  #byPrintedName: AnchorIndex | undefined;

  constructor(pems: readonly string[]) {
    this.#pems = pems;
    for (const pem of pems) {
      const der = pemBody(pem);
      const names = der && derNames(der);
      if (!der || !names) continue; // not a certificate: left to the fallback, which drops what cannot be parsed
      this.#byDer.add(der.toString('base64'));
      const list = this.#bySubject.get(names.subject) ?? [];
      list.push(pem);
      this.#bySubject.set(names.subject, list);
    }
  }

  has(cert: X509Certificate): boolean {
    return this.#byDer.has(cert.raw.toString('base64'));
  }

  candidatesFor(cert: X509Certificate): readonly X509Certificate[] {
    const issuer = derNames(cert.raw)?.issuer;
    const pems = issuer === undefined ? undefined : this.#bySubject.get(issuer);
    const found = pems?.flatMap((pem) => {
      const c = this.#parse(pem);
      return c ? [c] : [];
    }) ?? [];
    if (found.length > 0) return found;
    this.#byPrintedName ??= new AnchorIndex(parseAll(this.#pems));
    return this.#byPrintedName.candidatesFor(cert);
  }

  #parse(pem: string): X509Certificate | undefined {
    if (!this.#parsed.has(pem)) this.#parsed.set(pem, parseAll([pem])[0] ?? null);
    return this.#parsed.get(pem) ?? undefined;
  }
}

/** pemBody: the DER of one PEM certificate block, or undefined when it has none. */
function pemBody(pem: string): Buffer | undefined {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  return m?.[1] ? Buffer.from(m[1].replace(/\s+/g, ''), 'base64') : undefined;
}

/**
 * TrustStore: the certificates a chain may end at — what Node trusts by default (its bundled
 * Mozilla roots and NODE_EXTRA_CA_CERTS: systemAnchorPems) plus the user's `--ca` PEMs. The
 * `--ca` certificates are parsed at once; the ~145 system roots are indexed when a lookup
 * first reaches them and each is parsed only when a chain needs it (SystemAnchors), so a chain
 * that ends at a `--ca` anchor never pays for them (see the two tiers in has/candidatesFor).
 * A runner probing many targets with the same `--ca` builds one store and shares it.
 */
export class TrustStore {
  readonly #own: AnchorIndex;
  readonly #withSystemRoots: boolean;
  #system: SystemAnchors | undefined;
  readonly #remembered = new Map<string, unknown>();
  /** OpenSSL's acceptance of the chains probed with this store (see VerdictMemory). */
  readonly verdicts = new VerdictMemory();
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
   * contextCa: the `ca` option a TLS context needs for OpenSSL to trust this store's anchors,
   * or undefined for none: Node's own default store, which already holds its bundled roots and
   * the file NODE_EXTRA_CA_CERTS names, is built once per process in C++ and only when a
   * handshake first needs it — no PEM is parsed for it here.
   *
   * With `--ca` PEMs, a `ca` option replaces Node's default store (Node offers no public way to
   * add certificates to its shared store). `scope: 'own'` lists the `--ca` certificates alone:
   * what a chain to a private CA needs, parsed in a moment. `scope: 'all'` lists the system
   * anchors beside them, which makes OpenSSL parse every root (~20–40 ms once per process) — for
   * the rare chain that ends at a public root while `--ca` is given. A store without the system
   * roots lists only its own either way.
   */
  contextCa(scope: 'own' | 'all' = 'all'): string[] | undefined {
    if (this.#withSystemRoots && this.extraCa.length === 0) return undefined;
    if (scope === 'own' || !this.#withSystemRoots) return [...this.extraCa];
    this.#anchorPems ??= [...systemAnchorPems(), ...this.extraCa];
    return this.#anchorPems;
  }

  /** splitsForOpenSsl: whether OpenSSL's `own` and `all` contexts differ (`--ca` given, system roots trusted). */
  get splitsForOpenSsl(): boolean {
    return this.#withSystemRoots && this.extraCa.length > 0;
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

  #systemIndex(): SystemAnchors | undefined {
    if (!this.#withSystemRoots) return undefined;
    this.#system ??= new SystemAnchors(systemAnchorPems());
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
  let extra: string[];
  try {
    extra = splitPem(readFileSync(file, 'utf8'));
  } catch {
    return [...tls.rootCertificates];
  }
  // The file is often the system's whole bundle (/etc/ssl/certs/ca-certificates.crt), mostly the
  // same Mozilla roots: each is listed once, so OpenSSL does not parse them twice.
  const bundled = new Set(tls.rootCertificates.map(pemKey));
  return [...tls.rootCertificates, ...extra.filter((pem) => !bundled.has(pemKey(pem)))];
}

/** pemKey: a PEM block's base64 body without line breaks (equal bodies, equal certificates). */
function pemKey(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----|\s+/g, '');
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
