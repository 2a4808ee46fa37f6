import { isIP } from 'node:net';

/**
 * isLoopbackHost: 127.0.0.0/8, ::1 or "localhost". Plain HTTP to a token endpoint is allowed
 * only there, since a token or client secret sent in clear anywhere else can be read on the way.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}
