import { describe, expect, it } from 'vitest';
import { sniffNonSmtp } from '../../../src/probe/smtp/sniff.js';

describe('sniffNonSmtp', () => {
  it('passes an SMTP greeting, even a rejecting one', () => {
    expect(sniffNonSmtp(Buffer.from('220 mx.example.net ESMTP\r\n'))).toBeUndefined();
    expect(sniffNonSmtp(Buffer.from('554 5.7.1 go away\r\n'))).toBeUndefined();
    expect(sniffNonSmtp(Buffer.from('22'))).toBeUndefined();
    expect(sniffNonSmtp(Buffer.alloc(0))).toBeUndefined();
  });

  it('recognises a TLS handshake or alert record', () => {
    expect(sniffNonSmtp(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe('tls');
    expect(sniffNonSmtp(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02]))).toBe('tls');
    expect(sniffNonSmtp(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))).toBe('tls');
    expect(sniffNonSmtp(Buffer.from([0x16]))).toBe('tls');
  });

  it('does not call 0x16 0x03 0x09 a TLS record', () => {
    expect(sniffNonSmtp(Buffer.from([0x16, 0x03, 0x09, 0x00, 0x01, 0x02]))).toBe('binary');
  });

  it('recognises HTTP and HTML', () => {
    expect(sniffNonSmtp(Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n'))).toBe('http');
    expect(sniffNonSmtp(Buffer.from('<!DOCTYPE html><html>'))).toBe('http');
    expect(sniffNonSmtp(Buffer.from('  <html><body>'))).toBe('http');
  });

  it('calls mostly non-printable bytes binary', () => {
    expect(sniffNonSmtp(Buffer.from([0x00, 0x00, 0x00, 0x2a, 0x0a, 0x05, 0x35, 0x2e, 0x37]))).toBe('binary');
  });

  it('leaves other text protocols to the reply parser', () => {
    expect(sniffNonSmtp(Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n'))).toBeUndefined();
    expect(sniffNonSmtp(Buffer.from('+OK POP3 ready\r\n'))).toBeUndefined();
    expect(sniffNonSmtp(Buffer.from('Grüße aus Köln\r\n', 'utf8'))).toBeUndefined();
  });
});
