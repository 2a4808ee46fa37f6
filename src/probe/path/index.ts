/** The path (pathping) analysis: route discovery, concurrent per-hop measurement, loss split. */
export { pathStep, createPathStep, sampleTimeoutMs, PATH_DEFAULTS } from './path-step.js';
export type { Pinger, EchoOutcome, EchoRequest, OpenPinger, PingerOpenResult } from './pinger.js';
export { ICMP_PERMISSION_FIX } from './pinger.js';
export { openNetPingPinger } from './net-ping-pinger.js';
export { pathSteps } from './probe-path.js';
