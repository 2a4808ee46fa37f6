import { randomInt } from 'node:crypto';
import { afterIterations, backstopMs, drainIterations } from './echo-deadline.js';
import { kernelIcmpv6Wire, type EchoWire } from './echo-wire.js';
import type { RawSocket, RawSocketModule } from './icmp-backend.js';
import { ICMP_PERMISSION_FIX, sharedPinger, type EchoOutcome, type EchoRequest, type PingerOpenResult } from './pinger.js';

/** The hop limit of untargeted echoes, as for IPv4 (Linux's default for both). */
const DEFAULT_HOP_LIMIT = 64;
/** Echo sequence numbers are 16 bits (RFC 4443 §4.1). */
const SEQUENCE_SPACE = 65536;

/**
 * Echo identifiers held by this process's open raw ICMP sockets. Every raw ICMPv6 socket
 * receives every ICMPv6 message of the host (and every raw ICMP socket every ICMP message), so
 * two sockets of ours (a `check`'s ICMP and path steps each open one; net-ping's IPv4 sessions
 * beside a source-bound IPv4 socket) with the same identifier would take each other's
 * answers; picking among the identifiers not held rules that out within the process.
 */
const identifiersInUse = new Set<number>();

/**
 * takeEchoIdentifier: an echo identifier from 1 to `below - 1` that no open raw ICMP socket of
 * this process holds; give it back with releaseEchoIdentifier when the socket closes.
 */
export function takeEchoIdentifier(below = 65536): number {
  for (;;) {
    const id = randomInt(1, below);
    if (!identifiersInUse.has(id)) {
      identifiersInUse.add(id);
      return id;
    }
  }
}

/** releaseEchoIdentifier: the socket holding `id` has closed. */
export function releaseEchoIdentifier(id: number): void {
  identifiersInUse.delete(id);
}

/** One echo request waiting for its answer. */
interface Pending {
  address: string;
  /** When it was queued and when it left (performance.now()). */
  queuedAt: number;
  sentAt: number | undefined;
  timer: NodeJS.Timeout;
  settle(o: EchoOutcome): void;
}

/** The socket, with the echo identifier it owns and the hop limit it is set to. */
interface OpenSocket {
  socket: RawSocket;
  identifier: number;
  hopLimit: number | undefined;
  recvPaused: boolean;
}

/**
 * Icmpv6Sessions: ICMPv6 echo on one raw socket, shared by every pinger opened on it, over
 * raw-socket's public API (net-ping's IPv6 code sets IP_TTL instead of the hop limit and looks
 * for the identifier of an ICMPv6 error in the error's own header, so it cannot find a route).
 *
 * One socket and one echo identifier for all its pingers; every request outstanding has its
 * own sequence number, so no answer can be taken by the wrong request. The hop limit is set
 * on the socket just before each request is written (raw-socket writes its queue one request
 * at a time and calls back just before each write), so requests of every hop limit share
 * the socket. A request is given up `timeoutMs` after it really left, or at the backstop
 * counted from its queueing (echo-deadline.ts), whichever is first.
 *
 * The socket is held here (raw-socket's native socket would otherwise be collectable with
 * requests queued), reads only while a request is outstanding (so an idle socket neither
 * wakes the process for the host's other ICMPv6 traffic nor keeps it alive), and is closed
 * once no pinger is open and no request outstanding.
 *
 * How requests are framed is the `wire`'s (echo-wire.ts): by default the kernel writes the
 * IPv6 header; a source-bound wire writes the IP header itself, of either family, so that
 * every request of these sessions leaves from one asked-for source address.
 */
export class Icmpv6Sessions {
  readonly #raw: RawSocketModule;
  readonly #wire: EchoWire;
  readonly #pending = new Map<number, Pending>();
  #open: OpenSocket | undefined;
  #users = 0;
  #nextSequence = randomInt(0, SEQUENCE_SPACE);

  constructor(raw: RawSocketModule, wire: EchoWire = kernelIcmpv6Wire) {
    this.#raw = raw;
    this.#wire = wire;
  }

