import { performance } from 'node:perf_hooks';
import { afterIterations, backstopMs, drainIterations } from './echo-deadline.js';
import { sourceBoundWire } from './echo-wire.js';
import { loadRawIcmp, type NetPingModule, type NetPingSession } from './icmp-backend.js';
import { Icmpv6Sessions, releaseEchoIdentifier, takeEchoIdentifier } from './icmpv6-pinger.js';
import { ICMP_PERMISSION_FIX, sharedPinger, type EchoOutcome, type EchoRequest, type PingerOpenResult } from './pinger.js';

/** The default TTL for untargeted echoes: Linux's net.ipv4.ip_default_ttl. */
const DEFAULT_TTL = 64;
/**
 * net-ping's own timeout, which it counts from the moment the request actually left the socket.
 * raw-socket serves reads before writes, so on a busy run a request can wait in its send queue
 * for a while: a timeout counted from the queueing would call an answered echo lost. So loss is
 * net-ping's verdict, from the real send, for requests of up to this long; our own backstop
 * timer from the queueing (echo-deadline.ts) ends every request — and is the verdict for
 * shorter timeouts (the path step's samples).
 */
const NET_PING_TIMEOUT_MS = 1000;

/** One net-ping session (one raw socket, one echo identifier) and the requests it still owes an answer. */
interface SharedSession {
  session: NetPingSession;
  /** Requests net-ping has not called back yet (including those we already counted lost). */
  owed: number;
  /** The echo identifier (net-ping's session id), held until the session closes. */
  identifier: number;
  released: boolean;
}

/** Gives a closed session's identifier back, once. */
function releaseIdentifier(s: SharedSession): void {
  if (s.released) return;
  s.released = true;
  releaseEchoIdentifier(s.identifier);
}

/**
 * NetPingSessions: the ICMP sessions of one run, shared by every probe in it — net-ping's for
 * IPv4, and for IPv6 our own ICMPv6 echo on one raw socket (Icmpv6Sessions, icmpv6-pinger.ts),
 * because net-ping's IPv6 code cannot do TTL-limited echoes (it sets IP_TTL, not the hop limit)
 * nor match ICMPv6 errors to their requests.
 *
 * Why shared: a raw ICMP socket receives every ICMP packet of the host, so N probes each with
 * its own socket parse N copies of every reply, and two sessions whose random echo identifiers
 * collide take each other's replies. One IPv4 session (and one per TTL, for the path step's
 * TTL-limited echoes) gives every outstanding request a distinct sequence number from
 * net-ping's allocator; IPv6 has one socket for every hop limit.
 *
 * Why held: raw-socket's native socket object is garbage-collectable while it still has
 * requests queued for sending (nothing but the weak native wrapper refers to it). When it is
 * collected, the socket closes silently and net-ping never calls those requests back — a probe
 * would wait forever on a promise nothing can settle, and with no timer or socket left the
 * process exits with the Report missing. So this object keeps every session it opened
 * reachable until net-ping has called back every request, and each request has our own timer
 * from the moment it is queued: every echo ends as a reply, an ICMP error, or a loss.
 */
export class NetPingSessions {
  readonly #sessions = new Map<string, SharedSession>();
  #users = 0;
  #netPing: NetPingModule | undefined;
  #v6: Icmpv6Sessions | undefined;
  /** Sessions whose echoes leave from one source address, by family and address. */
  readonly #bound = new Map<string, Icmpv6Sessions>();

