/**
 * Pinger: the one capability the ICMP and path steps need from the network — send an ICMP
 * echo request (optionally TTL-limited) and learn what came back. The real implementations
 * use raw sockets: net-ping for IPv4 (net-ping-pinger.ts), our own ICMPv6 echo on raw-socket
 * for IPv6 (icmpv6-pinger.ts); tests use a fake.
 */

/** EchoRequest: one ICMP echo request. */
export interface EchoRequest {
  address: string;
  /** IP TTL / IPv6 hop limit; omitted = the system default. */
  ttl?: number;
  /** How long to wait for an answer before counting the sample lost. */
  timeoutMs: number;
}

/**
 * EchoOutcome: what answered an echo request. `from` is the address that sent the ICMP
 * message (the router for time-exceeded and unreachable, RFC 792).
 */
export type EchoOutcome =
  | { kind: 'reply'; from: string; rttMs: number }
  | { kind: 'time-exceeded'; from: string; rttMs: number }
  | { kind: 'unreachable'; from: string; rttMs: number }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

/** Pinger sends echo requests of one address family. Never rejects: failures are outcomes. */
export interface Pinger {
  readonly family: 4 | 6;
  echo(req: EchoRequest): Promise<EchoOutcome>;
  /** close releases the socket; outstanding requests still end (reply, ICMP error or timeout), later echoes are errors. */
  close(): void;
}

/**
 * sharedPinger: one user's handle on a run's shared ICMP socket — echoes go through `echo`
 * until the handle is closed (later ones are errors); `release` runs once, on the first close.
 */
export function sharedPinger(family: 4 | 6, echo: (req: EchoRequest) => Promise<EchoOutcome>, release: () => void): Pinger {
  let closed = false;
  return {
    family,
    echo: (req) => (closed ? Promise.resolve({ kind: 'error', message: 'pinger closed' }) : echo(req)),
    close: () => {
      if (closed) return;
      closed = true;
      release();
    },
  };
}

/**
 * PingerOpenResult: a pinger, or why none could be opened: no raw-socket privilege
 * (`notPermitted`), the optional raw-socket backend is not installed (`notInstalled`), or it
 * cannot send from the asked source address on this platform (`sourceUnsupported`).
 */
export type PingerOpenResult =
  | { ok: true; pinger: Pinger }
  | { ok: false; notPermitted: boolean; notInstalled?: boolean; sourceUnsupported?: boolean; message: string };

/**
 * OpenPinger: the factory steps take, so tests can inject a fake network. With `source`, every
 * echo of the pinger must leave from that local address; a factory that cannot do that fails
 * the open instead of sending from another one.
 */
export type OpenPinger = (family: 4 | 6, source?: string) => PingerOpenResult;

export { ICMP_PERMISSION_FIX } from '../../model/icmp-permission.js';

/**
 * PingerSource: where a probe gets its pinger — a run's shared ICMP sessions (one raw socket per
 * address family for the whole run), put in the step context's `state.pingers` by the caller.
 */
export interface PingerSource {
  open: OpenPinger;
}

/** pingerFor: the run's shared pinger source when the context has one, else `fallback` (one probe alone). */
export function pingerFor(state: Record<string, unknown>, fallback: OpenPinger): OpenPinger {
  const source = state.pingers as PingerSource | undefined;
  return source ? (family, from) => source.open(family, from) : fallback;
}
