import { describe, expect, it } from 'vitest';
import { decodeOid, elementsOf, readTlv } from '../../../src/probe/tls/der-tlv.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('der-tlv', () => {
  it('reads short and long lengths, and refuses indefinite or overrunning ones', () => {
    expect(readTlv(bytes(0x04, 0x02, 0xaa, 0xbb), 0)).toEqual({ valueAt: 2, end: 4 });
    const long = new Uint8Array(4 + 200);
    long.set([0x04, 0x81, 200]);
    expect(readTlv(long, 0)).toEqual({ valueAt: 3, end: 203 });
    expect(readTlv(bytes(0x30, 0x80, 0x00, 0x00), 0)).toBeUndefined();
    expect(readTlv(bytes(0x04, 0x05, 0xaa), 0)).toBeUndefined();
  });

  it('lists the elements of a SEQUENCE with their tags, and refuses one that overruns it', () => {
    // SEQUENCE { INTEGER 5, BOOLEAN TRUE, [3] { OCTET STRING 'a' } }
    const der = bytes(0x30, 0x0b, 0x02, 0x01, 0x05, 0x01, 0x01, 0xff, 0xa3, 0x03, 0x04, 0x01, 0x61);
    const outer = readTlv(der, 0);
    expect(outer).toBeDefined();
    const parts = elementsOf(der, outer!);
    expect(parts?.map((p) => [p.tag, p.at, p.valueAt, p.end])).toEqual([[0x02, 2, 4, 5], [0x01, 5, 7, 8], [0xa3, 8, 10, 13]]);
    expect(elementsOf(der, parts![2]!)?.map((p) => p.tag)).toEqual([0x04]);
    // the same SEQUENCE claiming one byte less: its last element now overruns it
    expect(elementsOf(der, { valueAt: 2, end: 12 })).toBeUndefined();
  });

  it('refuses a high tag number form, which X.509 never uses', () => {
    expect(elementsOf(bytes(0x30, 0x03, 0x1f, 0x81, 0x00), { valueAt: 2, end: 5 })).toBeUndefined();
  });

  it('decodes object identifiers', () => {
    expect(decodeOid(bytes(0x55, 0x1d, 0x11))).toBe('2.5.29.17');
    expect(decodeOid(bytes(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01))).toBe('1.2.840.10045.2.1');
    expect(decodeOid(bytes())).toBeUndefined();
  });
});
