import type { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { decodeOid, elementsOf, encodingOf, readTlv, TAG, valueOf, type DerElement } from './der-tlv.js';
import { formatIp, parseNameConstraints, type NameConstraintSet } from './name-constraints.js';

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

/** Key usage bits (RFC 5280 §4.2.1.3): named bit n is 1 << n. */
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
  const der = cert.raw;
  let extensions: DerElement[];
  try {
    extensions = readTbs(der, facts);
  } catch (err) {
    facts.parseError = `cannot decode the certificate: ${(err as Error).message}`;
    return facts;
  }
  const seen = new Set<string>();
  for (const ext of extensions) {
    const parts = ext.tag & TAG.CONSTRUCTED ? elementsOf(der, ext) ?? [] : [];
    const oid = parts[0];
    const id = oid?.tag === TAG.OBJECT_IDENTIFIER ? decodeOid(valueOf(der, oid)) : undefined;
    if (id === undefined) {
      facts.parseError ??= 'cannot decode an extension: no OID';
      continue;
    }
    const flag = parts[1];
    const critical = flag?.tag === TAG.BOOLEAN && flag.end - flag.valueAt === 1 && der[flag.valueAt] !== 0;
    const value = parts[parts.length - 1];
    if (seen.has(id)) facts.duplicateExtensions.push(id);
    seen.add(id);
    try {
      if (parts.length < 2 || value?.tag !== TAG.OCTET_STRING) throw new Error('no extnValue');
      readExtension(facts, id, valueOf(der, value));
    } catch (err) {
      facts.parseError ??= `cannot decode extension ${id}: ${(err as Error).message}`;
    }
    if (critical) {
      if (id === OID.authorityKeyIdentifier || id === OID.subjectKeyIdentifier) facts.wronglyCritical.push(id);
      else if (!PROCESSED_CRITICAL.has(id)) facts.unhandledCritical.push(id);
    }
  }
  return facts;
}

/**
 * readTbs fills `facts` from the TBSCertificate (RFC 5280 §4.1: [0] version (optional), serial,
 * signature, issuer, validity, subject, subjectPublicKeyInfo, then optional [1] [2] unique ids
 * and [3] extensions) and returns its extensions; throws on malformed DER. Only the fields read
 * here go through asn1js: names are compared as bytes, the key is left to OpenSSL.
 */
function readTbs(der: Uint8Array, facts: CertFacts): DerElement[] {
  const outer = der[0] === TAG.SEQUENCE ? readTlv(der, 0) : undefined;
  if (!outer) throw new Error('not a DER SEQUENCE');
  const tbsCert = elementsOf(der, outer)?.[0];
  if (tbsCert?.tag !== TAG.SEQUENCE) throw new Error('no TBSCertificate');
  const tbs = elementsOf(der, tbsCert);
  if (!tbs) throw new Error('malformed TBSCertificate');
  let i = 0;
  const first = tbs[0];
  if (first && first.tag === TAG.VERSION) {
    const v = parseValue(valueOf(der, first));
    facts.version = v instanceof asn1js.Integer ? v.valueBlock.valueDec + 1 : 3;
    i = 1;
  } else {
    facts.version = 1;
  }
  const [serial, , issuer, validity, subject, spki] = tbs.slice(i, i + 6);
  if (serial?.tag !== TAG.INTEGER || !issuer || !validity || !subject || !spki) throw new Error('the TBSCertificate is incomplete');
  facts.serial = new Uint8Array(valueOf(der, serial));
  facts.subjectEmpty = !(subject.tag & TAG.CONSTRUCTED) || subject.valueAt === subject.end;
  facts.selfIssued = Buffer.compare(encodingOf(der, subject), encodingOf(der, issuer)) === 0;
  const [notBefore, notAfter] = children(parseValue(encodingOf(der, validity)));
  if (notBefore instanceof asn1js.UTCTime && notAfter instanceof asn1js.UTCTime) {
    facts.notBefore = notBefore.toDate().getTime();
    facts.notAfter = notAfter.toDate().getTime();
  }
  const algorithm = (elementsOf(der, spki) ?? [])[0];
  const [algOid, algParams] = algorithm ? children(parseValue(encodingOf(der, algorithm))) : [];
  facts.explicitCurve = algOid instanceof asn1js.ObjectIdentifier && algOid.valueBlock.toString() === EC_PUBLIC_KEY
    && algParams instanceof asn1js.Sequence; // ECParameters, not a named-curve OID

  const block = tbs.slice(i + 6).find((b) => (b.tag | TAG.CONSTRUCTED) === TAG.EXTENSIONS);
  const list = block && block.tag & TAG.CONSTRUCTED ? elementsOf(der, block)?.[0] : undefined;
  const extensions = list && list.tag & TAG.CONSTRUCTED ? elementsOf(der, list) : [];
  if (!extensions) throw new Error('malformed extensions');
  return extensions;
}

