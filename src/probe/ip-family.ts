import { isIPv4, isIPv6 } from 'node:net';

/**
 * ipFamily: 4 or 6 for an IP literal, 0 for anything else — net.isIP's answer, without running
 * Node's IPv6 pattern on a string that cannot be IPv6 (it has no colon). That pattern is large
 * and compiled on first use: ~3 ms of every `smtprobe check`, spent on '127.0.0.1' or a host name.
 */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (s.includes(':')) return isIPv6(s) ? 6 : 0;
  return isIPv4(s) ? 4 : 0;
}
