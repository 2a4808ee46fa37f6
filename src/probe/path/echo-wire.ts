import type { RawSocket, RawSocketModule } from './icmp-backend.js';
import { echoRequestV4WithHeader, parseIcmpv4Answer, type IcmpAnswer } from './icmpv4-packet.js';
import { echoRequestV6, echoRequestV6WithHeader, parseIcmpv6Answer } from './icmpv6-packet.js';

/**
 * EchoWire: how one kind of raw socket frames ICMP echo requests and reads their answers, so
 * the same session code (Icmpv6Sessions, icmpv6-pinger.ts) serves the kernel-framed ICMPv6
 * echo and the echoes that must leave from a given source address.
 */
export interface EchoWire {
  readonly family: 4 | 6;
  /** Opens and configures the raw socket; throws as raw-socket's createSocket does. */
  open(raw: RawSocketModule): RawSocket;
  /** The bytes of one echo request to `address`, handed to the socket's send. */
  request(address: string, hopLimit: number, identifier: number, sequence: number): Buffer;
  /** Sets the hop limit on the socket just before a request is written, when the packet does not carry it. */
  setHopLimit?(socket: RawSocket, raw: RawSocketModule, hopLimit: number): void;
  /** Reads one received datagram; undefined when it answers no echo request. */
  parse(msg: Buffer): IcmpAnswer | undefined;
}

/** kernelIcmpv6Wire: ICMPv6 echo where the kernel writes the IPv6 header (and picks the source address). */
export const kernelIcmpv6Wire: EchoWire = {
  family: 6,
  open: (raw) => raw.createSocket({ protocol: raw.Protocol.ICMPv6, addressFamily: raw.AddressFamily.IPv6 }),
  request: (_address, _hopLimit, identifier, sequence) => echoRequestV6(identifier, sequence),
  setHopLimit: (socket, raw, hopLimit) => socket.setOption(raw.SocketLevel.IPPROTO_IPV6, raw.SocketOption.IPV6_UNICAST_HOPS, hopLimit),
  parse: parseIcmpv6Answer,
};

/**
 * Linux's IPV6_HDRINCL (linux/in6.h, since Linux 4.5): raw-socket names the constant only
 * where Windows defines it, but its setOption takes any option number.
 */
const LINUX_IPV6_HDRINCL = 36;

/**
 * sourceBoundWire: echoes that leave from `source`. raw-socket has no bind(), and binding to a
 * device (SO_BINDTODEVICE) picks an interface, not an address; so the IP header is ours
 * (IP_HDRINCL, IPV6_HDRINCL) with `source` written in it. Linux only: macOS wants parts of a
 * header-included IPv4 packet in host byte order and has no IPV6_HDRINCL, and Windows restricts
 * raw sends; there the answer says why, and the caller uses the system ping's own source
 * option or reports that it cannot measure from that address.
 *
 * The kernel sends a header-included packet whatever its source, even one this host does not
 * have: callers check the address first (sourceAddressProblem, source-address.ts).
 */
export function sourceBoundWire(family: 4 | 6, source: string, platform: NodeJS.Platform = process.platform): EchoWire | { unsupported: string } {
  if (platform !== 'linux') return { unsupported: `sending raw ICMP from a chosen source address is implemented for Linux only (this is ${platform})` };
  if (family === 4) {
    return {
      family: 4,
      open: (raw) => withHeaderIncluded(raw.createSocket({ protocol: raw.Protocol.ICMP, addressFamily: raw.AddressFamily.IPv4 }), raw.SocketLevel.IPPROTO_IP, raw.SocketOption.IP_HDRINCL),
      request: (address, hopLimit, identifier, sequence) => echoRequestV4WithHeader(source, address, hopLimit, identifier, sequence),
      parse: parseIcmpv4Answer,
    };
  }
  return {
    family: 6,
    open: (raw) => withHeaderIncluded(raw.createSocket({ protocol: raw.Protocol.ICMPv6, addressFamily: raw.AddressFamily.IPv6 }), raw.SocketLevel.IPPROTO_IPV6, LINUX_IPV6_HDRINCL),
    request: (address, hopLimit, identifier, sequence) => echoRequestV6WithHeader(source, address, hopLimit, identifier, sequence),
    parse: parseIcmpv6Answer,
  };
}

/** withHeaderIncluded: the socket, told that the packets written to it carry their IP header; closed if it refuses. */
function withHeaderIncluded(socket: RawSocket, level: number, option: number): RawSocket {
  try {
    socket.setOption(level, option, 1);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
