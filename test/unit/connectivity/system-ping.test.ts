/**
 * The system ping fallback: its command line per platform, and its output read the same way
 * whatever the platform and display language. The outputs are as the tools print them
 * (iputils 20221126 captured here; busybox, macOS and Windows in the formats those tools print).
 */
import { describe, expect, it } from 'vitest';
import { parsePingOutput, runSystemPing, systemPingCommand } from '../../../src/probe/path/system-ping.js';

const IPUTILS_EN = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.035 ms
64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.051 ms
64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.052 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 406ms
rtt min/avg/max/mdev = 0.035/0.046/0.052/0.007 ms
`;

const IPUTILS_LOSS = `PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.
64 bytes from 10.0.0.9: icmp_seq=1 ttl=63 time=12.4 ms
64 bytes from 10.0.0.9: icmp_seq=3 ttl=63 time=14.1 ms

--- 10.0.0.9 ping statistics ---
3 packets transmitted, 2 received, 33.3333% packet loss, time 405ms
rtt min/avg/max/mdev = 12.400/13.250/14.100/0.850 ms
`;

// iputils built with NLS under LANG=de_DE.UTF-8 (what LC_ALL=C avoids, read anyway).
const IPUTILS_DE = `PING 127.0.0.1 (127.0.0.1) 56(84) Bytes an Daten.
64 Bytes von 127.0.0.1: icmp_seq=1 ttl=64 Zeit=0,035 ms
64 Bytes von 127.0.0.1: icmp_seq=2 ttl=64 Zeit=0,051 ms

--- 127.0.0.1 Ping-Statistiken ---
2 Pakete übertragen, 2 empfangen, 0% Paketverlust, Zeit 1001ms
rtt min/avg/max/mdev = 0,035/0,043/0,051/0,008 ms
`;

const BUSYBOX = `PING 127.0.0.1 (127.0.0.1): 56 data bytes
64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.070 ms
64 bytes from 127.0.0.1: seq=1 ttl=64 time=0.094 ms
64 bytes from 127.0.0.1: seq=1 ttl=64 time=0.101 ms (DUP!)
64 bytes from 127.0.0.1: seq=2 ttl=64 time=0.081 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 packets received, 1 duplicates, 0% packet loss
round-trip min/avg/max = 0.070/0.086/0.101 ms
`;

const MACOS = `PING 127.0.0.1 (127.0.0.1): 56 data bytes
64 bytes from 127.0.0.1: icmp_seq=0 ttl=64 time=0.048 ms
Request timeout for icmp_seq 1
64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.072 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 2 packets received, 33.3% packet loss
round-trip min/avg/max/stddev = 0.048/0.060/0.072/0.012 ms
`;

const crlf = (s: string): string => s.replace(/\n/g, '\r\n');

const WINDOWS_EN = crlf(`
Pinging 127.0.0.1 with 32 bytes of data:
Reply from 127.0.0.1: bytes=32 time<1ms TTL=128
Reply from 127.0.0.1: bytes=32 time<1ms TTL=128
Reply from 127.0.0.1: bytes=32 time=2ms TTL=128

Ping statistics for 127.0.0.1:
    Packets: Sent = 3, Received = 3, Lost = 0 (0% loss),
Approximate round trip times in milli-seconds:
    Minimum = 0ms, Maximum = 2ms, Average = 0ms
`);

// German Windows, as a byte string in the console's code page 850 ("ü" is 0x81), split totals line.
const WINDOWS_DE = Buffer.from(crlf(`
Ping wird ausgef\x81hrt f\x81r 10.1.2.3 mit 32 Bytes Daten:
Antwort von 10.1.2.3: Bytes=32 Zeit=12ms TTL=57
Zeit\x81berschreitung der Anforderung.
Antwort von 10.1.2.3: Bytes=32 Zeit=14ms TTL=57
Antwort von 10.1.2.3: Bytes=32 Zeit=11ms TTL=57

Ping-Statistik f\x81r 10.1.2.3:
    Pakete: Gesendet = 4, Empfangen = 3, Verloren = 1
    (25% Verlust),
Ca. Zeitangaben in Millisek.:
    Minimum = 11ms, Maximum = 14ms, Mittelwert = 12ms
`), 'latin1').toString('latin1');

const WINDOWS_FR = crlf(`
Envoi d'une requête 'Ping'  127.0.0.1 avec 32 octets de données :
Réponse de 127.0.0.1 : octets=32 temps<1ms TTL=128
Réponse de 127.0.0.1 : octets=32 temps=3 ms TTL=128

Statistiques Ping pour 127.0.0.1:
    Paquets : envoyés = 2, reçus = 2, perdus = 0 (perte 0%),
`);

const WINDOWS_V6 = crlf(`
Pinging ::1 with 32 bytes of data:
Reply from ::1: time<1ms
Reply from ::1: time<1ms

Ping statistics for ::1:
    Packets: Sent = 2, Received = 2, Lost = 0 (0% loss),
`);

// Wine 8's ping.exe (what the Windows test run under Wine uses): tabs, no trailing comma.
const WINE_PING = crlf(`Pinging 127.0.0.1 [127.0.0.1] with 32 bytes of data:
Reply from 127.0.0.1: bytes=32 time=19ms TTL=64
Reply from 127.0.0.1: bytes=32 time<1ms TTL=64

Ping statistics for 127.0.0.1
\tPackets: Sent = 2, Received = 2, Lost = 0 (0% loss)
Approximate round trip times in milli-seconds:
\tMinimum = 0ms, Maximum = 19ms, Average = 10ms
`);

// Windows counts "destination host unreachable" as received; there is no round trip in it.
const WINDOWS_UNREACHABLE = crlf(`
Pinging 10.9.9.9 with 32 bytes of data:
Reply from 10.0.0.1: Destination host unreachable.
Reply from 10.0.0.1: Destination host unreachable.

