import { NetPingSessions } from '../probe/path/net-ping-pinger.js';
import type { PingerSource } from '../probe/path/pinger.js';
import { probeTarget } from '../all-addresses.js';
import { TokenCache } from '../oauth/token-cache.js';
import { TrustStoreCache } from '../probe/tls/trust-store.js';
import type { ProbeFn } from './runner.js';

/**
 * sharedProbe: the probe a long-lived caller (`run`, `serve`, each probe worker) makes many of —
 * every target's one Report (every address with `allAddresses`), sharing for the caller's
 * lifetime one parsed trust store per distinct --ca set, one OAuth token per credential and one
 * set of ICMP sessions (one raw socket per address family, no echo identifier shared by two
 * probes). A probe worker passes the main thread's ICMP sessions and token cache, relayed.
 */
export function sharedProbe(perHost: number, shared: { pingers?: PingerSource; tokens?: TokenCache } = {}): ProbeFn {
  const trustStores = new TrustStoreCache();
  const pingers = shared.pingers ?? new NetPingSessions();
  const tokens = shared.tokens ?? new TokenCache();
  return (target, opts) => probeTarget(target, { signal: opts.signal, trustStores, tokens, pingers, perHost, ...(opts.authHold ? { authHold: opts.authHold } : {}) });
}
