import { readTlv, TAG } from './der-tlv.js';

/** The issuer and subject Name of a certificate, as their DER bytes (hex), read without parsing the rest. */
export interface DerNames {
  issuer: string;
  subject: string;
}

/**
 * derNames: the issuer and subject of a DER certificate as hex of their exact DER encoding, or
 * undefined when the DER is malformed. RFC 5280 §4.1: TBSCertificate ::= SEQUENCE { [0]
 * version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }. Six headers
 * to walk, so a trust store can index a hundred roots by name in well under a millisecond
 * instead of parsing each one (see TrustStore's system tier).
 */
export function derNames(der: Uint8Array): DerNames | undefined {
  const cert = readTlv(der, 0);
  if (!cert || der[0] !== TAG.SEQUENCE) return undefined;
  const tbs = readTlv(der, cert.valueAt);
  if (!tbs || der[cert.valueAt] !== TAG.SEQUENCE) return undefined;
  let at = tbs.valueAt;
  if (der[at] === TAG.VERSION) at = readTlv(der, at)?.end ?? NaN;
  const elements: { at: number; end: number }[] = [];
  for (let i = 0; i < 5 && at < tbs.end; i++) {
    const e = readTlv(der, at);
    if (!e || e.end > tbs.end) return undefined;
    elements.push({ at, end: e.end });
    at = e.end;
  }
  const [, , issuer, , subject] = elements;
  if (!issuer || !subject || der[issuer.at] !== TAG.SEQUENCE || der[subject.at] !== TAG.SEQUENCE) return undefined;
  return { issuer: hex(der, issuer), subject: hex(der, subject) };
}

function hex(der: Uint8Array, e: { at: number; end: number }): string {
  return Buffer.from(der.buffer, der.byteOffset + e.at, e.end - e.at).toString('hex');
}
