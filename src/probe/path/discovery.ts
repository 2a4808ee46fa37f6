import type { Clock } from '../../model/deadline.js';
import type { EchoOutcome, Pinger } from './pinger.js';

/** DiscoveredHop: what answered the TTL-limited probes for one TTL. */
export interface DiscoveredHop {
  ttl: number;
  /** null when no probe with this TTL was answered. */
  address: string | null;
  /** Round trip of the first answer (time-exceeded or echo reply), ms. */
  rttMs?: number;
  /** Probes sent with this TTL. */
  probes: number;
  /** This hop is the destination (it sent the echo reply). */
  destination?: boolean;
  /** This hop sent ICMP destination unreachable for the target. */
  unreachable?: boolean;
}

/** RouteDiscovery: the hops in TTL order and how the route ended. */
export interface RouteDiscovery {
  hops: DiscoveredHop[];
  reached: boolean;
  /** The hop that answered destination unreachable: its TTL in `hops` and address. */
  unreachable?: { ttl: number; address: string };
  /** Set when the local host could not send at all (e.g. no route: ENETUNREACH). */
  sendError?: string;
}

/** DiscoveryOptions: limits and pacing of route discovery. */
export interface DiscoveryOptions {
  maxHops: number;
  /** Probes per TTL at most (the first answer ends a TTL). */
  attempts: number;
  /** Gap between retry rounds, ms. */
  retryGapMs: number;
  /** Wait for each probe's answer, ms. */
  timeoutMs: number;
  /**
   * Extra rounds, after `attempts`, for holes: silent TTLs below a TTL that answered. A
   * router that drops half its ICMP stays silent through 3 probes one run in eight; asking
   * again (as mtr keeps asking every TTL) finds it. Default 0.
   */
  lateAttempts?: number;
  /** Gap between late rounds, ms: about the refill time of a router's ICMP rate limit. */
  lateGapMs?: number;
  clock: Clock;
  signal: AbortSignal;
}

/** DISCOVERY_DEFAULTS: 3 probes per TTL, 250 ms apart, 1 s to answer; holes asked 5 more times, 1 s apart. */
export const DISCOVERY_DEFAULTS = { attempts: 3, retryGapMs: 250, timeoutMs: 1000, lateAttempts: 5, lateGapMs: 1000 } as const;

interface Answer {
  kind: 'reply' | 'time-exceeded' | 'unreachable';
  from: string;
  rttMs: number;
}

/**
 * discoverRoute finds the hops to `address` with TTL-limited echo requests (RFC 792: a router
 * that decrements TTL to zero answers time-exceeded from its own address).
 *
 * All TTLs go out at once rather than hop after hop, so discovery takes one round trip when
 * every hop answers. TTLs still unanswered are retried in later rounds (`retryGapMs` apart):
 * each router sees at most `attempts` probes, inside the burst that Linux's time-exceeded
 * limiter allows (icmp_ratelimit: a token bucket of 6 messages, then one per second per
 * destination), so a rate limit cannot hide a hop here. Holes — silent TTLs below one that
 * answered — are then asked `lateAttempts` more times, `lateGapMs` apart (the limiter's refill
 * pace), so a router that drops some of its ICMP is still found. The route ends at the lowest
 * TTL that got an echo reply (the destination) or a destination unreachable.
 */
