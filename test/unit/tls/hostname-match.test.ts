import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { hostnameMatches, normalizeHostname } from '../../../src/probe/tls/hostname-match.js';

describe('hostnameMatches (RFC 6125 §6.4.3)', () => {
  it.each([
    ['mail.example.com', 'mail.example.com', true],
    ['MAIL.example.COM', 'mail.example.com.', true],
    ['*.example.com', 'mail.example.com', true],
    ['*.example.com', 'example.com', false], // not the bare parent
    ['*.example.com', 'a.b.example.com', false], // one label only
    ['w*.example.com', 'www.example.com', false], // no partial wildcard
    ['*w.example.com', 'www.example.com', false],
    ['www.*.com', 'www.example.com', false], // left-most label only
    ['*.*.example.com', 'a.b.example.com', false],
    ['*.com', 'example.com', false], // at least two labels after the wildcard
    ['*', 'localhost', false],
    ['*.example.com', 'xn--bcher-kva.example.com', false], // never into an A-label
    ['xn--bcher-kva.example.com', 'bücher.example.com', true], // U-label host compared as A-label
    ['', 'example.com', false],
  ])('%s vs %s → %s', (pattern, host, want) => {
    expect(hostnameMatches(pattern, host)).toBe(want);
  });

  it('an exact name always matches itself, in any case, with or without the final dot', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 5 }), fc.boolean(), (labels, dot) => {
      const host = labels.join('.');
      return hostnameMatches(host.toUpperCase(), dot ? `${host}.` : host);
    }));
  });

  it('a wildcard matches exactly the hosts one label below its parent', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(fc.property(fc.array(label, { minLength: 2, maxLength: 4 }), fc.array(label, { minLength: 0, maxLength: 3 }), (parent, prefix) => {
      const host = [...prefix, ...parent].join('.');
      return hostnameMatches(`*.${parent.join('.')}`, host) === (prefix.length === 1);
    }));
  });

  it('normalizes to lower-case A-labels without the final dot', () => {
    expect(normalizeHostname('Bücher.Example.')).toBe('xn--bcher-kva.example');
  });
});
