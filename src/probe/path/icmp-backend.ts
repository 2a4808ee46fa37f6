import { createRequire } from 'node:module';

/**
 * The raw-socket ICMP backend (net-ping over the raw-socket native addon for IPv4, our own
 * ICMPv6 echo on raw-socket's public API for IPv6: icmpv6-pinger.ts) is an optional
 * dependency: raw-socket ships no prebuilt binaries, so it builds with node-gyp at install
 * time, and a machine without a C++ toolchain (a Windows server without Visual Studio Build
 * Tools, a slim container) installs smtprobe without it. So nothing imports it statically:
 * it is required when an ICMP step first needs it, relative to this file — which, in the
 * bundled CLI, is the bundle in dist/bin, from where node_modules resolves as usual.
 */

/** The documented surface of net-ping 1.2 that NetPingSessions uses. */
export interface NetPingSession {
  pingHost(target: string, callback: (error: (Error & { source?: string }) | null, target: string, sent?: Date, rcvd?: Date) => void): unknown;
  on(event: 'error' | 'close', fn: (err?: Error) => void): void;
  close(): void;
}
/** net-ping's module: `createSession` and its protocol constants. */
export interface NetPingModule {
  createSession(options: { networkProtocol: number; retries: number; timeout: number; sessionId: number; packetSize: number; ttl: number }): NetPingSession;
  NetworkProtocol: { IPv4: number; IPv6: number };
}
/**
 * RawSocket: the documented surface of one raw-socket 1.8 socket that the IPv6 pinger uses.
 * `send` queues the buffer; the socket writes it when writable, calling `before` just before
 * the write and `after` just after it (or with the error). `message` hands over each datagram
 * received (a view of the socket's own receive buffer, valid only during the call).
 */
export interface RawSocket {
  send(buffer: Buffer, offset: number, length: number, address: string, before: () => void, after: (error: Error | null, bytes: number) => void): unknown;
  setOption(level: number, option: number, value: number): void;
  pauseRecv(): unknown;
  resumeRecv(): unknown;
  close(): unknown;
  on(event: 'message', fn: (buffer: Buffer, source: string) => void): unknown;
  on(event: 'error', fn: (error: Error) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
}
/** raw-socket's module: `createSocket` and the constants the raw pingers (IPv6, and either family from a source address) need. */
export interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number }): RawSocket;
  Protocol: { ICMP: number; ICMPv6: number };
  AddressFamily: { IPv4: number; IPv6: number };
  SocketLevel: { IPPROTO_IP: number; IPPROTO_IPV6: number };
  SocketOption: { IP_HDRINCL: number; IPV6_UNICAST_HOPS: number };
}

/** RawIcmpModules: the loaded backend, or why it is not there. */
export type RawIcmpModules = { ok: true; netPing: NetPingModule; raw: RawSocketModule } | { ok: false; message: string };

/** RAW_ICMP_INSTALL_HINT: how to get the raw-socket backend where the install left it out. */
export const RAW_ICMP_INSTALL_HINT =
  'it is an optional dependency built at install time; install a C/C++ toolchain and Python (Linux: build-essential python3; Windows: Visual Studio Build Tools) and reinstall smtprobe';

let loaded: RawIcmpModules | undefined;

/** loadRawIcmp requires net-ping and raw-socket once, on first use; a failure is remembered, not thrown. */
export function loadRawIcmp(): RawIcmpModules {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = { ok: true, netPing: require('net-ping') as NetPingModule, raw: require('raw-socket') as RawSocketModule };
  } catch (err) {
    const first = String((err as Error).message).split(/\r?\n/)[0]?.trim();
    // Not installed (the build failed or was skipped), or built for another platform or Node ABI.
    loaded = { ok: false, message: `the raw-socket ICMP backend (net-ping) is not installed or does not load (${first}); ${RAW_ICMP_INSTALL_HINT}` };
  }
  return loaded;
}

/** rawIcmpMissing: why the raw-socket backend cannot be loaded, or undefined when it can. */
export function rawIcmpMissing(): string | undefined {
  const m = loadRawIcmp();
  return m.ok ? undefined : m.message;
}
