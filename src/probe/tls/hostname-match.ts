import { domainToASCII } from 'node:url';

/**
 * normalizeHostname: the reference identifier as compared — A-label form (RFC 5890), lower
 * case, without a trailing dot (RFC 6125 §6.4.1: case-insensitive, absolute names compare equal).
 */
export function normalizeHostname(name: string): string {
  const absolute = name.replace(/\.$/, '');
  // domainToASCII returns '' for names WHATWG URL rejects (e.g. a numeric last label); such a
  // name cannot hold a U-label, so it is compared as it is.
  return (domainToASCII(absolute) || absolute).toLowerCase();
}

/**
 * hostnameMatches: whether a DNS-ID `pattern` from a certificate matches `host`, by RFC 6125
 * §6.4.3 as browsers and OpenSSL apply it:
 * - a wildcard is allowed only as the whole left-most label (`*.example.com`; no `w*.example.com`,
 *   no `www.*.com`);
 * - it matches exactly one non-empty label, so `*.example.com` does not match `example.com`
 *   (the bare parent) nor `a.b.example.com`;
 * - it needs at least two labels after it (`*.com` matches nothing);
 * - it never matches into an A-label (`xn--...`) of the host (§6.4.3 bullet 3, IDN).
 */
export function hostnameMatches(pattern: string, host: string): boolean {
  const p = normalizeHostname(pattern);
  const h = normalizeHostname(host);
  if (p.length === 0 || h.length === 0) return false;
  if (!p.includes('*')) return p === h;
  const pLabels = p.split('.');
  const hLabels = h.split('.');
  if (pLabels[0] !== '*') return false; // partial or non-left-most wildcard
  if (pLabels.slice(1).some((l) => l.includes('*') || l.length === 0)) return false;
  if (pLabels.length < 3) return false;
  if (hLabels.length !== pLabels.length) return false;
  const first = hLabels[0] as string;
  if (first.length === 0 || first.startsWith('xn--')) return false;
  return hLabels.slice(1).join('.') === pLabels.slice(1).join('.');
}
