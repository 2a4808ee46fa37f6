/**
 * ICMPv6 messages as a router or the destination would send them back to a raw socket, for the
 * IPv6 pinger's tests: built here byte by byte from RFC 4443, independently of the code under
 * test. A raw ICMPv6 socket receives from the ICMPv6 header on (no IPv6 header), so do these.
 */

/** A 40-byte IPv6 header (RFC 8200 §3) as our echo request left with it, quoted by errors. */
export function ipv6Header(payloadLength: number, nextHeader = 58, version = 6): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE((version << 28) >>> 0, 0);
  h.writeUInt16BE(payloadLength, 4);
  h.writeUInt8(nextHeader, 6);
  h.writeUInt8(1, 7); // hop limit, as it expired
  Buffer.from('fd00021300000000000000000000000a', 'hex').copy(h, 8); // source fd00:213::a
  Buffer.from('fd00021300030000000000000000000b', 'hex').copy(h, 24); // destination fd00:213:3::b
  return h;
}

/** echoReply: the destination's answer (RFC 4443 §4.2): type 129, the request's identifier, sequence and data. */
export function echoReply(request: Buffer): Buffer {
  const r = Buffer.from(request);
  r.writeUInt8(129, 0);
  r.writeUInt16BE(0x1d2c, 2); // some checksum: the kernel checked it, we do not
  return r;
}

/** errorQuoting: an ICMPv6 error (RFC 4443 §3) of `type`/`code` quoting `quoted` after its 8-byte header. */
export function errorQuoting(type: number, code: number, quoted: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt8(type, 0);
  head.writeUInt8(code, 1);
  head.writeUInt16BE(0xbeef, 2);
  return Buffer.concat([head, quoted]);
}

/** timeExceeded: a router's hop-limit-exceeded answer (type 3 code 0) quoting our request with its IPv6 header. */
export function timeExceeded(request: Buffer): Buffer {
  return errorQuoting(3, 0, Buffer.concat([ipv6Header(request.length), request]));
}

/** unreachable: destination unreachable (type 1; code 3 address unreachable by default) quoting our request. */
export function unreachable(request: Buffer, code = 3): Buffer {
  return errorQuoting(1, code, Buffer.concat([ipv6Header(request.length), request]));
}

/** request: an echo request framed by hand (type 128), as someone else's ping would send it. */
export function request(identifier: number, sequence: number, data = 'ping'): Buffer {
  const b = Buffer.alloc(8 + data.length);
  b.writeUInt8(128, 0);
  b.writeUInt16BE(identifier, 4);
  b.writeUInt16BE(sequence, 6);
  b.write(data, 8, 'latin1');
  return b;
}
