/**
 * der-tlv: walking the tag-length-value headers of DER (X.690 §8.1) without decoding values.
 *
 * A certificate's analysis needs only some of its fields decoded: the names, the key and the
 * signature are compared or handed to OpenSSL as bytes. Walking headers to reach the few
 * fields that need a decoder is cheap; running a general ASN.1 decoder over a whole certificate
 * builds an object for every one of its ~100 elements (and tries to decode the contents of its
 * bit and octet strings as ASN.1 too), which in a fresh process was the largest part of the
 * certificate analysis (bench/README.md, "The credential gate"). Values are decoded by asn1js.
 */

/**
 * TAG: the DER identifier octets (X.690 §8.1.2) met walking a certificate; `CONSTRUCTED` is the
 * bit, `VERSION` and `EXTENSIONS` the TBSCertificate's [0] and [3] EXPLICIT (RFC 5280 §4.1).
 */
export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, OCTET_STRING: 0x04, OBJECT_IDENTIFIER: 0x06, SEQUENCE: 0x30,
  CONSTRUCTED: 0x20, VERSION: 0xa0, EXTENSIONS: 0xa3,
} as const;

/** Tlv: where an element's value starts and where the element ends. */
export interface Tlv {
  valueAt: number;
  end: number;
}

/** DerElement: one element — its identifier octet, where it starts, where its value starts, where it ends. */
export interface DerElement extends Tlv {
  tag: number;
  at: number;
}

/** readTlv: the value bounds of the DER element at `at` (definite lengths only, as DER requires). */
export function readTlv(der: Uint8Array, at: number): Tlv | undefined {
  const first = der[at + 1];
  if (first === undefined) return undefined;
  let len = first;
  let valueAt = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = der[at + 2 + i];
      if (b === undefined) return undefined;
      len = len * 256 + b;
    }
    valueAt += n;
  }
  const end = valueAt + len;
  return end <= der.length ? { valueAt, end } : undefined;
}

/**
 * elementsOf: the elements inside the value of `parent`, in order; undefined when one of
 * them is malformed or overruns its parent. Low tag numbers only (below 31), as X.509 uses.
 */
export function elementsOf(der: Uint8Array, parent: Tlv): DerElement[] | undefined {
  const out: DerElement[] = [];
  for (let at = parent.valueAt; at < parent.end;) {
    const tag = der[at] as number;
    if ((tag & 0x1f) === 0x1f) return undefined;
    const t = readTlv(der, at);
    if (!t || t.end > parent.end) return undefined;
    out.push({ tag, at, valueAt: t.valueAt, end: t.end });
    at = t.end;
  }
  return out;
}

/** valueOf: an element's content octets (a view, not a copy). */
export function valueOf(der: Uint8Array, e: Tlv): Uint8Array {
  return der.subarray(e.valueAt, e.end);
}

/** encodingOf: an element's whole encoding, header included (a view, not a copy). */
export function encodingOf(der: Uint8Array, e: DerElement): Uint8Array {
  return der.subarray(e.at, e.end);
}

/** decodeOid: X.690 §8.19 — first byte packs the first two arcs, then base-128 arcs. */
export function decodeOid(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  const arcs: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift();
  if (first === undefined) return undefined;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}
