import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadRawIcmp, type NetPingModule, type NetPingSession, type RawSocketModule } from './icmp-backend.js';
import { ICMP_PERMISSION_FIX, type EchoOutcome, type EchoRequest, type Pinger, type PingerOpenResult } from './pinger.js';

/** Length of the fixed IPv6 header quoted in ICMPv6 error messages (RFC 8200 §3). */
const IPV6_HEADER_LEN = 40;
/** ICMPv6 header length: type, code, checksum, 4 bytes of type-specific data (RFC 4443 §2.1). */
const ICMPV6_HEADER_LEN = 8;
const ICMPV6_ECHO_REQUEST = 128;

/** The parts of a net-ping session fixIpv6 replaces (net-ping's own IPv6 code is broken there). */
interface Ipv6Patchable {
  ttl: number | null;
  sessionId: number;
  reqs: Record<number, { type?: number; code?: number } | undefined>;
  getSocket(): { setOption(level: number, option: number, value: number): void };
  setTTL(ttl: number): void;
  fromBuffer(buffer: Buffer): { type?: number; code?: number } | null | undefined;
}

/**
 * fixIpv6 repairs two IPv6 gaps in net-ping 1.2 so TTL-limited discovery works over IPv6:
 * it sets the hop limit (not IP_TTL at the IPv6 level), and it looks for the echo identifier
 * of ICMPv6 errors (time exceeded, unreachable) in the quoted packet instead of in the
 * error's own header — so those answers never matched. RFC 4443 §3: an error quotes the
 * invoking packet after its 8-byte header; the echo request's identifier sits 4 bytes into it.
 */
function fixIpv6(session: Ipv6Patchable, raw: RawSocketModule, ttl: number): void {
  session.setTTL = function setHopLimit(this: Ipv6Patchable, hops: number): void {
    if (this.ttl === hops) return;
    this.getSocket().setOption(raw.SocketLevel.IPPROTO_IPV6, raw.SocketOption.IPV6_UNICAST_HOPS, hops);
    this.ttl = hops;
  };
  session.ttl = null;
  session.setTTL(ttl);
  session.fromBuffer = function fromIcmpv6(this: Ipv6Patchable, buffer: Buffer) {
    if (buffer.length < ICMPV6_HEADER_LEN) return undefined;
    const type = buffer.readUInt8(0);
    const code = buffer.readUInt8(1);
    // Types 1-4 are errors (unreachable, packet too big, time exceeded, parameter problem).
    const offset = type >= 1 && type <= 4 ? ICMPV6_HEADER_LEN + IPV6_HEADER_LEN : 0;
    if (buffer.length < offset + ICMPV6_HEADER_LEN) return undefined;
    if (offset > 0 && buffer.readUInt8(offset) !== ICMPV6_ECHO_REQUEST) return undefined;
    if (buffer.readUInt16BE(offset + 4) !== this.sessionId) return undefined;
    const req = this.reqs[buffer.readUInt16BE(offset + 6)];
    if (!req) return null;
    req.type = type;
    req.code = code;
    return req;
  };
}

/** The default TTL for untargeted echoes: Linux's net.ipv4.ip_default_ttl. */
const DEFAULT_TTL = 64;
/**
 * net-ping's own timeout, which it counts from the moment the request actually left the socket.
 * raw-socket serves reads before writes, so on a busy run (every ICMP packet of the host arrives
 * on the shared socket, one read per event-loop iteration) a request can wait in its send queue
 * for a while: a timeout counted from the queueing would call an answered echo lost. So loss is
 * net-ping's verdict, from the real send, for requests of up to this long; our own timer
 * (`timeoutMs` plus as much again, at most SEND_ALLOWANCE_MS, from the queueing) is the backstop
 * that ends every request — and the verdict for shorter timeouts (the path step's samples).
 */
const NET_PING_TIMEOUT_MS = 1000;
/** The most our backstop adds to a request's `timeoutMs` for time spent waiting to be sent. */
const SEND_ALLOWANCE_MS = 1000;
/** Extra loop iterations a timed-out sample waits, for unrelated ICMP queued in the socket. */
const DRAIN_SLACK_ITERATIONS = 16;

/** One net-ping session (one raw socket, one echo identifier) and the requests it still owes an answer. */
interface SharedSession {
  session: NetPingSession;
  /** Requests net-ping has not called back yet (including those we already counted lost). */
  owed: number;
}

