/**
 * The echo requests that must leave from a chosen source address carry an IP header we write
 * (IPv4 with IP_HDRINCL, IPv6 with IPV6_HDRINCL): the source must be in it, the checksums
 * right, and what answers them read back by identifier and sequence.
 */
import { describe, expect, it } from 'vitest';
import { sourceBoundWire } from '../../../src/probe/path/echo-wire.js';
import { echoRequestV4WithHeader, internetChecksum, ipv4Bytes, parseIcmpv4Answer } from '../../../src/probe/path/icmpv4-packet.js';
import { echoRequestV6WithHeader, ipv6Bytes } from '../../../src/probe/path/icmpv6-packet.js';

describe('internetChecksum (RFC 1071)', () => {
  it('matches the RFC 1071 worked example, and an odd length pads with zero', () => {
    // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2; the checksum is its complement.
    expect(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(~0xddf2 & 0xffff);
    expect(internetChecksum(Uint8Array.from([0x01]))).toBe(~0x0100 & 0xffff);
  });
});

describe('echoRequestV4WithHeader', () => {
  const b = echoRequestV4WithHeader('10.213.0.3', '10.213.1.2', 7, 0xabcd, 0x0102);
  it('writes the asked source and the destination into an IPv4 header of 20 bytes, protocol ICMP, the TTL asked', () => {
    expect(b.readUInt8(0)).toBe(0x45);
    expect([...b.subarray(12, 16)]).toEqual([10, 213, 0, 3]);
    expect([...b.subarray(16, 20)]).toEqual([10, 213, 1, 2]);
    expect(b.readUInt8(8)).toBe(7);
    expect(b.readUInt8(9)).toBe(1);
    expect(b.readUInt16BE(2)).toBe(b.length);
  });
  it('both checksums verify (sum over the covered bytes is zero)', () => {
    expect(internetChecksum(b.subarray(0, 20))).toBe(0);
    expect(internetChecksum(b.subarray(20))).toBe(0);
    expect([...b.subarray(20, 28)].filter((_, i) => i !== 2 && i !== 3)).toEqual([8, 0, 0xab, 0xcd, 0x01, 0x02]);
  });
  it('throws for an address of the other family (a bug, not a network outcome)', () => {
    expect(() => echoRequestV4WithHeader('::1', '10.0.0.1', 1, 1, 1)).toThrow(/not an IPv4 address/);
    expect(() => ipv4Bytes('10.0.0')).toThrow();
  });
});

describe('parseIcmpv4Answer (what a raw IPv4 socket reads: the IP header first)', () => {
  const ip = (proto: number, payload: Buffer): Buffer => {
    const h = Buffer.alloc(20);
    h.writeUInt8(0x45, 0);
    h.writeUInt8(proto, 9);
    return Buffer.concat([h, payload]);
  };
  const request = echoRequestV4WithHeader('10.0.0.3', '10.0.1.2', 1, 0x1234, 9);
  it('an echo reply answers by its own identifier and sequence', () => {
    const reply = Buffer.from([0, 0, 0, 0, 0x12, 0x34, 0, 9]);
    expect(parseIcmpv4Answer(ip(1, reply))).toEqual({ kind: 'reply', type: 0, code: 0, identifier: 0x1234, sequence: 9 });
  });
  it('time exceeded and unreachable name the request they quote', () => {
    const te = Buffer.concat([Buffer.from([11, 0, 0, 0, 0, 0, 0, 0]), request.subarray(0, 28)]);
    expect(parseIcmpv4Answer(ip(1, te))).toMatchObject({ kind: 'time-exceeded', identifier: 0x1234, sequence: 9 });
    const un = Buffer.concat([Buffer.from([3, 1, 0, 0, 0, 0, 0, 0]), request.subarray(0, 28)]);
    expect(parseIcmpv4Answer(ip(1, un))).toMatchObject({ kind: 'unreachable', code: 1, identifier: 0x1234, sequence: 9 });
  });
  it('our own request looped back, an error about another protocol, or a cut message is nothing', () => {
    expect(parseIcmpv4Answer(request)).toBeUndefined();
    const udp = Buffer.from(request.subarray(0, 28));
    udp.writeUInt8(17, 9);
    expect(parseIcmpv4Answer(ip(1, Buffer.concat([Buffer.from([11, 0, 0, 0, 0, 0, 0, 0]), udp])))).toBeUndefined();
    expect(parseIcmpv4Answer(ip(1, Buffer.from([11, 0, 0, 0, 0, 0, 0, 0, 0x45])))).toBeUndefined();
    expect(parseIcmpv4Answer(Buffer.alloc(3))).toBeUndefined();
  });
});

describe('echoRequestV6WithHeader', () => {
  it('writes the asked source into an IPv6 header (next header ICMPv6, the hop limit asked) and a checksum over the pseudo-header', () => {
    const b = echoRequestV6WithHeader('fd00:213::3', 'fd00:213:1::2', 5, 0xabcd, 7);
    expect(b.readUInt8(0) >> 4).toBe(6);
    expect(b.readUInt8(6)).toBe(58);
    expect(b.readUInt8(7)).toBe(5);
    expect(b.subarray(8, 24).equals(ipv6Bytes('fd00:213::3'))).toBe(true);
    expect(b.subarray(24, 40).equals(ipv6Bytes('fd00:213:1::2'))).toBe(true);
    const icmp = b.subarray(40);
    expect(b.readUInt16BE(4)).toBe(icmp.length);
    const pseudo = Buffer.alloc(8);
    pseudo.writeUInt32BE(icmp.length, 0);
    pseudo.writeUInt8(58, 7);
    expect(internetChecksum(b.subarray(8, 24), b.subarray(24, 40), pseudo, icmp)).toBe(0);
    expect([icmp[0], icmp.readUInt16BE(4), icmp.readUInt16BE(6)]).toEqual([128, 0xabcd, 7]);
  });
  it('reads every IPv6 text form: compressed, full, IPv4 tail', () => {
    expect(ipv6Bytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipv6Bytes('fd00:213::3').toString('hex')).toBe('fd000213000000000000000000000003');
    expect(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex')).toBe('00010002000300040005000600070008');
    expect(ipv6Bytes('::ffff:10.1.2.3').toString('hex')).toBe('00000000000000000000ffff0a010203');
    expect(() => ipv6Bytes('fe80::1%eth0')).toThrow(/zone/);
  });
});

describe('sourceBoundWire', () => {
  it('is Linux only: elsewhere it says why instead of sending from another address', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const w = sourceBoundWire(4, '10.0.0.3', platform);
      expect('unsupported' in w && w.unsupported).toMatch(/chosen source address.*Linux only/);
    }
  });
  it('frames requests from the source it was made for, whatever the destination', () => {
    const w4 = sourceBoundWire(4, '10.0.0.3', 'linux');
    const w6 = sourceBoundWire(6, 'fd00::3', 'linux');
    if ('unsupported' in w4 || 'unsupported' in w6) throw new Error('Linux wire unsupported');
    expect([...w4.request('10.9.9.9', 3, 1, 2).subarray(12, 16)]).toEqual([10, 0, 0, 3]);
    expect(w6.request('fd00::9', 3, 1, 2).subarray(8, 24).equals(ipv6Bytes('fd00::3'))).toBe(true);
    expect(w4.setHopLimit).toBeUndefined();
  });
});
