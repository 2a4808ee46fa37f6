/**
 * The IPv6 pinger's bookkeeping over a scripted raw socket (raw-socket's public surface, faked):
 * which answer ends which request, the hop limit set before each write, timeouts counted from
 * the real send with a backstop from the queueing, the socket shared and closed when done.
 * The same pinger on a real raw socket: test/netns/icmpv6-pinger.test.ts.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RawSocket, RawSocketModule } from '../../../src/probe/path/icmp-backend.js';
import { Icmpv6Sessions } from '../../../src/probe/path/icmpv6-pinger.js';
import type { EchoOutcome, Pinger } from '../../../src/probe/path/pinger.js';
import { echoReply, request, timeExceeded, unreachable } from './icmpv6-wire.js';

const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;

interface Queued {
  buffer: Buffer;
  address: string;
  before: () => void;
  after: (error: Error | null, bytes: number) => void;
}

/** A raw socket that writes only when told to (`write`), and receives what the test `deliver`s. */
class ScriptedSocket extends EventEmitter {
  queue: Queued[] = [];
  written: { buffer: Buffer; address: string; hopLimit: number | undefined }[] = [];
  hopLimit: number | undefined;
  setOptions: number[] = [];
  recvPaused = false;
  closed = false;
  failWrite: string | undefined;

  send(buffer: Buffer, offset: number, length: number, address: string, before: () => void, after: (error: Error | null, bytes: number) => void): this {
    if (this.closed) throw new Error('send on a closed socket (raw-socket would silently open a new one)');
    this.queue.push({ buffer: Buffer.from(buffer.subarray(offset, offset + length)), address, before, after });
    return this;
  }
  /** Writes the queued requests, as raw-socket does when the socket is writable. */
  write(n = this.queue.length): void {
    for (const q of this.queue.splice(0, n)) {
      q.before();
      if (this.failWrite) {
        q.after(new Error(this.failWrite), 0);
        continue;
      }
      this.written.push({ buffer: q.buffer, address: q.address, hopLimit: this.hopLimit });
      q.after(null, q.buffer.length);
    }
  }
  setOption(level: number, option: number, value: number): void {
    expect([level, option]).toEqual([IPPROTO_IPV6, IPV6_UNICAST_HOPS]);
    this.hopLimit = value;
    this.setOptions.push(value);
  }
  pauseRecv(): this {
    this.recvPaused = true;
    return this;
  }
  resumeRecv(): this {
    this.recvPaused = false;
    return this;
  }
  close(): this {
    this.closed = true;
    this.emit('close');
    return this;
  }
  /** A datagram arrives (raw-socket hands over a view into its receive buffer). */
  deliver(msg: Buffer, source: string): void {
    expect(this.recvPaused, 'a datagram is read only while receiving').toBe(false);
    const receiveBuffer = Buffer.alloc(4096);
    msg.copy(receiveBuffer);
    this.emit('message', receiveBuffer.subarray(0, msg.length), source);
    receiveBuffer.fill(0xee); // the next read overwrites it
  }
}

function fakeRaw(opts: { createError?: string } = {}): { raw: RawSocketModule; sockets: ScriptedSocket[] } {
  const sockets: ScriptedSocket[] = [];
  const raw: RawSocketModule = {
    createSocket: (o) => {
      expect(o).toEqual({ protocol: 58, addressFamily: 2 });
      if (opts.createError) throw new Error(opts.createError);
      const s = new ScriptedSocket();
      sockets.push(s);
      return s as unknown as RawSocket;
    },
    Protocol: { ICMP: 1, ICMPv6: 58 },
    AddressFamily: { IPv4: 1, IPv6: 2 },
    SocketLevel: { IPPROTO_IP: 0, IPPROTO_IPV6 },
    SocketOption: { IP_HDRINCL: 3, IPV6_UNICAST_HOPS },
  };
  return { raw, sockets };
}

