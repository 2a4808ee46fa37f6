import { describe, expect, it } from 'vitest';
import { diffCapabilities, parseCapabilities } from '../../../src/probe/smtp/capabilities.js';
import type { SmtpReply } from '../../../src/model/step-data.js';

const ehlo = (...lines: string[]): SmtpReply => ({ code: 250, lines });

describe('parseCapabilities', () => {
  it('parses a Postfix EHLO reply', () => {
    const caps = parseCapabilities(ehlo('mx.example.net', 'PIPELINING', 'SIZE 10240000', 'VRFY', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING'));
    expect(caps.domain).toBe('mx.example.net');
    expect(caps.starttls).toBe(true);
    expect(caps.size).toBe(10240000);
    expect(caps.auth).toEqual([]);
    expect(caps.authLegacy).toEqual([]);
    expect(Object.keys(caps.keywords)).toEqual(['PIPELINING', 'SIZE', 'VRFY', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING']);
    expect(caps.keywords.SIZE).toEqual(['10240000']);
  });

  it('takes the first token of the greeting line as the domain', () => {
    expect(parseCapabilities(ehlo('smtp.office365.com Hello [192.0.2.1]')).domain).toBe('smtp.office365.com');
    expect(parseCapabilities({ code: 250, lines: [] }).domain).toBe('');
  });

  it('reads AUTH mechanisms upper-cased, in order, merging duplicate lines', () => {
    const caps = parseCapabilities(ehlo('x', 'auth plain login', 'AUTH LOGIN CRAM-MD5', 'AUTH  XOAUTH2'));
    expect(caps.auth).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);
    expect(caps.keywords.AUTH).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']);
  });

  it('keeps the legacy AUTH= line apart: authLegacy only, never auth', () => {
    const caps = parseCapabilities(ehlo('x', 'AUTH=LOGIN PLAIN'));
    expect(caps.auth).toEqual([]);
    expect(caps.authLegacy).toEqual(['LOGIN', 'PLAIN']);
    expect(caps.keywords['AUTH=']).toEqual(['LOGIN', 'PLAIN']);
  });

  it('reads both forms when a server sends both', () => {
    const caps = parseCapabilities(ehlo('x', 'AUTH PLAIN LOGIN', 'AUTH=PLAIN LOGIN'));
    expect(caps.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(caps.authLegacy).toEqual(['PLAIN', 'LOGIN']);
  });

  it('tolerates garbage, blank and duplicate lines', () => {
    const caps = parseCapabilities(ehlo('x', '', '   ', 'SIZE 100', 'SIZE 200', '!!bogus', 'XXXXXXXA', 'starttls', '\u0000\u0001', 'SIZE'));
    expect(caps.size).toBe(100);
    expect(caps.starttls).toBe(true);
    expect(Object.keys(caps.keywords)).toEqual(['SIZE', 'XXXXXXXA', 'STARTTLS']);
  });

  it('leaves size unset for SIZE without a number', () => {
    expect(parseCapabilities(ehlo('x', 'SIZE')).size).toBeUndefined();
    expect(parseCapabilities(ehlo('x', 'SIZE 0')).size).toBe(0);
  });

  it('skips mechanisms that are not SASL names', () => {
    expect(parseCapabilities(ehlo('x', 'AUTH PLAIN L@GIN GSSAPI')).auth).toEqual(['PLAIN', 'GSSAPI']);
  });
});

describe('diffCapabilities', () => {
  const before = parseCapabilities(ehlo('x', 'PIPELINING', 'SIZE 10240000', 'STARTTLS', 'AUTH=LOGIN'));
  const after = parseCapabilities(ehlo('x', 'PIPELINING', 'SIZE 35882577', 'AUTH PLAIN LOGIN'));

  it('lists added, removed and changed keywords, with AUTH mechanisms shown', () => {
    expect(diffCapabilities(before, after)).toEqual({
      added: ['AUTH PLAIN LOGIN'],
      removed: ['STARTTLS', 'AUTH=LOGIN'],
      changed: ['SIZE'],
    });
  });

  it('shows a changed AUTH line in its after form, ignoring order', () => {
    const a = parseCapabilities(ehlo('x', 'AUTH LOGIN'));
    const b = parseCapabilities(ehlo('x', 'AUTH PLAIN LOGIN'));
    const c = parseCapabilities(ehlo('x', 'AUTH LOGIN PLAIN'));
    expect(diffCapabilities(a, b).changed).toEqual(['AUTH PLAIN LOGIN']);
    expect(diffCapabilities(b, c)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('treats a missing side as empty', () => {
    expect(diffCapabilities(undefined, after).added).toEqual(['PIPELINING', 'SIZE', 'AUTH PLAIN LOGIN']);
    expect(diffCapabilities(before, undefined).removed).toEqual(['PIPELINING', 'SIZE', 'STARTTLS', 'AUTH=LOGIN']);
    expect(diffCapabilities(undefined, undefined)).toEqual({ added: [], removed: [], changed: [] });
  });
});
