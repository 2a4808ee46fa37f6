import { describe, expect, it } from 'vitest';
import { decodeText } from '../../../src/config/text-file.js';

const text = 'Ünïcode line 1\nline 2 — 💌\n';
const crlf = text.replace(/\n/g, '\r\n');
const be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

describe('decodeText', () => {
  it.each([
    ['UTF-8', Buffer.from(text, 'utf8')],
    ['UTF-8, CRLF', Buffer.from(crlf, 'utf8')],
    ['UTF-8 with BOM, CRLF', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf, 'utf8')])],
    ['UTF-16 LE with BOM, CRLF (PowerShell 5.1 `>`)', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(crlf, 'utf16le')])],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be(text)])],
  ])('%s reads as the same text, LF line ends, no mark', (_name, bytes) => {
    expect(decodeText(bytes)).toBe(text);
  });

  it('an odd trailing byte of UTF-16 BE is dropped, not a crash', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be('ab'), Buffer.from([0x41])]))).toBe('ab');
  });

  it('a lone CR inside a line is kept (only CRLF line ends are changed)', () => {
    expect(decodeText(Buffer.from('a\rb\r\n'))).toBe('a\rb\n');
  });
});