/**
 * NetPingSessions: the ICMP sessions of one run, shared by every probe in it.
 *
 * Why shared: a raw ICMP socket receives every ICMP packet of the host, so N probes each with
 * its own socket parse N copies of every reply, and two sessions whose random echo identifiers
 * collide take each other's replies. One session per address family (and per TTL, for the path
 * step's TTL-limited echoes) gives every outstanding request a distinct sequence number from
 * net-ping's allocator.
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
  #raw: RawSocketModule | undefined;

  /** open returns a pinger on the shared sessions; its `close` releases this user's share. */
  open(family: 4 | 6): PingerOpenResult {
    const modules = loadRawIcmp();
    if (!modules.ok) return { ok: false, notPermitted: false, notInstalled: true, message: modules.message };
    this.#netPing ??= modules.netPing;
    this.#raw ??= modules.raw;
    const first = this.#session(family, DEFAULT_TTL);
    if ('message' in first) return { ok: false, notPermitted: first.notPermitted, message: first.message };
    this.#users += 1;
    let closed = false;
    const pinger: Pinger = {
      family,
      echo: (req) => (closed ? Promise.resolve({ kind: 'error', message: 'pinger closed' }) : this.#echo(family, req)),
      close: () => {
        if (closed) return;
        closed = true;
        this.#users -= 1;
        this.#release();
      },
    };
    return { ok: true, pinger };
  }

  /** Sessions open now (for tests and the soak benchmark). */
  get openSessions(): number {
    return this.#sessions.size;
  }

  #session(family: 4 | 6, ttl: number): SharedSession | { message: string; notPermitted: boolean } {
    const key = `${family}/${ttl}`;
    const existing = this.#sessions.get(key);
    if (existing) return existing;
    const netPing = this.#netPing as NetPingModule;
    let session: NetPingSession;
    try {
      session = netPing.createSession({
        networkProtocol: family === 6 ? netPing.NetworkProtocol.IPv6 : netPing.NetworkProtocol.IPv4,
        retries: 0,
        timeout: NET_PING_TIMEOUT_MS,
        sessionId: randomInt(1, 65535),
        packetSize: 16,
        ttl,
      });
    } catch (err) {
      const message = (err as Error).message;
      const notPermitted = /not permitted|EPERM|EACCES|permission/i.test(message);
      return { notPermitted, message: notPermitted ? `raw ICMP socket not permitted (${message}); ${ICMP_PERMISSION_FIX}` : `raw ICMP socket failed: ${message}` };
    }
    if (family === 6) fixIpv6(session as unknown as Ipv6Patchable, this.#raw as RawSocketModule, ttl);
    // A socket error fails outstanding requests through their callbacks; keep it from crashing.
    session.on('error', () => undefined);
    const shared: SharedSession = { session, owed: 0 };
    // A socket that closed under us (an error) is dropped, so the next echo opens a fresh one.
    session.on('close', () => {
      if (this.#sessions.get(key) === shared) this.#sessions.delete(key);
    });
    this.#sessions.set(key, shared);
    return shared;
  }

  #echo(family: 4 | 6, req: EchoRequest): Promise<EchoOutcome> {
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
      // leaves still ends. After an event-loop stall (GC, a loaded machine) timers run before
      // I/O, and raw-socket reads one packet per loop iteration, so replies that arrived during
      // the stall may still be queued in the socket when the timer fires: the verdict waits
      // enough loop iterations to read every packet that can be queued (our outstanding
      // requests' replies, their looped-back copies on loopback, and some slack), counted in
      // iterations, not time, because a descheduled process loses time but not iterations.
      const afterIterations = (n: number): void => {
        if (done) return;
        if (n <= 0) return finish({ kind: 'timeout' });
        setImmediate(() => afterIterations(n - 1));
      };
      const backstopMs = req.timeoutMs + Math.min(req.timeoutMs, SEND_ALLOWANCE_MS);
      const timer = setTimeout(() => afterIterations(2 * this.#owed() + DRAIN_SLACK_ITERATIONS), backstopMs);
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
    }
  }
}

/**
 * openNetPingPinger opens a pinger with sessions of its own (one `check`). Raw sockets need
 * CAP_NET_RAW; without it the result says so, with the fix. A fleet run shares one
 * NetPingSessions across its probes instead.
 */
export function openNetPingPinger(family: 4 | 6): PingerOpenResult {
  return new NetPingSessions().open(family);
}
