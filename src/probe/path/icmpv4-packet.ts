import { isIPv4 } from 'node:net';

/**
 * ICMP echo framing for IPv4 with the IP header built here (IP_HDRINCL), and the reading of
 * what answers it (RFC 791, RFC 792). A raw socket with IP_HDRINCL sends the header as given,
 * so the request leaves from the source address written in it — the only way a raw socket
 * without bind() (raw-socket has none) can choose its source. Pure functions over bytes.
 *
 * Linux fills in what is left zero of a header-included packet: the identification field and
 * the header checksum; the total length it always sets (raw(7)). The ICMP checksum is ours.
 */

/** The IPv4 header we write: no options (RFC 791 §3.1). */
const IPV4_HEADER_LEN = 20;
/** ICMP header: type, code, checksum, identifier, sequence (RFC 792). */
const ICMP_HEADER_LEN = 8;
/** IPv4 protocol number of ICMP. */
const PROTOCOL_ICMP = 1;
/** ECHO_PAYLOAD: the data our requests carry; routers quote it back. */
const ECHO_PAYLOAD = Buffer.from('smtprobe', 'ascii');

/** ICMP message types the pinger sends or reads (RFC 792). */
export const IcmpType = { EchoReply: 0, DestinationUnreachable: 3, EchoRequest: 8, TimeExceeded: 11, ParameterProblem: 12 } as const;

/** internetChecksum: the 16-bit one's complement of the one's complement sum (RFC 1071). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const byte = p[i] as number;
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** ipv4Bytes: the four bytes of a dotted-quad address; throws on anything else (a bug: addresses are validated at input). */
export function ipv4Bytes(address: string): Buffer {
  if (!isIPv4(address)) throw new Error(`${address} is not an IPv4 address`);
  return Buffer.from(address.split('.').map(Number));
}

/**
 * echoRequestV4WithHeader frames an IPv4 packet from `source` to `destination` with the given
 * TTL, carrying an ICMP echo request (type 8) with our identifier, sequence and checksum.
 */
export function echoRequestV4WithHeader(source: string, destination: string, ttl: number, identifier: number, sequence: number): Buffer {
  const icmp = Buffer.alloc(ICMP_HEADER_LEN + ECHO_PAYLOAD.length);
  icmp.writeUInt8(IcmpType.EchoRequest, 0);
  icmp.writeUInt16BE(identifier & 0xffff, 4);
  icmp.writeUInt16BE(sequence & 0xffff, 6);
  ECHO_PAYLOAD.copy(icmp, ICMP_HEADER_LEN);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  const ip = Buffer.alloc(IPV4_HEADER_LEN);
  ip.writeUInt8(0x45, 0); // version 4, header length 5 words
  ip.writeUInt16BE(IPV4_HEADER_LEN + icmp.length, 2);
  ip.writeUInt8(ttl, 8);
  ip.writeUInt8(PROTOCOL_ICMP, 9);
  ipv4Bytes(source).copy(ip, 12);
  ipv4Bytes(destination).copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  return Buffer.concat([ip, icmp]);
}

/** IcmpAnswer: an ICMP message answering one of our echo requests, by the request's identifier and sequence. */
export interface IcmpAnswer {
  kind: 'reply' | 'time-exceeded' | 'unreachable' | 'other-error';
  type: number;
  code: number;
  identifier: number;
  sequence: number;
}

/**
 * parseIcmpv4Answer reads one datagram from a raw IPv4 ICMP socket, which always starts with
 * the IP header. An echo reply carries identifier and sequence in its own header; an error
 * (unreachable, time exceeded, parameter problem) quotes our request's IP header and its first
 * 8 bytes — the echo request's header. Anything else (our own request looped back, an error
 * about another packet, a message cut short) is undefined. Never throws.
 */
export function parseIcmpv4Answer(msg: Uint8Array): IcmpAnswer | undefined {
  const b = Buffer.from(msg.buffer, msg.byteOffset, msg.length);
  if (b.length < IPV4_HEADER_LEN || b.readUInt8(0) >> 4 !== 4) return undefined;
  const icmp = (b.readUInt8(0) & 0x0f) * 4;
  if (b.length < icmp + ICMP_HEADER_LEN) return undefined;
  const type = b.readUInt8(icmp);
  const code = b.readUInt8(icmp + 1);
  if (type === IcmpType.EchoReply) return { kind: 'reply', type, code, identifier: b.readUInt16BE(icmp + 4), sequence: b.readUInt16BE(icmp + 6) };
  const kind = type === IcmpType.DestinationUnreachable ? 'unreachable' : type === IcmpType.TimeExceeded ? 'time-exceeded' : type === IcmpType.ParameterProblem ? 'other-error' : undefined;
  if (kind === undefined) return undefined;
  const quoted = icmp + ICMP_HEADER_LEN;
  if (b.length < quoted + IPV4_HEADER_LEN || b.readUInt8(quoted) >> 4 !== 4 || b.readUInt8(quoted + 9) !== PROTOCOL_ICMP) return undefined;
  const echo = quoted + (b.readUInt8(quoted) & 0x0f) * 4;
  if (b.length < echo + ICMP_HEADER_LEN || b.readUInt8(echo) !== IcmpType.EchoRequest) return undefined;
  return { kind, type, code, identifier: b.readUInt16BE(echo + 4), sequence: b.readUInt16BE(echo + 6) };
}