export function discoverRoute(pinger: Pinger, address: string, opts: DiscoveryOptions): Promise<RouteDiscovery> {
  const { clock, signal, maxHops } = opts;
  const answers = new Map<number, Answer>();
  const probes = new Map<number, number>();
  let terminalTtl = Infinity;
  let outstanding = 0;
  let round = 0;
  let sendError: string | undefined;
  let sendErrors = 0;
  let sends = 0;

  return new Promise((resolve) => {
    let finished = false;
    let roundTimer: unknown;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      clock.clearTimeout(roundTimer);
      signal.removeEventListener('abort', finish);
      resolve(assemble(answers, probes, terminalTtl, maxHops, address, sendErrors === sends && sends > 0 ? sendError : undefined));
    };

    /** complete: every TTL below the end of the route has answered. */
    const complete = (): boolean => {
      if (terminalTtl === Infinity) return false;
      for (let ttl = 1; ttl < terminalTtl; ttl++) if (!answers.has(ttl)) return false;
      return true;
    };

    /** holes: silent TTLs below the end of the route, or below the highest TTL that answered. */
    const holes = (): number[] => {
      const top = terminalTtl !== Infinity ? terminalTtl : Math.max(0, ...answers.keys());
      const out: number[] = [];
      for (let ttl = 1; ttl < Math.min(top, maxHops + 1); ttl++) if (!answers.has(ttl)) out.push(ttl);
      return out;
    };
    const lateRounds = opts.lateAttempts ?? 0;
    /** done: nothing more to learn — every regular round is answered and no hole is left to ask about (or the late rounds are used up). */
    const done = (): boolean => outstanding === 0 && round >= opts.attempts && (holes().length === 0 || round >= opts.attempts + lateRounds);

    const record = (ttl: number, o: EchoOutcome): void => {
      outstanding--;
      if (finished) return;
      if (o.kind === 'error') {
        sendErrors++;
        sendError = o.message;
      } else if (o.kind !== 'timeout' && !answers.has(ttl)) {
        answers.set(ttl, { kind: o.kind, from: o.from, rttMs: o.rttMs });
        if (o.kind === 'reply' || o.kind === 'unreachable') terminalTtl = Math.min(terminalTtl, ttl);
      }
      if (complete() || done()) finish();
    };

    const send = (ttl: number): void => {
      probes.set(ttl, (probes.get(ttl) ?? 0) + 1);
      outstanding++;
      sends++;
      void pinger.echo({ address, ttl, timeoutMs: opts.timeoutMs }).then((o) => record(ttl, o));
    };

    const sendRound = (): void => {
      if (finished) return;
      round++;
      if (round <= opts.attempts) {
        const last = Math.min(maxHops, terminalTtl === Infinity ? maxHops : terminalTtl - 1);
        for (let ttl = 1; ttl <= last; ttl++) if (!answers.has(ttl)) send(ttl);
      } else {
        for (const ttl of holes()) send(ttl);
      }
      if (round < opts.attempts) roundTimer = clock.setTimeout(sendRound, opts.retryGapMs);
      else if (round < opts.attempts + lateRounds) roundTimer = clock.setTimeout(sendRound, round === opts.attempts ? Math.max(opts.retryGapMs, opts.timeoutMs) : opts.lateGapMs ?? 1000);
      if (done()) finish();
    };

    if (signal.aborted) return finish();
    signal.addEventListener('abort', finish, { once: true });
    sendRound();
  });
}

/** assemble turns the answers per TTL into the hop list, ending where the route ends. */
function assemble(
  answers: Map<number, Answer>,
  probes: Map<number, number>,
  terminalTtl: number,
  maxHops: number,
  address: string,
  sendError: string | undefined,
): RouteDiscovery {
  const hopAt = (ttl: number): DiscoveredHop => {
    const a = answers.get(ttl);
    const hop: DiscoveredHop = { ttl, address: a?.from ?? null, probes: probes.get(ttl) ?? 0 };
    if (a) hop.rttMs = a.rttMs;
    return hop;
  };
  if (sendError !== undefined) return { hops: [], reached: false, sendError };

  if (terminalTtl !== Infinity) {
    const end = answers.get(terminalTtl) as Answer;
    const hops: DiscoveredHop[] = [];
    for (let ttl = 1; ttl < terminalTtl; ttl++) hops.push(hopAt(ttl));
    if (end.kind === 'reply') {
      hops.push({ ...hopAt(terminalTtl), address, destination: true });
      return { hops, reached: true };
    }
    // Destination unreachable: usually sent by the last router that forwarded (a REJECT rule
    // or a missing route there), which already answered at a lower TTL; else it is a new hop.
    const known = hops.findIndex((h) => h.address === end.from);
    if (known >= 0) {
      const sender = hops[known] as DiscoveredHop;
      sender.unreachable = true;
      return { hops: hops.slice(0, known + 1), reached: false, unreachable: { ttl: sender.ttl, address: end.from } };
    }
    hops.push({ ...hopAt(terminalTtl), unreachable: true });
    return { hops, reached: false, unreachable: { ttl: terminalTtl, address: end.from } };
  }

  // Neither reached nor refused: keep hops up to the last that answered, then one silent hop
  // to show where answers stop (a blackhole, or a destination that filters ICMP).
  let lastAnswered = 0;
  for (const ttl of answers.keys()) lastAnswered = Math.max(lastAnswered, ttl);
  const hops: DiscoveredHop[] = [];
  for (let ttl = 1; ttl <= Math.min(maxHops, lastAnswered + 1); ttl++) hops.push(hopAt(ttl));
  return { hops, reached: false };
}
