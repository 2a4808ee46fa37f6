import type { EchoOutcome, EchoRequest, OpenPinger, Pinger } from '../../../src/probe/path/pinger.js';

/** LossPattern: deterministic loss — the n-th event (from 0) is dropped when (n + offset) % every < drop. */
export interface LossPattern {
  drop: number;
  every: number;
  offset?: number;
}

/** FakeHop: one router of a simulated route. */
export interface FakeHop {
  address: string;
  /** Never answers anything addressed to or expiring at it (but forwards). */
  silent?: boolean;
  /** Drops `drop` of every `every` of its own answers (echo replies, time-exceeded). */
  ownLoss?: LossPattern;
  /** Drops `drop` of every `every` packets it forwards onwards. */
  forwardLoss?: LossPattern;
  /** Answers destination unreachable instead of forwarding. */
  rejects?: boolean;
  /** Silently drops everything it would forward. */
  blackhole?: boolean;
  rttMs?: number;
}

export interface FakeRoute {
  hops: FakeHop[];
  destination: string;
  /** The destination does not answer echo requests. */
  destinationSilent?: boolean;
  /** Every send fails locally (no route from this host). */
  sendError?: string;
}

function dropper(spec: LossPattern | undefined): () => boolean {
  let n = 0;
  return () => (spec ? (n++ + (spec.offset ?? 0)) % spec.every < spec.drop : false);
}

/**
 * fakeNetwork simulates a route for a Pinger: TTL expiry at routers (time-exceeded from the
 * router), echo to a router's own address, forwarding loss, unreachable and blackholes.
 * Answers and timeouts come back after a few milliseconds, so tests never wait long.
 */
export function fakeNetwork(route: FakeRoute): { open: OpenPinger; sent: EchoRequest[] } {
  const sent: EchoRequest[] = [];
  const own = route.hops.map((h) => dropper(h.ownLoss));
  const fwd = route.hops.map((h) => dropper(h.forwardLoss));
  const answer = (o: EchoOutcome, delay = 1): Promise<EchoOutcome> => new Promise((r) => setTimeout(() => r(o), delay));
  const timeout = (): Promise<EchoOutcome> => answer({ kind: 'timeout' }, 3);

  const echo = (req: EchoRequest): Promise<EchoOutcome> => {
    sent.push(req);
    if (route.sendError) return answer({ kind: 'error', message: route.sendError }, 0);
    let ttl = req.ttl ?? 64;
    for (let i = 0; i < route.hops.length; i++) {
      const hop = route.hops[i] as FakeHop;
      const rttMs = hop.rttMs ?? (i + 1) * 0.5;
      if (req.address === hop.address) {
        if (hop.silent || own[i]!()) return timeout();
        return answer({ kind: 'reply', from: hop.address, rttMs });
      }
      ttl--;
      if (ttl <= 0) {
        if (hop.silent || own[i]!()) return timeout();
        return answer({ kind: 'time-exceeded', from: hop.address, rttMs });
      }
      if (hop.rejects) return answer({ kind: 'unreachable', from: hop.address, rttMs });
      if (hop.blackhole || fwd[i]!()) return timeout();
    }
    if (req.address !== route.destination || route.destinationSilent) return timeout();
    return answer({ kind: 'reply', from: route.destination, rttMs: (route.hops.length + 1) * 0.5 });
  };
  const pinger: Pinger = { family: 4, echo, close: () => undefined };
  return { open: () => ({ ok: true, pinger }), sent };
}

/** notPermitted: a pinger factory that fails like an unprivileged raw socket. */
export const notPermitted: OpenPinger = () => ({ ok: false, notPermitted: true, message: 'raw ICMP socket not permitted (Operation not permitted)' });