Ping statistics for 10.9.9.9:
    Packets: Sent = 2, Received = 2, Lost = 0 (0% loss),
`);

describe('parsePingOutput', () => {
  it.each([
    ['iputils, English', IPUTILS_EN, 3, 3, [0.035, 0.051, 0.052]],
    ['iputils with loss', IPUTILS_LOSS, 3, 2, [12.4, 14.1]],
    ['iputils, German (decimal comma)', IPUTILS_DE, 2, 2, [0.035, 0.051]],
    ['busybox (a DUP! reply is not an answer)', BUSYBOX, 3, 3, [0.07, 0.094, 0.081]],
    ['macOS with a timeout', MACOS, 3, 2, [0.048, 0.072]],
    ['Windows, English (<1ms read as its bound)', WINDOWS_EN, 3, 3, [1, 1, 2]],
    ['Windows, German, code page 850', WINDOWS_DE, 4, 3, [12, 14, 11]],
    ['Windows, French', WINDOWS_FR, 2, 2, [1, 3]],
    ['Windows, IPv6 (no TTL in replies)', WINDOWS_V6, 2, 2, [1, 1]],
    ['Wine ping.exe', WINE_PING, 2, 2, [19, 1]],
    ['Windows, destination unreachable', WINDOWS_UNREACHABLE, 2, 2, []],
  ])('%s', (_name, text, sent, received, rtts) => {
    const p = parsePingOutput(text);
    expect(p.sent).toBe(sent);
    expect(p.received).toBe(received);
    expect(p.rttsMs).toEqual(rtts);
  });

  it('output without a summary (ping killed early) still yields the replies seen', () => {
    const p = parsePingOutput(IPUTILS_EN.split('\n').slice(0, 3).join('\n'));
    expect(p.sent).toBeUndefined();
    expect(p.rttsMs).toEqual([0.035, 0.051]);
  });
});

describe('systemPingCommand', () => {
  it('Windows: ping -n COUNT -w MS (the address literal fixes the family)', () => {
    expect(systemPingCommand('win32', 4, '10.1.2.3', 3, 1000)).toEqual({ file: 'ping', args: ['-n', '3', '-w', '1000', '10.1.2.3'], env: {} });
    expect(systemPingCommand('win32', 6, '::1', 2, 500).args).toEqual(['-n', '2', '-w', '500', '::1']);
  });
  it('Linux: ping -c in the C locale, the timeout in whole seconds', () => {
    expect(systemPingCommand('linux', 4, '127.0.0.1', 3, 1000)).toEqual({ file: 'ping', args: ['-n', '-c', '3', '-i', '0.2', '-W', '1', '127.0.0.1'], env: { LC_ALL: 'C' } });
  });
  it('a source address: -I ADDR on Linux, -S ADDR on macOS and Windows, before the target', () => {
    expect(systemPingCommand('linux', 4, '10.0.1.2', 3, 1000, '10.0.0.3').args).toEqual(['-n', '-c', '3', '-i', '0.2', '-W', '1', '-I', '10.0.0.3', '10.0.1.2']);
    expect(systemPingCommand('linux', 6, 'fd00::2', 1, 1000, 'fd00::3').args.slice(-3)).toEqual(['-I', 'fd00::3', 'fd00::2']);
    expect(systemPingCommand('darwin', 6, 'fd00::2', 1, 1000, 'fd00::3').args.slice(-3)).toEqual(['-S', 'fd00::3', 'fd00::2']);
    expect(systemPingCommand('darwin', 4, '10.0.1.2', 1, 1000, '10.0.0.3').args.slice(-3)).toEqual(['-S', '10.0.0.3', '10.0.1.2']);
    expect(systemPingCommand('win32', 4, '10.0.1.2', 1, 1000, '10.0.0.3').args.slice(-3)).toEqual(['-S', '10.0.0.3', '10.0.1.2']);
  });
  it('macOS: ping6 for IPv6', () => {
    expect(systemPingCommand('darwin', 6, '::1', 3, 1000).file).toBe('ping6');
    expect(systemPingCommand('darwin', 4, '127.0.0.1', 3, 1000).env).toEqual({ LC_ALL: 'C' });
  });
});

describe('runSystemPing (this machine\'s ping, loopback)', () => {
  const linux = process.platform === 'linux';
  it.skipIf(!linux)('from source 127.0.0.2 to 127.0.0.1 (both this host\'s): answered; from 192.0.2.7 (not this host\'s): ping refuses, nothing sent', async () => {
    const ok = await runSystemPing('127.0.0.1', 4, { count: 1, timeoutMs: 1000, signal: new AbortController().signal, source: '127.0.0.2' });
    expect(ok).toMatchObject({ ok: true, sent: 1, received: 1 });
    const bad = await runSystemPing('127.0.0.1', 4, { count: 1, timeoutMs: 1000, signal: new AbortController().signal, source: '192.0.2.7' });
    expect(bad.ok && bad.received).toBeFalsy();
  });
  it.skipIf(!linux)('three echoes to 127.0.0.1: all answered, one round trip each', async () => {
    const r = await runSystemPing('127.0.0.1', 4, { count: 3, timeoutMs: 1000, signal: new AbortController().signal });
    expect(r).toMatchObject({ ok: true, sent: 3, received: 3 });
    expect(r.ok && r.rttsMs.length).toBe(3);
  });

  it('a ping program that is not there is an outcome, not a throw', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const r = await runSystemPing('127.0.0.1', 4, { count: 1, timeoutMs: 100, signal: new AbortController().signal, platform: 'linux' });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toMatch(/system ping could not run \(ping\)/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
