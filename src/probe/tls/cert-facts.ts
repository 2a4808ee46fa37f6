import type { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier, BasicConstraints, Certificate, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { parseNameConstraints, type NameConstraintSet } from './name-constraints.js';

/** Extension OIDs (RFC 5280 §4.2). */
export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

/**
 * Extensions a certificate may mark critical and still be processed: the ones this module
 * reads, plus those OpenSSL 3 handles when critical (X509_supported_extension: certificate
 * policies and their constraints and mappings, inhibitAnyPolicy, Netscape cert type, proxy
 * certificate info, RFC 3779 address and AS blocks). A critical extension outside this set
 * makes the certificate unusable (RFC 5280 §4.2: "MUST reject"). Keeping OpenSSL's set means
 * our analysis never rejects for this reason a chain OpenSSL would accept.
 */
const PROCESSED_CRITICAL = new Set<string>([
  OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.subjectAltName, OID.nameConstraints,
  '2.5.29.32', '2.5.29.36', '2.5.29.33', '2.5.29.54', '2.16.840.1.113730.1.1', '1.3.6.1.5.5.7.1.14',
  '1.3.6.1.5.5.7.1.7', '1.3.6.1.5.5.7.1.8',
]);

/** Key usage bits (RFC 5280 §4.2.1.3), as @peculiar/asn1-x509 numbers them. */
export const KU = { digitalSignature: 1, keyEncipherment: 4, keyAgreement: 16, keyCertSign: 32 } as const;

/** The ECDSA public key algorithm (RFC 5480 §2.1.1). */
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

export interface SanEntry {
  type: 'DNS' | 'IP' | 'email' | 'URI' | 'other';
  value: string;
}

/**
 * CertFacts: what path validation needs to know of one certificate, read once from its DER.
 * Reading never throws: a field that cannot be decoded is left out and `parseError` says why,
 * so an odd certificate becomes a problem in the report, never a crash.
 */
export interface CertFacts {
  cert: X509Certificate;
  /** Set when the DER could not be decoded as an X.509 certificate (the other fields are then defaults). */
  parseError?: string;
  /** 1, 2 or 3 (RFC 5280 §4.1.2.1). */
  version: number;
  /** The serial number's content octets (RFC 5280 §4.1.2.2: positive, at most 20 octets). */
  serial: Uint8Array;
  subject: string;
  issuer: string;
  subjectEmpty: boolean;
  /** Same subject and issuer name (RFC 5280 §6.1: self-issued). */
  selfIssued: boolean;
  notBefore: number;
  notAfter: number;
  /** basicConstraints cA; undefined when the extension is absent. */
  ca?: boolean;
  pathLen?: number;
  /** Key usage bit set; undefined when the extension is absent. */
  keyUsage?: number;
  /** Extended key usage OIDs; undefined when absent, [] when present but empty. */
  eku?: string[];
  san: SanEntry[];
  /** SAN iPAddress entries as raw bytes (4 or 16). */
  sanIps: Uint8Array[];
  nameConstraints?: NameConstraintSet;
  /** Critical extensions that cannot be processed, by OID. */
  unhandledCritical: string[];
  /** Extensions marked critical that RFC 5280 says must not be (AKI, SKI). */
  wronglyCritical: string[];
  /** Extension OIDs that occur more than once (RFC 5280 §4.2: at most one instance each). */
  duplicateExtensions: string[];
  aki?: string;
  ski?: string;
  /** An EC key given with explicit curve parameters instead of a named curve (RFC 5480 §2.1.1). */
  explicitCurve: boolean;
}

/** certFacts reads the facts of one certificate; never throws. */
export function certFacts(cert: X509Certificate): CertFacts {
  const facts: CertFacts = {
    cert,
    version: 3,
    serial: new Uint8Array(0),
    subject: safeName(() => cert.subject),
    issuer: safeName(() => cert.issuer),
    subjectEmpty: false,
    selfIssued: false,
    notBefore: safeDate(() => cert.validFrom),
    notAfter: safeDate(() => cert.validTo),
    san: [],
    sanIps: [],
    unhandledCritical: [],
    wronglyCritical: [],
    duplicateExtensions: [],
    explicitCurve: false,
  };
  let parsed: Certificate;
  try {
    parsed = AsnConvert.parse(cert.raw, Certificate);
  } catch (err) {
    facts.parseError = `cannot decode the certificate: ${(err as Error).message}`;
    return facts;
  }
  const tbs = parsed.tbsCertificate;
  facts.version = tbs.version + 1;
  facts.serial = new Uint8Array(tbs.serialNumber);
  facts.subjectEmpty = tbs.subject.length === 0;
  facts.selfIssued = Buffer.from(AsnConvert.serialize(tbs.subject)).equals(Buffer.from(AsnConvert.serialize(tbs.issuer)));
  try {
    facts.notBefore = tbs.validity.notBefore.getTime().getTime();
    facts.notAfter = tbs.validity.notAfter.getTime().getTime();
  } catch {
    // keep Node's reading of the dates
  }
  const spki = tbs.subjectPublicKeyInfo.algorithm;
  facts.explicitCurve = spki.algorithm === EC_PUBLIC_KEY && spki.parameters !== undefined && spki.parameters !== null
    && new Uint8Array(spki.parameters)[0] === 0x30; // a SEQUENCE (ECParameters), not an OID

  const seen = new Set<string>();
  for (const ext of tbs.extensions ?? []) {
    if (seen.has(ext.extnID)) facts.duplicateExtensions.push(ext.extnID);
    seen.add(ext.extnID);
    const value = ext.extnValue.buffer;
    try {
      readExtension(facts, ext.extnID, value);
    } catch (err) {
      facts.parseError ??= `cannot decode extension ${ext.extnID}: ${(err as Error).message}`;
    }
    if (ext.critical) {
      if (ext.extnID === OID.authorityKeyIdentifier || ext.extnID === OID.subjectKeyIdentifier) facts.wronglyCritical.push(ext.extnID);
      else if (!PROCESSED_CRITICAL.has(ext.extnID)) facts.unhandledCritical.push(ext.extnID);
    }
  }
  return facts;
}

function readExtension(facts: CertFacts, oid: string, value: ArrayBuffer): void {
  switch (oid) {
    case OID.basicConstraints: {
      const bc = AsnConvert.parse(value, BasicConstraints);
      facts.ca = bc.cA;
      if (bc.pathLenConstraint !== undefined) facts.pathLen = bc.pathLenConstraint;
      return;
    }
    case OID.keyUsage: {
      const ku = AsnConvert.parse(value, KeyUsage);
      facts.keyUsage = ku.toNumber();
      return;
    }
    case OID.extKeyUsage:
      facts.eku = [...AsnConvert.parse(value, ExtendedKeyUsage)];
      return;
    case OID.subjectAltName:
      for (const name of AsnConvert.parse(value, SubjectAlternativeName)) {
        if (name.dNSName !== undefined) facts.san.push({ type: 'DNS', value: name.dNSName });
        else if (name.iPAddress !== undefined) {
          facts.san.push({ type: 'IP', value: name.iPAddress });
          const bytes = ipBytes(name.iPAddress);
          if (bytes) facts.sanIps.push(bytes);
        } else if (name.rfc822Name !== undefined) facts.san.push({ type: 'email', value: name.rfc822Name });
        else if (name.uniformResourceIdentifier !== undefined) facts.san.push({ type: 'URI', value: name.uniformResourceIdentifier });
        else facts.san.push({ type: 'other', value: '' });
      }
      return;
    case OID.nameConstraints:
      facts.nameConstraints = parseNameConstraints(value);
      return;
    case OID.authorityKeyIdentifier: {
      const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
      if (aki.keyIdentifier) facts.aki = Buffer.from(aki.keyIdentifier.buffer).toString('hex');
      return;
    }
    case OID.subjectKeyIdentifier:
      facts.ski = Buffer.from(AsnConvert.parse(value, SubjectKeyIdentifier).buffer).toString('hex');
      return;
    default:
  }
}

/** ipBytes: an address as @peculiar/asn1-x509 prints it (dotted IPv4 or IPv6), back to its 4 or 16 bytes. */
export function ipBytes(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) return Uint8Array.from(v4.slice(1).map(Number));
  if (!text.includes(':')) return undefined;
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = (n >> 8) & 0xff;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

/** A name Node could not print (empty, or odd encodings) reads as ''. */
function safeName(read: () => string | undefined): string {
  try {
    return read() ?? '';
  } catch {
    return '';
  }
}

function safeDate(read: () => string): number {
  try {
    const ms = Date.parse(read());
    return Number.isNaN(ms) ? 0 : ms;
  } catch {
    return 0;
  }
}
