import { TARGET_DEFAULTS, type PathTarget } from '../model/target.js';

/** PathTargetOptions: the `smtprobe path` flags that shape the PathTarget, already validated. */
export interface PathTargetOptions {
  pathCount: number;
  pathMaxHops: number;
  pathIntervalMs: number;
  totalMs: number;
  names: boolean;
  dnsServer?: string;
}

/** pathTarget: what `smtprobe path HOST` measures — the host and the path settings, nothing SMTP. */
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
  return {
    name: host,
    host,
    timeouts: { totalMs: o.totalMs, phaseMs: Math.min(TARGET_DEFAULTS.phaseTimeoutS * 1000, o.totalMs) },
    connectivity,
  };
}
