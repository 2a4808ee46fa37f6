/**
 * ICMPv6 echo framing and the reading of what answers it (RFC 4443), for the IPv6 pinger on a
 * raw ICMPv6 socket. Pure functions over bytes, so every case is testable without a socket.
 *
 * What a raw ICMPv6 socket hands over starts at the ICMPv6 header: unlike IPv4, the IPv6
 * header is never included (RFC 3542 §3). The checksum covers a pseudo-header with both
 * addresses, which only the kernel knows for sure, and for ICMPv6 raw sockets the kernel
 * computes it (RFC 3542 §3.1; Linux always does, whatever is in the field): a request
 * leaves with zero there.
 *
 * With a source address asked for, the whole packet is ours instead (echoRequestV6WithHeader).
 */
import { isIPv6 } from 'node:net';
import { internetChecksum } from './icmpv4-packet.js';

/** ICMPv6 header: type, code, checksum, 4 bytes of type-specific data (RFC 4443 §2.1). */
const ICMPV6_HEADER_LEN = 8;
/** The fixed IPv6 header an error quotes first (RFC 8200 §3). */
const IPV6_HEADER_LEN = 40;
/** "Next Header" value of ICMPv6 (RFC 4443 §1). */
const NEXT_HEADER_ICMPV6 = 58;

/** ICMPv6 message types the pinger sends or reads (RFC 4443 §3, §4). */
export const Icmpv6Type = {
  DestinationUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParameterProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
} as const;

/** ECHO_PAYLOAD: the data our requests carry (RFC 4443 §4.1 lets it be anything; routers quote it back). */
const ECHO_PAYLOAD = Buffer.from('smtprobe', 'ascii');

/**
 * echoRequestV6 frames an ICMPv6 echo request (RFC 4443 §4.1): type 128, code 0, checksum
 * left zero for the kernel, then our identifier and sequence number, then a short payload.
 */
export function echoRequestV6(identifier: number, sequence: number): Buffer {
  const b = Buffer.alloc(ICMPV6_HEADER_LEN + ECHO_PAYLOAD.length);
  b.writeUInt8(Icmpv6Type.EchoRequest, 0);
  b.writeUInt16BE(identifier & 0xffff, 4);
  b.writeUInt16BE(sequence & 0xffff, 6);
  ECHO_PAYLOAD.copy(b, ICMPV6_HEADER_LEN);
  return b;
}

/**
 * Icmpv6Answer: an ICMPv6 message that answers one of our echo requests, named by the
 * request's identifier and sequence number. `other-error` is packet too big or a parameter
 * problem: an answer, but neither a reply nor a routing verdict.
 */
export interface Icmpv6Answer {
  kind: 'reply' | 'time-exceeded' | 'unreachable' | 'other-error';
  type: number;
  code: number;
  identifier: number;
  sequence: number;
}

/**
 * parseIcmpv6Answer reads one message from a raw ICMPv6 socket. An echo reply (RFC 4443 §4.2)
 * carries the request's identifier and sequence in its own header; an error (§3.1-3.4) quotes
 * the invoking packet after its 8-byte header — our request's IPv6 header, then our echo
 * request, whose identifier and sequence sit 4 and 6 bytes into it. Anything else (our own
 * request looped back, neighbour discovery, an error about someone else's packet, a message
 * cut short) is undefined. Never throws.
 */
export function parseIcmpv6Answer(msg: Uint8Array): Icmpv6Answer | undefined {
  if (msg.length < ICMPV6_HEADER_LEN) return undefined;
  const b = Buffer.from(msg.buffer, msg.byteOffset, msg.length);
  const type = b.readUInt8(0);
  const code = b.readUInt8(1);
  if (type === Icmpv6Type.EchoReply) {
    return { kind: 'reply', type, code, identifier: b.readUInt16BE(4), sequence: b.readUInt16BE(6) };
  }
  const kind = errorKind(type);
  if (kind === undefined) return undefined;
  const ip = ICMPV6_HEADER_LEN;
  const echo = ip + IPV6_HEADER_LEN;
  if (b.length < echo + ICMPV6_HEADER_LEN) return undefined;
  // The quoted packet must be IPv6 carrying ICMPv6 directly (we send no extension headers),
  // and an echo request: an error about any other packet is not ours.
  if (b.readUInt8(ip) >> 4 !== 6 || b.readUInt8(ip + 6) !== NEXT_HEADER_ICMPV6) return undefined;
  if (b.readUInt8(echo) !== Icmpv6Type.EchoRequest) return undefined;
  return { kind, type, code, identifier: b.readUInt16BE(echo + 4), sequence: b.readUInt16BE(echo + 6) };
}

function errorKind(type: number): Icmpv6Answer['kind'] | undefined {
  switch (type) {
    case Icmpv6Type.DestinationUnreachable:
      return 'unreachable';
    case Icmpv6Type.TimeExceeded:
      return 'time-exceeded';
    case Icmpv6Type.PacketTooBig:
    case Icmpv6Type.ParameterProblem:
      return 'other-error';
    default:
      return undefined;
  }
}

/** ipv6Bytes: the 16 bytes of an IPv6 address (`::` and a dotted IPv4 tail allowed, no zone); throws on anything else (a bug: addresses are validated at input). */
export function ipv6Bytes(address: string): Buffer {
  if (!isIPv6(address) || address.includes('%')) throw new Error(`${address} is not an IPv6 address without a zone`);
  let text = address;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * echoRequestV6WithHeader frames a whole IPv6 packet (RFC 8200 §3) from `source` to
 * `destination` with the given hop limit, carrying an ICMPv6 echo request, for a raw socket
 * with IPV6_HDRINCL: the request leaves from the source written in the header. With the
 * header ours, so is the ICMPv6 checksum, over the pseudo-header (RFC 8200 §8.1).
 */
export function echoRequestV6WithHeader(source: string, destination: string, hopLimit: number, identifier: number, sequence: number): Buffer {
  const icmp = echoRequestV6(identifier, sequence);
  const src = ipv6Bytes(source);
  const dst = ipv6Bytes(destination);
  const pseudo = Buffer.alloc(8);
  pseudo.writeUInt32BE(icmp.length, 0);
  pseudo.writeUInt8(NEXT_HEADER_ICMPV6, 7);
  icmp.writeUInt16BE(internetChecksum(src, dst, pseudo, icmp), 2);
  const ip = Buffer.alloc(IPV6_HEADER_LEN);
  ip.writeUInt32BE(0x60000000, 0); // version 6, traffic class 0, flow label 0
  ip.writeUInt16BE(icmp.length, 4);
  ip.writeUInt8(NEXT_HEADER_ICMPV6, 6);
  ip.writeUInt8(hopLimit, 7);
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([ip, icmp]);
}
