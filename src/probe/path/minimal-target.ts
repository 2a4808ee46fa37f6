import { TARGET_DEFAULTS, type Target } from '../../model/target.js';

/** MinimalTargetOptions: the `smtprobe path` flags that shape the Target. */
export interface MinimalTargetOptions {
  pathCount: number;
  pathMaxHops: number;
  pathIntervalMs: number;
  totalMs: number;
  names: boolean;
  dnsServer?: string;
}

/**
 * minimalTarget: the Target `smtprobe path` needs — only the host and the connectivity
 * settings matter; the SMTP fields hold inert defaults (port 25 is never connected to).
 */
export function minimalTarget(host: string, o: MinimalTargetOptions): Target {
  const connectivity: Target['connectivity'] = {
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
    port: 25,
    tls: 'none',
    tlsVerify: 'none',
    ca: [],
    caFiles: [],
    tlsScan: false,
    certWarnDays: TARGET_DEFAULTS.certWarnDays,
    certCritDays: TARGET_DEFAULTS.certCritDays,
    ehlo: 'localhost',
    auth: 'none',
    allowPlaintextAuth: false,
    rcpt: [],
    client: 'generic',
    timeouts: { totalMs: o.totalMs, phaseMs: Math.min(TARGET_DEFAULTS.phaseTimeoutS * 1000, o.totalMs) },
    connectivity,
    labels: {},
  };
}
