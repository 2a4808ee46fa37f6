/**
 * ICMPv6 echo framing and the reading of its answers (RFC 4443): what the IPv6 pinger sends,
 * and which received messages it takes as the answer to which request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { echoRequestV6, parseIcmpv6Answer } from '../../../src/probe/path/icmpv6-packet.js';
import { echoReply, errorQuoting, ipv6Header, request, timeExceeded, unreachable } from './icmpv6-wire.js';

describe('echoRequestV6', () => {
  it('frames type 128 code 0, checksum left zero for the kernel, identifier and sequence big-endian', () => {
    const b = echoRequestV6(0xabcd, 0x0102);
    expect(b.length).toBeGreaterThanOrEqual(8);
    expect([...b.subarray(0, 8)]).toEqual([128, 0, 0, 0, 0xab, 0xcd, 0x01, 0x02]);
  });

  it('keeps only 16 bits of identifier and sequence', () => {
    const b = echoRequestV6(0x1abcd, 65536 + 7);
    expect(b.readUInt16BE(4)).toBe(0xabcd);
    expect(b.readUInt16BE(6)).toBe(7);
  });
});

describe('parseIcmpv6Answer', () => {
  const ours = echoRequestV6(4242, 17);

  it('reads an echo reply by its own identifier and sequence', () => {
    expect(parseIcmpv6Answer(echoReply(ours))).toEqual({ kind: 'reply', type: 129, code: 0, identifier: 4242, sequence: 17 });
  });

  it('reads time exceeded by the echo request it quotes (after the quoted IPv6 header), not its own header', () => {
    const msg = timeExceeded(ours);
    expect(msg.readUInt16BE(4)).toBe(0); // the error's own "identifier" bytes are unused
    expect(parseIcmpv6Answer(msg)).toEqual({ kind: 'time-exceeded', type: 3, code: 0, identifier: 4242, sequence: 17 });
  });

  it('reads destination unreachable of any code the same way', () => {
    for (const code of [0, 1, 3, 4]) {
      expect(parseIcmpv6Answer(unreachable(ours, code))).toEqual({ kind: 'unreachable', type: 1, code, identifier: 4242, sequence: 17 });
    }
  });

  it('reads packet too big and parameter problem as other errors about our request', () => {
    const quoted = Buffer.concat([ipv6Header(ours.length), ours]);
    expect(parseIcmpv6Answer(errorQuoting(2, 0, quoted))?.kind).toBe('other-error');
    expect(parseIcmpv6Answer(errorQuoting(4, 1, quoted))).toMatchObject({ kind: 'other-error', type: 4, code: 1, sequence: 17 });
  });

  it('returns the identifier of someone else’s echo, for the pinger to ignore', () => {
    const theirs = request(999, 17);
    expect(parseIcmpv6Answer(echoReply(theirs))?.identifier).toBe(999);
    expect(parseIcmpv6Answer(timeExceeded(theirs))?.identifier).toBe(999);
  });

  it('ignores our own request looped back, and messages that answer nothing', () => {
    expect(parseIcmpv6Answer(ours)).toBeUndefined();
    // neighbour solicitation, router advertisement, MLD report
    for (const type of [135, 134, 143]) expect(parseIcmpv6Answer(Buffer.from([type, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
  });

  it('ignores an error that quotes something other than an echo request over plain IPv6', () => {
    const udp = Buffer.from([0x30, 0x39, 0x00, 0x35, 0, 16, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIcmpv6Answer(errorQuoting(3, 0, Buffer.concat([ipv6Header(udp.length, 17), udp])))).toBeUndefined();
    // an ICMPv6 echo *reply* quoted (someone pinged through us and the answer expired)
    expect(parseIcmpv6Answer(errorQuoting(3, 0, Buffer.concat([ipv6Header(ours.length), echoReply(ours)])))).toBeUndefined();
    // a quoted header that is not IPv6 at all
    expect(parseIcmpv6Answer(errorQuoting(3, 0, Buffer.concat([ipv6Header(ours.length, 58, 4), ours])))).toBeUndefined();
  });

  it('ignores truncated messages: short replies, errors cut inside the quoted header or echo', () => {
    for (const n of [0, 1, 4, 7]) expect(parseIcmpv6Answer(echoReply(ours).subarray(0, n))).toBeUndefined();
    const te = timeExceeded(ours);
    for (const n of [8, 20, 47, 48, 52, 55]) expect(parseIcmpv6Answer(te.subarray(0, n))).toBeUndefined();
    // exactly the quoted echo header is enough (routers may quote little of the data)
    expect(parseIcmpv6Answer(te.subarray(0, 56))?.sequence).toBe(17);
  });

  it('reads a message that is a view into a larger receive buffer', () => {
    const big = Buffer.alloc(4096, 0xff);
    const te = timeExceeded(ours);
    te.copy(big, 100);
    expect(parseIcmpv6Answer(big.subarray(100, 100 + te.length))).toMatchObject({ kind: 'time-exceeded', identifier: 4242, sequence: 17 });
  });

  it('property: never throws on any bytes, and every answer it reads carries a 16-bit identifier and sequence', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), fc.nat(64), (bytes, offset) => {
        const inside = new Uint8Array(bytes.length + offset);
        inside.set(bytes, offset);
        const a = parseIcmpv6Answer(inside.subarray(offset));
        if (a === undefined) return true;
        return a.identifier >= 0 && a.identifier <= 0xffff && a.sequence >= 0 && a.sequence <= 0xffff;
      }),
      { numRuns: 2000 },
    );
  });

  it('property: every reply and error to a request we framed names that request; no prefix cut short does', () => {
    const answerTo = fc.constantFrom(echoReply, timeExceeded, (r: Buffer) => unreachable(r));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), answerTo, fc.nat(), (id, seq, answer, cut) => {
        const msg = answer(echoRequestV6(id, seq));
        const a = parseIcmpv6Answer(msg);
        expect(a).toMatchObject({ identifier: id, sequence: seq });
        const minimum = a?.kind === 'reply' ? 8 : 56;
        expect(parseIcmpv6Answer(msg.subarray(0, cut % minimum))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
