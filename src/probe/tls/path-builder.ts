import type { X509Certificate } from 'node:crypto';
import { certFacts, type CertFacts } from './cert-facts.js';

/** Where a certificate of a path came from: the server's list (its index there) or the trust store. */
export type PathSource = { sent: number } | { anchor: true };

/** PathElement: one certificate of a candidate path, with its facts. */
export interface PathElement {
  facts: CertFacts;
  source: PathSource;
}

/**
 * CandidatePath: a chain from the leaf upwards. `anchored` means its last element is a trust
 * anchor (from the store, or a sent certificate that is itself one); otherwise it ends where
 * no issuer could be found, and `end` says how.
 */
export interface CandidatePath {
  elements: PathElement[];
  anchored: boolean;
  end?: 'self-signed' | 'issuer-missing';
}

/** The lookups path building needs from a trust store. */
export interface AnchorLookup {
  /** Whether this exact certificate is a trust anchor. */
  has(cert: X509Certificate): boolean;
  /** Trust anchors whose subject is `cert`'s issuer name. */
  candidatesFor(cert: X509Certificate): readonly X509Certificate[];
}

/** Longer than any real chain; bounds the search on a hostile list. */
const MAX_DEPTH = 8;
/** Candidate paths kept at most: enough for every cross-signing pattern seen in the Web PKI. */
const MAX_PATHS = 16;

/**
 * buildPaths: the candidate certification paths from the leaf (RFC 5280 §6; RFC 4158 path
 * building), not a walk of the list as sent. At each step the issuer may be a trust anchor or
 * any certificate the server sent — in any order, extras included — that names, identifies
 * (key identifiers, key usage: X509_check_issued) and signs it. Every branch is followed
 * (depth-first, bounded), so an extra cross-signed or expired certificate cannot hide a
 * valid path; the caller judges each path and picks the best.
 *
 * @param presented the certificates as sent, leaf first, already read into facts.
 */
export function buildPaths(presented: readonly CertFacts[], anchors: AnchorLookup): CandidatePath[] {
  const leaf = presented[0];
  if (!leaf) return [];
  const paths: CandidatePath[] = [];
  const anchorFacts = new Map<string, CertFacts>();
  const asAnchor = (cert: X509Certificate): CertFacts => {
    let f = anchorFacts.get(cert.fingerprint256);
    if (!f) {
      f = certFacts(cert);
      anchorFacts.set(cert.fingerprint256, f);
    }
    return f;
  };

  const extend = (path: PathElement[]): void => {
    if (paths.length >= MAX_PATHS) return;
    const top = path[path.length - 1] as PathElement;
    if (anchors.has(top.facts.cert)) {
      paths.push({ elements: path, anchored: true });
      return;
    }
    let found = false;
    for (const anchor of anchors.candidatesFor(top.facts.cert)) {
      if (!issuedBy(top.facts.cert, anchor)) continue;
      found = true;
      paths.push({ elements: [...path, { facts: asAnchor(anchor), source: { anchor: true } }], anchored: true });
    }
    if (path.length < MAX_DEPTH) {
      presented.forEach((next, i) => {
        const fp = next.cert.fingerprint256;
        if (path.some((e) => e.facts.cert.fingerprint256 === fp) || !issuedBy(top.facts.cert, next.cert)) return;
        found = true;
        extend([...path, { facts: next, source: { sent: i } }]);
      });
    }
    if (!found) paths.push({ elements: path, anchored: false, end: isSelfSigned(top.facts.cert) ? 'self-signed' : 'issuer-missing' });
  };

  extend([{ facts: leaf, source: { sent: 0 } }]);
  return paths;
}

/** issuedBy: `issuer` names, identifies and signed `cert`. */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false; // an unsupported or broken key cannot have signed it, as far as we can tell
  }
}

/**
 * isSelfSigned: same subject and issuer, signed by its own key. checkIssued alone is not
 * enough: it also demands keyCertSign when a KeyUsage extension is present, which many
 * self-signed server certificates lack.
 */
export function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}