  /** open returns a pinger on the shared socket (opening it, which needs CAP_NET_RAW); its `close` releases this user's share. */
  open(): PingerOpenResult {
    const opened = this.#socket();
    if ('message' in opened) return { ok: false, notPermitted: opened.notPermitted, message: opened.message };
    this.#users += 1;
    return { ok: true, pinger: sharedPinger(this.#wire.family, (req) => this.#echo(req), () => {
      this.#users -= 1;
      this.#release();
    }) };
  }

  /** Raw sockets open now: 0 or 1 (for tests and the soak benchmark). */
  get openSockets(): number {
    return this.#open ? 1 : 0;
  }

  /** Requests sent or queued that have not ended yet. */
  get outstanding(): number {
    return this.#pending.size;
  }

  #socket(): OpenSocket | { message: string; notPermitted: boolean } {
    if (this.#open) return this.#open;
    const raw = this.#raw;
    let socket: RawSocket;
    try {
      socket = this.#wire.open(raw);
    } catch (err) {
      const message = (err as Error).message;
      const notPermitted = /not permitted|EPERM|EACCES|permission/i.test(message);
      return { notPermitted, message: notPermitted ? `raw ICMP socket not permitted (${message}); ${ICMP_PERMISSION_FIX}` : `raw ICMP socket failed: ${message}` };
    }
    const open: OpenSocket = { socket, identifier: takeEchoIdentifier(), hopLimit: undefined, recvPaused: false };
    // raw-socket closes the socket after an error and then emits 'close'; a failed read alone is
    // only reported. Either way nothing may crash: the requests end through 'close' or their timers.
    socket.on('error', () => undefined);
    socket.on('close', () => this.#closed(open));
    socket.on('message', (buffer, source) => this.#answer(open, buffer, source));
    this.#open = open;
    this.#pauseRecvWhenIdle();
    return open;
  }

  #echo(req: EchoRequest): Promise<EchoOutcome> {
    return new Promise((resolve) => {
      const opened = this.#socket();
      if ('message' in opened) return resolve({ kind: 'error', message: opened.message });
      const hopLimit = req.ttl ?? DEFAULT_HOP_LIMIT;
      if (!Number.isInteger(hopLimit) || hopLimit < 1 || hopLimit > 255) return resolve({ kind: 'error', message: `hop limit ${hopLimit} is not 1-255` });
      const sequence = this.#takeSequence();
      if (sequence === undefined) return resolve({ kind: 'error', message: 'too many ICMPv6 echo requests outstanding' });
      const giveUp = (): void =>
        afterIterations(drainIterations(this.#pending.size), () => this.#pending.get(sequence) !== pending, () => this.#settle(sequence, { kind: 'timeout' }));
      const pending: Pending = {
        address: req.address,
        queuedAt: performance.now(),
        sentAt: undefined,
        timer: setTimeout(giveUp, backstopMs(req.timeoutMs)),
        settle: resolve,
      };
      this.#pending.set(sequence, pending);
      const { socket } = opened;
      if (opened.recvPaused) {
        socket.resumeRecv();
        opened.recvPaused = false;
      }
      let packet: Buffer;
      try {
        packet = this.#wire.request(req.address, hopLimit, opened.identifier, sequence);
      } catch (err) {
        return this.#settle(sequence, { kind: 'error', message: (err as Error).message });
      }
      const setHopLimit = this.#wire.setHopLimit;
      const beforeWrite = (): void => {
        if (setHopLimit && opened.hopLimit !== hopLimit) {
          setHopLimit(socket, this.#raw, hopLimit);
          opened.hopLimit = hopLimit;
        }
        pending.sentAt = performance.now();
      };
      const afterWrite = (error: Error | null): void => {
        if (this.#pending.get(sequence) !== pending) return;
        if (error) return this.#settle(sequence, { kind: 'error', message: error.message });
        // From the real send, timeoutMs — unless the backstop, counted from the queueing, is sooner.
        const sentAt = pending.sentAt ?? performance.now();
        if (sentAt + req.timeoutMs < pending.queuedAt + backstopMs(req.timeoutMs)) {
          clearTimeout(pending.timer);
          pending.timer = setTimeout(giveUp, req.timeoutMs);
        }
      };
      try {
        socket.send(packet, 0, packet.length, req.address, beforeWrite, afterWrite);
      } catch (err) {
        this.#settle(sequence, { kind: 'error', message: (err as Error).message });
      }
    });
  }

  /** The next sequence number no outstanding request holds, or undefined when all 65,536 are. */
  #takeSequence(): number | undefined {
    if (this.#pending.size >= SEQUENCE_SPACE) return undefined;
    while (this.#pending.has(this.#nextSequence)) this.#nextSequence = (this.#nextSequence + 1) % SEQUENCE_SPACE;
    const s = this.#nextSequence;
    this.#nextSequence = (s + 1) % SEQUENCE_SPACE;
    return s;
  }

  #answer(open: OpenSocket, buffer: Buffer, source: string): void {
    const a = this.#wire.parse(buffer);
    if (a === undefined || a.identifier !== open.identifier || open !== this.#open) return;
    const pending = this.#pending.get(a.sequence);
    if (pending === undefined) return;
    // From the moment it left (before the write was known to succeed, an answer cannot exist).
    const rttMs = performance.now() - (pending.sentAt ?? pending.queuedAt);
    switch (a.kind) {
      case 'reply':
        return this.#settle(a.sequence, { kind: 'reply', from: pending.address, rttMs });
      case 'time-exceeded':
        return this.#settle(a.sequence, { kind: 'time-exceeded', from: source, rttMs });
      case 'unreachable':
        return this.#settle(a.sequence, { kind: 'unreachable', from: source, rttMs });
      default:
        return this.#settle(a.sequence, { kind: 'error', message: `ICMP${this.#wire.family === 6 ? 'v6' : ''} type ${a.type} code ${a.code} from ${source}` });
    }
  }

  #settle(sequence: number, o: EchoOutcome): void {
    const pending = this.#pending.get(sequence);
    if (pending === undefined) return;
    this.#pending.delete(sequence);
    clearTimeout(pending.timer);
    pending.settle(o);
    this.#pauseRecvWhenIdle();
    this.#release();
  }

  #pauseRecvWhenIdle(): void {
    const open = this.#open;
    if (open === undefined || open.recvPaused || this.#pending.size > 0) return;
    open.socket.pauseRecv();
    open.recvPaused = true;
  }

  /** The socket closed under us (an error): its requests end now; the next echo opens a fresh one. */
  #closed(open: OpenSocket): void {
    releaseEchoIdentifier(open.identifier);
    if (this.#open !== open) return;
    this.#open = undefined;
    for (const sequence of [...this.#pending.keys()]) this.#settle(sequence, { kind: 'error', message: 'raw ICMPv6 socket closed' });
  }

  /** Closes the socket once no pinger is open and no request is outstanding. */
  #release(): void {
    const open = this.#open;
    if (this.#users > 0 || this.#pending.size > 0 || open === undefined) return;
    this.#open = undefined;
    releaseEchoIdentifier(open.identifier);
    open.socket.close();
  }
}
