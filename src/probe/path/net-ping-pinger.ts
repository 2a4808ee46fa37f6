import { createRequire } from 'node:module';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ICMP_PERMISSION_FIX, type EchoOutcome, type EchoRequest, type Pinger, type PingerOpenResult } from './pinger.js';

/**
 * The parts of net-ping 1.2 we use. net-ping has no types; `reqQueue`/`_generateId` are the
 * internals its own traceRoute uses to send a request with a per-request TTL — the public
 * `pingHost` cannot set one. net-ping is pinned in package.json, so this surface is stable.
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

  const echo = (req: EchoRequest): Promise<EchoOutcome> =>
    new Promise((resolve) => {
      if (closed) return resolve({ kind: 'error', message: 'pinger closed' });
      const id = session._generateId();
      if (id === undefined) return resolve({ kind: 'error', message: 'too many echo requests outstanding' });
      const t0 = performance.now();
      const callback: NetPingRequest['callback'] = (error) => {
        const rttMs = performance.now() - t0;
        if (error === null) return resolve({ kind: 'reply', from: req.address, rttMs });
        // net-ping's error classes are told apart by name (they share Error's prototype chain).
        switch (error.name) {
          case 'TimeExceededError':
            return resolve({ kind: 'time-exceeded', from: error.source ?? '', rttMs });
          case 'DestinationUnreachableError':
            return resolve({ kind: 'unreachable', from: error.source ?? '', rttMs });
          case 'RequestTimedOutError':
            return resolve({ kind: 'timeout' });
          default:
            return resolve({ kind: 'error', message: error.message });
        }
      };
      try {
        session.reqQueue({ id, retries: 0, timeout: req.timeoutMs, ttl: req.ttl ?? DEFAULT_TTL, target: req.address, callback });
      } catch (err) {
        resolve({ kind: 'error', message: (err as Error).message });
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
