import { decodeOid, readTlv, TAG } from './der-tlv.js';

/**
 * signatureAlgorithmOf reads the signatureAlgorithm of a DER X.509 certificate, which
 * node:crypto's X509Certificate does not expose.
 *
 * RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm
 * AlgorithmIdentifier, signatureValue }. Only three DER headers need reading to reach the
 * OID, so this walks them directly rather than pulling a full ASN.1 library into the probe.
 * Returns the algorithm's name (OpenSSL's long names) or its dotted OID when unknown, and
 * undefined when the DER is malformed.
 */
export function signatureAlgorithmOf(der: Uint8Array): string | undefined {
  const cert = readTlv(der, 0);
  if (!cert || der[0] !== TAG.SEQUENCE) return undefined;
  const tbs = readTlv(der, cert.valueAt);
  if (!tbs) return undefined;
  const algId = readTlv(der, tbs.end);
  if (!algId || der[tbs.end] !== TAG.SEQUENCE) return undefined;
  const oid = readTlv(der, algId.valueAt);
  if (!oid || der[algId.valueAt] !== TAG.OBJECT_IDENTIFIER) return undefined;
  const dotted = decodeOid(der.subarray(oid.valueAt, oid.end));
  return dotted === undefined ? undefined : SIGNATURE_OIDS[dotted] ?? dotted;
}

/** WEAK_SIGNATURE_ALGORITHMS: digests with practical collision attacks (MD2, MD5, SHA-1). */
export const WEAK_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'md2WithRSAEncryption', 'md5WithRSAEncryption', 'sha1WithRSAEncryption', 'ecdsa-with-SHA1', 'dsa_with_SHA1',
]);

const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa_with_SHA1',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};
