import { spawn } from 'node:child_process';

/**
 * The system's own `ping`, the ICMP step's fallback when the raw-socket backend is not
 * installed or may not open a raw socket: ping is setuid, has the capability, or uses the
 * unprivileged ICMP datagram socket (Linux, macOS), and on Windows any user may run it.
 *
 * Its output is read locale-safely. On Linux and macOS it runs with LC_ALL=C (English, a
 * decimal point). Windows ping has no such switch and speaks the display language (German
 * "Antwort von ... Zeit<1ms", French "Réponse de ... temps=12 ms", in the console's OEM code
 * page), so the parser reads numbers and punctuation, never words: a reply line is one with a
 * `name=NUMBER UNIT` or `name<NUMBER UNIT` token (the round trip; `bytes=32` and `TTL=128`
 * carry no unit), and the totals are the first numbers of the summary line.
 */

/** SystemPingCommand: the program, its arguments and extra environment for one run. */
export interface SystemPingCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Spacing of echoes where ping lets an unprivileged user choose it (iputils, busybox). */
const LINUX_INTERVAL_S = 0.2;

/**
 * systemPingCommand: how to send `count` echoes to `address` on `platform`, each waiting up
 * to `timeoutMs` for its reply. Windows: `ping -n COUNT -w MS`; Linux: `ping -n -c COUNT -i
 * 0.2 -W SECONDS` (iputils and busybox read IPv6 literals themselves); macOS: `ping`, or
 * `ping6` for IPv6, with `-W` in milliseconds.
 *
 * With `source`, the echoes leave from that local address: `-I ADDR` on Linux (iputils and
 * busybox take an address there, not only an interface), `-S ADDR` on macOS and Windows.
 */
export function systemPingCommand(platform: NodeJS.Platform, family: 4 | 6, address: string, count: number, timeoutMs: number, source?: string): SystemPingCommand {
  const n = String(Math.max(1, Math.floor(count)));
  if (platform === 'win32') {
    // No -4/-6: the target is an address literal, which fixes the family, and Wine's ping
    // (the Windows test run) knows only -n, -w and -l.
    return { file: 'ping', args: ['-n', n, '-w', String(Math.max(1, Math.ceil(timeoutMs))), ...(source !== undefined ? ['-S', source] : []), address], env: {} };
  }
  if (platform === 'darwin') {
    const from = source !== undefined ? ['-S', source] : [];
    return { file: family === 6 ? 'ping6' : 'ping', args: family === 6 ? ['-n', '-c', n, ...from, address] : ['-n', '-c', n, '-W', String(Math.max(1, Math.ceil(timeoutMs))), ...from, address], env: { LC_ALL: 'C' } };
  }
  return { file: 'ping', args: ['-n', '-c', n, '-i', String(LINUX_INTERVAL_S), '-W', String(Math.max(1, Math.ceil(timeoutMs / 1000))), ...(source !== undefined ? ['-I', source] : []), address], env: { LC_ALL: 'C' } };
}

/** ParsedPing: what a ping run's output says; totals undefined when it printed no summary. */
export interface ParsedPing {
  sent?: number;
  received?: number;
  /** Round trip of each reply, ms, in order. Windows prints `<1ms` for fast replies: that is read as its bound, 1. */
  rttsMs: number[];
}

/** A reply's round trip: `time=0.045 ms`, `Zeit<1ms`, `temps=12 ms`, `время<1мс` — a number right after `=`/`<` and then a unit. */
const RTT_TOKEN = /(?:^|\s)[^\s=<]+[=<](\d+(?:[.,]\d+)?) ?([^\d\s=<>.,:;()[\]]+)(?=\s|$)/u;
/** Windows totals: `Packets: Sent = 4, Received = 4, Lost = 0 (0% loss),` in any language. */
const WINDOWS_TOTALS = /=\s*(\d+),[^=\d]*=\s*(\d+),[^=\d]*=\s*(\d+)/;
/** Unix totals: `3 packets transmitted, 3 received, ...` (iputils, busybox, macOS; any language). */
const UNIX_TOTALS = /^\s*(\d+)\s[^\d,]*,\s*(\d+)\s/;

/** parsePingOutput reads the replies and totals of one ping run, whatever the platform or language. */
export function parsePingOutput(text: string): ParsedPing {
  const out: ParsedPing = { rttsMs: [] };
  for (const line of text.split(/\r?\n/)) {
    const totals = WINDOWS_TOTALS.exec(line) ?? UNIX_TOTALS.exec(line);
    if (totals && out.sent === undefined) {
      out.sent = Number(totals[1]);
      out.received = Number(totals[2]);
      continue;
    }
    // DUP! replies (a duplicated packet) are not separate answers.
    if (/\(DUP!\)/.test(line)) continue;
    const rtt = RTT_TOKEN.exec(line);
    if (rtt) out.rttsMs.push(Number(rtt[1]!.replace(',', '.')));
  }
  return out;
}

/** SystemPingResult: echoes sent and the round trips of those answered, or why ping could not run. */
export type SystemPingResult = { ok: true; sent: number; received: number; rttsMs: number[] } | { ok: false; message: string };

/** SystemPingOptions: the run's count, per-echo timeout and cancellation, and the local address to send from. */
export interface SystemPingOptions {
  count: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Local address every echo leaves from (--source-address); omitted = the system's choice. */
  source?: string;
  platform?: NodeJS.Platform;
}

/**
 * runSystemPing runs the system ping once for all `count` echoes and reads its output. Ends
 * when ping does, or when `signal` aborts (ping is killed; what it printed so far counts).
 */
export function runSystemPing(address: string, family: 4 | 6, opts: SystemPingOptions): Promise<SystemPingResult> {
  const cmd = systemPingCommand(opts.platform ?? process.platform, family, address, opts.count, opts.timeoutMs, opts.source);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd.file, cmd.args, { env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      return resolve({ ok: false, message: `system ping could not run: ${(err as Error).message}` });
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    const abort = (): void => {
      child.kill();
    };
    if (opts.signal.aborted) abort();
    else opts.signal.addEventListener('abort', abort, { once: true });
    let settled = false;
    child.once('error', (err) => {
      opts.signal.removeEventListener('abort', abort);
      if (settled) return;
      settled = true;
      resolve({ ok: false, message: `system ping could not run (${cmd.file}): ${err.message}` });
    });
    child.once('close', (code) => {
      opts.signal.removeEventListener('abort', abort);
      if (settled) return;
      settled = true;
      // latin1: the parser needs only digits and ASCII punctuation, whatever the code page.
      const parsed = parsePingOutput(Buffer.concat(stdout).toString('latin1'));
      if (parsed.sent === undefined && parsed.rttsMs.length === 0 && !opts.signal.aborted) {
        const why = Buffer.concat(stderr).toString('utf8').trim().split('\n')[0] || Buffer.concat(stdout).toString('latin1').trim().split('\n').at(-1) || `exit code ${code}`;
        return resolve({ ok: false, message: `system ping failed: ${why.trim()}` });
      }
      const sent = parsed.sent ?? Math.max(opts.count, parsed.rttsMs.length);
      // Replies are the lines with a round trip, not the summary's count: Windows counts a
      // router's "destination host unreachable" as received.
      const rttsMs = parsed.rttsMs.slice(0, sent);
      resolve({ ok: true, sent, received: rttsMs.length, rttsMs });
    });
  });
}
