import { createRequire } from 'node:module';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ICMP_PERMISSION_FIX, type EchoOutcome, type EchoRequest, type Pinger, type PingerOpenResult } from './pinger.js';

/**
 * The parts of net-ping 1.2 we use. net-ping has no types; `reqQueue`/`_generateId`/`reqRemove`
 * are the internals its own traceRoute uses to send a request with a per-request TTL — the
 * public `pingHost` cannot set one. net-ping is pinned in package.json, so this surface is stable.
 */
interface NetPingRequest {
  id: number;
  retries: number;
  timeout: number;
  ttl?: number;
  target: string;
  callback: (error: (Error & { source?: string }) | null, target: string) => void;
}
interface NetPingSession {
  addressFamily: number;
  ttl: number | null;
  sessionId: number;
  reqs: Record<number, { type?: number; code?: number } | undefined>;
  fromBuffer(buffer: Buffer): { type?: number; code?: number } | null | undefined;
  _generateId(): number | undefined;
  reqQueue(req: NetPingRequest): void;
  reqRemove(id: number): unknown;
  reqsPending: number;
  onSocketSend(req: NetPingRequest, error: Error | null, bytes: number): void;
  onBeforeSocketSend(req: NetPingRequest): void;
  getSocket(): { setOption(level: number, option: number, value: number): void };
  setTTL(ttl: number): void;
  on(event: 'error', fn: (err: Error) => void): void;
  close(): void;
}
interface NetPingModule {
  createSession(options: { networkProtocol: number; retries: number; timeout: number; sessionId: number; packetSize: number }): NetPingSession;
  NetworkProtocol: { IPv4: number; IPv6: number };
}
interface RawSocketModule {
  SocketLevel: { IPPROTO_IPV6: number };
  SocketOption: { IPV6_UNICAST_HOPS: number };
}

const require = createRequire(import.meta.url);

/** Length of the fixed IPv6 header quoted in ICMPv6 error messages (RFC 8200 §3). */
const IPV6_HEADER_LEN = 40;
/** ICMPv6 header length: type, code, checksum, 4 bytes of type-specific data (RFC 4443 §2.1). */
const ICMPV6_HEADER_LEN = 8;
const ICMPV6_ECHO_REQUEST = 128;

/**
 * fixIpv6 repairs two IPv6 gaps in net-ping 1.2 so TTL-limited discovery works over IPv6:
 * it sets IP_TTL at the IPv6 level (not the hop limit), and it looks for the echo identifier
 * of ICMPv6 errors (time exceeded, unreachable) in the error's own header instead of in the
 * quoted packet — so those answers never matched. RFC 4443 §3: an error quotes the invoking
 * packet after its 8-byte header; the echo request's identifier sits 4 bytes into it.
 */
function fixIpv6(session: NetPingSession, raw: RawSocketModule): void {
  session.setTTL = function setHopLimit(this: NetPingSession, ttl: number): void {
    if (this.ttl === ttl) return;
    this.getSocket().setOption(raw.SocketLevel.IPPROTO_IPV6, raw.SocketOption.IPV6_UNICAST_HOPS, ttl);
    this.ttl = ttl;
  };
  session.ttl = null;
  session.fromBuffer = function fromIcmpv6(this: NetPingSession, buffer: Buffer) {
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
/** How much later than our own timeout net-ping's timer may fire (it never should). */
const NET_PING_BACKSTOP_MS = 5000;
/** Extra loop iterations a timed-out sample waits, for unrelated ICMP queued in the socket. */
const DRAIN_SLACK_ITERATIONS = 16;

/**
 * openNetPingPinger opens a raw ICMP socket through net-ping. Raw sockets need CAP_NET_RAW;
 * without it the result says so, with the fix. Each pinger uses a random echo identifier so
 * two probes in one process (ICMP step and path step) never take each other's replies.
 */
export function openNetPingPinger(family: 4 | 6): PingerOpenResult {
  let netPing: NetPingModule;
  let raw: RawSocketModule;
  try {
    netPing = require('net-ping') as NetPingModule;
    raw = require('raw-socket') as RawSocketModule;
  } catch (err) {
    return { ok: false, notPermitted: false, message: `net-ping could not be loaded: ${(err as Error).message}` };
  }
  let session: NetPingSession;
  try {
    session = netPing.createSession({
      networkProtocol: family === 6 ? netPing.NetworkProtocol.IPv6 : netPing.NetworkProtocol.IPv4,
      retries: 0,
      timeout: 1000,
      sessionId: randomInt(1, 65535),
      packetSize: 16,
    });
  } catch (err) {
    const message = (err as Error).message;
    const notPermitted = /not permitted|EPERM|EACCES|permission/i.test(message);
    return {
      ok: false,
      notPermitted,
      message: notPermitted ? `raw ICMP socket not permitted (${message}); ${ICMP_PERMISSION_FIX}` : `raw ICMP socket failed: ${message}`,
    };
  }
  if (family === 6) fixIpv6(session, raw);
  // A socket error fails outstanding requests through their callbacks; keep it from crashing.
  session.on('error', () => undefined);
  let closed = false;
  // Requests wait in raw-socket's queue until the socket is writable: time each sample from
  // the moment it actually leaves (just before sendto: on a veth or loopback the reply can be
  // queued before sendto even returns), not from when it was queued.
  const onSent = new Map<number, () => void>();
  const netPingBeforeSend = session.onBeforeSocketSend.bind(session);
  session.onBeforeSocketSend = (r) => {
    netPingBeforeSend(r);
    const hook = onSent.get(r.id);
    onSent.delete(r.id);
    hook?.();
  };

  const echo = (req: EchoRequest): Promise<EchoOutcome> =>
    new Promise((resolve) => {
      if (closed) return resolve({ kind: 'error', message: 'pinger closed' });
      const id = session._generateId();
      if (id === undefined) return resolve({ kind: 'error', message: 'too many echo requests outstanding' });
      let t0 = performance.now();
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (o: EchoOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        onSent.delete(id);
        resolve(o);
      };
      const callback: NetPingRequest['callback'] = (error) => {
        const rttMs = performance.now() - t0;
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
      };
      // The timeout is ours, not net-ping's (whose timer is only a backstop). After an event-loop
      // stall (GC, a loaded machine) timers run before I/O, and raw-socket reads one packet per
      // loop iteration, so replies that arrived during the stall may still be queued in the
      // socket when the timer fires. So the verdict waits enough loop iterations to read every
      // packet that can be queued — our outstanding requests' replies, their looped-back copies
      // on loopback, and some slack — counted in iterations, not time, because a descheduled
      // process loses time but not iterations.
      onSent.set(id, () => {
        t0 = performance.now();
        const lost = (): void => {
          if (done) return;
          session.reqRemove(id);
          finish({ kind: 'timeout' });
        };
        const afterIterations = (n: number): void => {
          if (done) return;
          if (n <= 0) return lost();
          setImmediate(() => afterIterations(n - 1));
        };
        timer = setTimeout(() => afterIterations(2 * session.reqsPending + DRAIN_SLACK_ITERATIONS), req.timeoutMs);
      });
      try {
        session.reqQueue({ id, retries: 0, timeout: req.timeoutMs + NET_PING_BACKSTOP_MS, ttl: req.ttl ?? DEFAULT_TTL, target: req.address, callback });
      } catch (err) {
        finish({ kind: 'error', message: (err as Error).message });
      }
    });

  const pinger: Pinger = {
    family,
    echo,
    close: () => {
      if (closed) return;
      closed = true;
      session.close();
    },
  };
  return { ok: true, pinger };
}