/** children: the elements of a constructed ASN.1 value (an empty list for a primitive one). */
function children(block: asn1js.AsnType): asn1js.AsnType[] {
  const v = (block as asn1js.Constructed).valueBlock as { value?: unknown };
  return Array.isArray(v.value) ? (v.value as asn1js.AsnType[]) : [];
}

/** parseValue: the DER value at the start of `bytes`; throws when asn1js cannot decode it. */
function parseValue(bytes: Uint8Array): asn1js.AsnType {
  const decoded = asn1js.fromBER(bytes);
  if (decoded.offset === -1) throw new Error(decoded.result.error || 'malformed DER');
  return decoded.result;
}

function readExtension(facts: CertFacts, oid: string, value: Uint8Array): void {
  switch (oid) {
    case OID.basicConstraints: {
      // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
      const parts = children(expectSequence(parseValue(value)));
      let j = 0;
      facts.ca = false;
      if (parts[j] instanceof asn1js.Boolean) facts.ca = (parts[j++] as asn1js.Boolean).valueBlock.value;
      if (parts[j] instanceof asn1js.Integer) facts.pathLen = (parts[j] as asn1js.Integer).valueBlock.valueDec;
      return;
    }
    case OID.keyUsage: {
      // KeyUsage ::= BIT STRING, bit 0 (digitalSignature) first in the first octet.
      const bits = parseValue(value);
      if (!(bits instanceof asn1js.BitString)) throw new Error('keyUsage is not a BIT STRING');
      const bytes = bits.valueBlock.valueHexView;
      let n = 0;
      for (let b = 0; b < bytes.length * 8 && b < 16; b++) {
        if (((bytes[b >> 3] as number) >> (7 - (b & 7))) & 1) n |= 1 << b;
      }
      facts.keyUsage = n;
      return;
    }
    case OID.extKeyUsage:
      facts.eku = children(expectSequence(parseValue(value))).map((o) => {
        if (!(o instanceof asn1js.ObjectIdentifier)) throw new Error('extKeyUsage holds a non-OID');
        return o.valueBlock.toString();
      });
      return;
    case OID.subjectAltName:
      for (const name of children(expectSequence(parseValue(value)))) {
        const tag = name.idBlock.tagClass === 3 ? name.idBlock.tagNumber : -1;
        const raw = (name as asn1js.Primitive).valueBlock.valueHexView ?? new Uint8Array(0);
        const text = Buffer.from(raw).toString('latin1');
        if (tag === 2) facts.san.push({ type: 'DNS', value: text });
        else if (tag === 7 && (raw.length === 4 || raw.length === 16)) {
          facts.san.push({ type: 'IP', value: formatIp(raw) });
          facts.sanIps.push(raw.slice());
        } else if (tag === 1) facts.san.push({ type: 'email', value: text });
        else if (tag === 6) facts.san.push({ type: 'URI', value: text });
        else facts.san.push({ type: 'other', value: '' });
      }
      return;
    case OID.nameConstraints:
      facts.nameConstraints = parseNameConstraints(new Uint8Array(value).buffer);
      return;
    case OID.authorityKeyIdentifier: {
      // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
      const keyId = children(expectSequence(parseValue(value))).find((p) => p.idBlock.tagClass === 3 && p.idBlock.tagNumber === 0);
      if (keyId) facts.aki = Buffer.from((keyId as asn1js.Primitive).valueBlock.valueHexView).toString('hex');
      return;
    }
    case OID.subjectKeyIdentifier: {
      const ski = parseValue(value);
      if (!(ski instanceof asn1js.OctetString)) throw new Error('subjectKeyIdentifier is not an OCTET STRING');
      facts.ski = Buffer.from(ski.valueBlock.valueHexView).toString('hex');
      return;
    }
    default:
  }
}

function expectSequence(b: asn1js.AsnType): asn1js.Sequence {
  if (!(b instanceof asn1js.Sequence)) throw new Error('expected a SEQUENCE');
  return b;
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