function open(sessions: Icmpv6Sessions): Pinger {
  const r = sessions.open();
  if (!r.ok) throw new Error(r.message);
  return r.pinger;
}

/** Settles when the promise does; `undefined` while it is pending. */
function track<T>(p: Promise<T>): { value: T | undefined } {
  const box: { value: T | undefined } = { value: undefined };
  void p.then((v) => (box.value = v));
  return box;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe('Icmpv6Sessions', () => {
  it('answers each request by identifier and sequence: reply, time exceeded from the router, unreachable', async () => {
    const { raw, sockets } = fakeRaw();
    const sessions = new Icmpv6Sessions(raw);
    const pinger = open(sessions);
    const a = pinger.echo({ address: 'fd00:213:3::2', timeoutMs: 1000 });
    const b = pinger.echo({ address: 'fd00:213:3::2', ttl: 2, timeoutMs: 1000 });
    const c = pinger.echo({ address: 'fd00:213:3::2', ttl: 3, timeoutMs: 1000 });
    const s = sockets[0] as ScriptedSocket;
    expect(sockets).toHaveLength(1);
    s.write();
    const [wa, wb, wc] = s.written;
    // one identifier for the socket, a distinct sequence per request
    expect(new Set(s.written.map((w) => w.buffer.readUInt16BE(4))).size).toBe(1);
    expect(new Set(s.written.map((w) => w.buffer.readUInt16BE(6))).size).toBe(3);
    expect(s.written.map((w) => [w.buffer[0], w.address])).toEqual([[128, 'fd00:213:3::2'], [128, 'fd00:213:3::2'], [128, 'fd00:213:3::2']]);
    // answers out of order, each naming its request
    s.deliver(unreachable(wc!.buffer), 'fd00:213:2::2');
    s.deliver(timeExceeded(wb!.buffer), 'fd00:213:1::2');
    s.deliver(echoReply(wa!.buffer), 'fd00:213:3::2');
    const [oa, ob, oc] = await Promise.all([a, b, c]);
    expect(oa).toMatchObject({ kind: 'reply', from: 'fd00:213:3::2' });
    expect(ob).toMatchObject({ kind: 'time-exceeded', from: 'fd00:213:1::2' });
    expect(oc).toMatchObject({ kind: 'unreachable', from: 'fd00:213:2::2' });
    for (const o of [oa, ob, oc]) expect((o as { rttMs: number }).rttMs).toBeGreaterThanOrEqual(0);
    pinger.close();
  });

  it('sets the hop limit on the socket just before each write that needs another one (64 when none is asked)', () => {
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    for (const ttl of [1, 1, 2, undefined, 3, 3]) void pinger.echo({ address: '::1', timeoutMs: 1000, ...(ttl !== undefined ? { ttl } : {}) });
    const s = sockets[0] as ScriptedSocket;
    expect(s.setOptions).toEqual([]);
    s.write();
    expect(s.written.map((w) => w.hopLimit)).toEqual([1, 1, 2, 64, 3, 3]);
    expect(s.setOptions).toEqual([1, 2, 64, 3]);
    pinger.close();
  });

  it('ignores someone else’s echo (another identifier), our own request looped back, a stale sequence and garbage', async () => {
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    const pending = track(pinger.echo({ address: '::1', ttl: 5, timeoutMs: 1000 }));
    const s = sockets[0] as ScriptedSocket;
    s.write();
    const ours = s.written[0]!.buffer;
    const id = ours.readUInt16BE(4);
    const seq = ours.readUInt16BE(6);
    s.deliver(ours, '::1'); // looped back
    s.deliver(echoReply(request((id + 1) & 0xffff, seq)), '::1');
    s.deliver(timeExceeded(request((id + 1) & 0xffff, seq)), 'fd00::1');
    s.deliver(echoReply(request(id, (seq + 1) & 0xffff)), '::1');
    s.deliver(Buffer.from([129, 0, 0]), '::1');
    s.deliver(Buffer.alloc(0), '::1');
    await flush();
    expect(pending.value).toBeUndefined();
    s.deliver(echoReply(ours), '::1');
    await flush();
    expect(pending.value?.kind).toBe('reply');
    pinger.close();
  });

  it('packet too big or a parameter problem about our request ends it as an error naming the sender', async () => {
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    const p = pinger.echo({ address: '2001:db8::1', timeoutMs: 1000 });
    const s = sockets[0] as ScriptedSocket;
    s.write();
    const te = timeExceeded(s.written[0]!.buffer);
    te.writeUInt8(4, 0);
    s.deliver(te, 'fd00::9');
    expect(await p).toEqual({ kind: 'error', message: 'ICMPv6 type 4 code 0 from fd00::9' });
    pinger.close();
  });

  it('counts a request lost timeoutMs after it really left, not after it was queued', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    const o = track(pinger.echo({ address: '::1', timeoutMs: 100 }));
    const s = sockets[0] as ScriptedSocket;
    await vi.advanceTimersByTimeAsync(80); // waiting in the send queue
    s.write();
    await vi.advanceTimersByTimeAsync(90); // 170 ms after queueing, 90 after the send
    expect(o.value).toBeUndefined();
    s.deliver(echoReply(s.written[0]!.buffer), '::1');
    await flush();
    expect(o.value).toMatchObject({ kind: 'reply' });
    // the round trip is counted from the send
    expect((o.value as { rttMs: number }).rttMs).toBe(90);

    const lost = track(pinger.echo({ address: '::1', timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(30);
    s.write();
    await vi.advanceTimersByTimeAsync(99);
    expect(lost.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    for (let i = 0; i < 40 && lost.value === undefined; i++) await flush(); // the drain iterations
    expect(lost.value).toEqual({ kind: 'timeout' });
    pinger.close();
  });

  it('a request that never leaves the send queue still ends, at the backstop (twice its timeout)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw } = fakeRaw();
    const sessions = new Icmpv6Sessions(raw);
    const pinger = open(sessions);
    const o = track(pinger.echo({ address: '::1', timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(199);
    expect(o.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    for (let i = 0; i < 40 && o.value === undefined; i++) await flush();
    expect(o.value).toEqual({ kind: 'timeout' });
    expect(sessions.outstanding).toBe(0);
    pinger.close();
  });

  it('a reply read during the drain after the timer fired still counts as a reply', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    const o = track(pinger.echo({ address: '::1', timeoutMs: 100 }));
    const s = sockets[0] as ScriptedSocket;
    s.write();
    await vi.advanceTimersByTimeAsync(100); // the timer fires; the verdict waits some loop iterations
    await flush();
    expect(o.value).toBeUndefined();
    s.deliver(echoReply(s.written[0]!.buffer), '::1');
    await flush();
    expect(o.value?.kind).toBe('reply');
    pinger.close();
  });

  it('a write that fails ends its request as an error with the reason', async () => {
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    const p = pinger.echo({ address: 'fd00:dead::1', timeoutMs: 1000 });
    const s = sockets[0] as ScriptedSocket;
    s.failWrite = 'Network is unreachable';
    s.write();
    expect(await p).toEqual({ kind: 'error', message: 'Network is unreachable' });
    pinger.close();
    expect(s.closed).toBe(true);
  });

  it('refuses a hop limit outside 1-255 without sending', async () => {
    const { raw, sockets } = fakeRaw();
    const pinger = open(new Icmpv6Sessions(raw));
    expect((await pinger.echo({ address: '::1', ttl: 0, timeoutMs: 100 })).kind).toBe('error');
    expect((await pinger.echo({ address: '::1', ttl: 256, timeoutMs: 100 })).kind).toBe('error');
    expect(sockets[0]!.queue).toEqual([]);
    pinger.close();
  });

  it('one socket for every pinger; it reads only while a request is outstanding and closes when the last pinger closes', async () => {
    const { raw, sockets } = fakeRaw();
    const sessions = new Icmpv6Sessions(raw);
    const p1 = open(sessions);
    const p2 = open(sessions);
    expect(sockets).toHaveLength(1);
    const s = sockets[0] as ScriptedSocket;
    expect(s.recvPaused).toBe(true);
    const a = p1.echo({ address: '::1', timeoutMs: 1000 });
    const b = p2.echo({ address: '::1', timeoutMs: 1000 });
    expect(s.recvPaused).toBe(false);
    s.write();
    s.deliver(echoReply(s.written[0]!.buffer), '::1');
    expect(s.recvPaused).toBe(false); // b still waits
    s.deliver(echoReply(s.written[1]!.buffer), '::1');
    expect((await Promise.all([a, b])).map((o) => o.kind)).toEqual(['reply', 'reply']);
    expect(s.recvPaused).toBe(true);
    p1.close();
    expect(sessions.openSockets).toBe(1);
    p2.close();
    expect(s.closed).toBe(true);
    expect(sessions.openSockets).toBe(0);
    // closed pingers answer errors and send nothing
    expect((await p2.echo({ address: '::1', timeoutMs: 10 })).kind).toBe('error');
    expect(sockets).toHaveLength(1);
  });

  it('a closed pinger’s outstanding request still ends; the socket closes after it', async () => {
    const { raw, sockets } = fakeRaw();
    const sessions = new Icmpv6Sessions(raw);
    const pinger = open(sessions);
    const p = pinger.echo({ address: '::1', timeoutMs: 1000 });
    const s = sockets[0] as ScriptedSocket;
    s.write();
    pinger.close();
    expect(s.closed).toBe(false);
    s.deliver(echoReply(s.written[0]!.buffer), '::1');
    expect((await p).kind).toBe('reply');
    expect(s.closed).toBe(true);
    expect(sessions.openSockets).toBe(0);
  });

  it('a socket closed under it (an error) ends every outstanding request; the next echo opens a fresh socket', async () => {
    const { raw, sockets } = fakeRaw();
    const sessions = new Icmpv6Sessions(raw);
    const pinger = open(sessions);
    const outcomes: Promise<EchoOutcome>[] = [pinger.echo({ address: '::1', timeoutMs: 1000 }), pinger.echo({ address: '::1', timeoutMs: 1000 })];
    const s = sockets[0] as ScriptedSocket;
    s.emit('error', new Error('boom'));
    s.close();
    expect((await Promise.all(outcomes)).map((o) => o.kind)).toEqual(['error', 'error']);
    const next = pinger.echo({ address: '::1', timeoutMs: 1000 });
    expect(sockets).toHaveLength(2);
    const fresh = sockets[1] as ScriptedSocket;
    fresh.write();
    fresh.deliver(echoReply(fresh.written[0]!.buffer), '::1');
    expect((await next).kind).toBe('reply');
    pinger.close();
    expect(fresh.closed).toBe(true);
  });

  it('two session sets in one process never share an echo identifier', () => {
    const { raw, sockets } = fakeRaw();
    const pingers = Array.from({ length: 200 }, () => open(new Icmpv6Sessions(raw)));
    for (const p of pingers) void p.echo({ address: '::1', timeoutMs: 1000 });
    for (const s of sockets) s.write();
    const ids = sockets.map((s) => s.written[0]!.buffer.readUInt16BE(4));
    expect(new Set(ids).size).toBe(200);
    for (const s of sockets) s.deliver(echoReply(s.written[0]!.buffer), '::1');
    for (const p of pingers) p.close();
  });

  it('without the privilege for a raw socket: not permitted, with the fix', () => {
    const { raw } = fakeRaw({ createError: 'Operation not permitted' });
    const r = new Icmpv6Sessions(raw).open();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.notPermitted).toBe(true);
    expect(r.message).toContain('setcap cap_net_raw+ep');
  });
});
