import { isIP } from 'node:net';
import { TARGET_DEFAULTS, type PathTarget } from '../model/target.js';

/** PathTargetOptions: the `smtprobe path` flags that shape the PathTarget, already validated. */
export interface PathTargetOptions {
  pathCount: number;
  pathMaxHops: number;
  pathIntervalMs: number;
  totalMs: number;
  names: boolean;
  dnsServer?: string;
  /** Local address every probe leaves from (--source-address); it also fixes the family. */
  sourceAddress?: string;
}

/**
 * pathTarget: what `smtprobe path HOST` measures — the host and the path settings, nothing
 * SMTP. Throws (a message naming the flag) for a source address that is no IP address, or of
 * the other family than a literal host.
 */
export function pathTarget(host: string, o: PathTargetOptions): PathTarget {
  const connectivity: PathTarget['connectivity'] = {
    icmp: 'off',
    icmpCount: 0,
    path: true,
    pathCount: o.pathCount,
    pathMaxHops: o.pathMaxHops,
    pathIntervalMs: o.pathIntervalMs,
    pathNames: o.names,
  };
  if (o.dnsServer !== undefined) connectivity.dnsServer = o.dnsServer;
  if (o.sourceAddress !== undefined) {
    const family = isIP(o.sourceAddress);
    if (family === 0) throw new Error(`--source-address must be an IPv4 or IPv6 address of this host, got "${o.sourceAddress}"`);
    const literal = isIP(host);
    if (literal !== 0 && literal !== family) throw new Error(`--source-address ${o.sourceAddress} is an IPv${family} address, but the host ${host} is IPv${literal}`);
    connectivity.sourceAddress = o.sourceAddress;
    // Only the source's family can leave from it: the host name's other records are not probed.
    connectivity.addressFamily = family === 6 ? 6 : 4;
  }
  return {
    name: host,
    host,
    timeouts: { totalMs: o.totalMs, phaseMs: Math.min(TARGET_DEFAULTS.phaseTimeoutS * 1000, o.totalMs) },
    connectivity,
  };
}