  /**
   * open returns a pinger on the shared sessions; its `close` releases this user's share.
   * With `source`, every echo of the pinger leaves from that address (raw sockets writing
   * their own IP header, echo-wire.ts) — or there is no pinger, with `sourceUnsupported` and
   * the reason: an echo never silently leaves from another address. The caller has checked
   * that `source` is an address of this host (source-address.ts).
   */
  open(family: 4 | 6, source?: string): PingerOpenResult {
    const modules = loadRawIcmp();
    if (!modules.ok) return { ok: false, notPermitted: false, notInstalled: true, message: modules.message };
    if (source !== undefined) {
      const key = `${family}/${source}`;
      let bound = this.#bound.get(key);
      if (bound === undefined) {
        const wire = sourceBoundWire(family, source);
        if ('unsupported' in wire) return { ok: false, notPermitted: false, sourceUnsupported: true, message: wire.unsupported };
        bound = new Icmpv6Sessions(modules.raw, wire);
        this.#bound.set(key, bound);
      }
      return bound.open();
    }
    if (family === 6) {
      this.#v6 ??= new Icmpv6Sessions(modules.raw);
      return this.#v6.open();
    }
    this.#netPing ??= modules.netPing;
    const first = this.#session(family, DEFAULT_TTL);
    if ('message' in first) return { ok: false, notPermitted: first.notPermitted, message: first.message };
    this.#users += 1;
    return { ok: true, pinger: sharedPinger(family, (req) => this.#echo(family, req), () => {
      this.#users -= 1;
      this.#release();
    }) };
  }

  /** Raw sockets open now, IPv4 sessions and the IPv6 socket (for tests and the soak benchmark). */
  get openSessions(): number {
    let bound = 0;
    for (const b of this.#bound.values()) bound += b.openSockets;
    return this.#sessions.size + (this.#v6?.openSockets ?? 0) + bound;
  }

  #session(family: 4, ttl: number): SharedSession | { message: string; notPermitted: boolean } {
    const key = `${family}/${ttl}`;
    const existing = this.#sessions.get(key);
    if (existing) return existing;
    const netPing = this.#netPing as NetPingModule;
    let session: NetPingSession;
    // net-ping keeps its session id modulo 65535: drawn below that, it is the identifier on the wire.
    const identifier = takeEchoIdentifier(65535);
    try {
      session = netPing.createSession({
        networkProtocol: netPing.NetworkProtocol.IPv4,
        retries: 0,
        timeout: NET_PING_TIMEOUT_MS,
        sessionId: identifier,
        packetSize: 16,
        ttl,
      });
    } catch (err) {
      releaseEchoIdentifier(identifier);
      const message = (err as Error).message;
      const notPermitted = /not permitted|EPERM|EACCES|permission/i.test(message);
      return { notPermitted, message: notPermitted ? `raw ICMP socket not permitted (${message}); ${ICMP_PERMISSION_FIX}` : `raw ICMP socket failed: ${message}` };
    }
    // A socket error fails outstanding requests through their callbacks; keep it from crashing.
    session.on('error', () => undefined);
    const shared: SharedSession = { session, owed: 0, identifier, released: false };
    // A socket that closed under us (an error) is dropped, so the next echo opens a fresh one.
    session.on('close', () => {
      releaseIdentifier(shared);
      if (this.#sessions.get(key) === shared) this.#sessions.delete(key);
    });
    this.#sessions.set(key, shared);
    return shared;
  }

  #echo(family: 4, req: EchoRequest): Promise<EchoOutcome> {
    return new Promise((resolve) => {
      const opened = this.#session(family, req.ttl ?? DEFAULT_TTL);
      if ('message' in opened) return resolve({ kind: 'error', message: opened.message });
      const shared = opened;
      const t0 = performance.now();
      let done = false;
      const finish = (o: EchoOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(o);
      };
      // The backstop is ours, armed now — not when the request leaves — so a request that never
      // leaves still ends; when it fires, the verdict first drains the socket (echo-deadline.ts).
      const timer = setTimeout(() => afterIterations(drainIterations(this.#owed()), () => done, () => finish({ kind: 'timeout' })), backstopMs(req.timeoutMs));
      shared.owed += 1;
      try {
        shared.session.pingHost(req.address, (error, _target, sent, rcvd) => {
          shared.owed -= 1;
          // Two upper bounds of the round trip: our sub-millisecond clock from the moment the
          // request was queued (includes any wait to be sent), and net-ping's send/receive
          // times (millisecond resolution, so up to 1 ms more). The tighter one is the estimate.
          const queued = performance.now() - t0;
          const rttMs = sent && rcvd ? Math.min(queued, rcvd.getTime() - sent.getTime() + 1) : queued;
          this.#release();
          if (error === null) return finish({ kind: 'reply', from: req.address, rttMs });
          // net-ping's error classes are told apart by name (they share Error's prototype chain).
          switch (error.name) {
            case 'TimeExceededError':
              return finish({ kind: 'time-exceeded', from: error.source ?? '', rttMs });
            case 'DestinationUnreachableError':
              return finish({ kind: 'unreachable', from: error.source ?? '', rttMs });
            case 'RequestTimedOutError':
              return finish({ kind: 'timeout' });
            default:
              return finish({ kind: 'error', message: error.message });
          }
        });
      } catch (err) {
        shared.owed -= 1;
        finish({ kind: 'error', message: (err as Error).message });
      }
    });
  }

  #owed(): number {
    let n = 0;
    for (const s of this.#sessions.values()) n += s.owed;
    return n;
  }

  /** Closes every session once no pinger is open and net-ping owes no callback. */
  #release(): void {
    if (this.#users > 0) return;
    for (const [key, s] of this.#sessions) {
      if (s.owed > 0) continue;
      this.#sessions.delete(key);
      s.session.close();
      releaseIdentifier(s);
    }
  }
}

/**
 * openNetPingPinger opens a pinger with sessions of its own (one `check`): net-ping for IPv4,
 * our ICMPv6 echo for IPv6, our header-writing echo of either family from a `source` address. Raw sockets need
 * CAP_NET_RAW; without it the result says so, with the fix. A fleet run shares one
 * NetPingSessions across its probes instead.
 */
export function openNetPingPinger(family: 4 | 6, source?: string): PingerOpenResult {
  return new NetPingSessions().open(family, source);
}
