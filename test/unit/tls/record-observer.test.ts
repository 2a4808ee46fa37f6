import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ServerFlightObserver } from '../../../src/probe/tls/record-observer.js';

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const record = (type: number, body: Buffer, version = 0x0303): Buffer => Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
const handshake = (msgType: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([msgType]), u24(body.length), body]);

/** serverHello: RFC 8446 §4.1.3 layout; `selected` adds supported_versions. */
function serverHello(legacy: number, selected?: number): Buffer {
  const ext = selected === undefined ? Buffer.alloc(0) : Buffer.concat([u16(43), u16(2), u16(selected)]);
  return handshake(2, Buffer.concat([u16(legacy), Buffer.alloc(32, 7), Buffer.from([0]), u16(0x1301), Buffer.from([0]), u16(ext.length), ext]));
}

describe('ServerFlightObserver', () => {
  it('TLS 1.3: version from supported_versions, nothing readable after', () => {
    const o = new ServerFlightObserver();
    o.push(Buffer.concat([record(22, serverHello(0x0303, 0x0304)), record(20, Buffer.from([1])), record(23, Buffer.alloc(40))]));
    expect(o.version).toBe('TLSv1.3');
    expect(o.certificateRequested).toBe(false);
    expect(o.notTls).toBeUndefined();
  });

  it('TLS 1.2: certificates as sent and a CertificateRequest, even when records arrive byte by byte', () => {
    const certs = [Buffer.from('leaf-der'), Buffer.from('intermediate-der')];
    const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
    const flight = Buffer.concat([
      record(22, serverHello(0x0303)),
      record(22, Buffer.concat([handshake(11, Buffer.concat([u24(list.length), list])), handshake(13, Buffer.from([1, 1, 0, 0, 0, 0]))])),
      record(22, handshake(14, Buffer.alloc(0))),
    ]);
    const o = new ServerFlightObserver();
    for (const b of flight) o.push(Buffer.from([b]));
    expect(o.version).toBe('TLSv1.2');
    expect(o.certificates?.map((c) => c.toString())).toEqual(['leaf-der', 'intermediate-der']);
    expect(o.certificateRequested).toBe(true);
  });

  it('a handshake message split over two records', () => {
    const hello = serverHello(0x0302);
    const o = new ServerFlightObserver();
    o.push(Buffer.concat([record(22, hello.subarray(0, 10)), record(22, hello.subarray(10))]));
    expect(o.version).toBe('TLSv1.1');
  });

  it('a clear-text alert', () => {
    const o = new ServerFlightObserver();
    o.push(record(21, Buffer.from([2, 70]), 0x0301));
    expect(o.alert).toEqual([2, 70]);
  });

  it('plaintext SMTP is not TLS', () => {
    const o = new ServerFlightObserver();
    o.push(Buffer.from('220 mail.example.test ESMTP\r\n'));
    expect(o.notTls?.toString()).toBe('220 mail.example.test ESMTP\r\n');
  });

  it('malformed lengths never throw', () => {
    const o = new ServerFlightObserver();
    expect(() => o.push(record(22, Buffer.concat([handshake(2, Buffer.alloc(3)), handshake(11, Buffer.from([0xff, 0xff, 0xff, 0, 0, 1]))])))).not.toThrow();
  });

  it('never throws on arbitrary bytes, in any chunking', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.boolean(), (chunks, tlsLike) => {
      const o = new ServerFlightObserver();
      if (tlsLike) o.push(Buffer.from([22, 3, 3]));
      for (const c of chunks) o.push(Buffer.from(c));
      return true;
    }));
  });
});
