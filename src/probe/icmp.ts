import type { Deadline } from '../model/deadline.js';
import type { StepResultOf } from '../model/report.js';
import type { IcmpData } from '../model/step-data.js';
import type { HostTarget } from '../model/target.js';
import { measureSeries } from './path/measure.js';
import { openNetPingPinger } from './path/net-ping-pinger.js';
import { pingerFor, type OpenPinger } from './path/pinger.js';
import { lossPct, rttStats } from './path/statistics.js';
import { sourceAddressProblem } from './path/source-address.js';
import { runSystemPing, type SystemPingOptions, type SystemPingResult } from './path/system-ping.js';
import { targetAddress } from './path/target-address.js';
import { skipped, StepTimer, type SessionContext, type Step } from './step.js';
import { ipFamily } from './ip-family.js';

/** ICMP_DEFAULTS: echoes 50 ms apart (3 take 100 ms, less than a typical dialogue, so the ping beside it adds no wall time), each waiting up to 1 s for its reply. */
export const ICMP_DEFAULTS = { intervalMs: 50, timeoutMs: 1000 } as const;

/** SystemPing: runs the system's ping for all echoes at once (system-ping.ts; tests pass a fake). */
export type SystemPing = (address: string, family: 4 | 6, opts: SystemPingOptions) => Promise<SystemPingResult>;

/**
 * createIcmpStep builds the ping step over a pinger factory; `icmpStep` uses net-ping, and
 * the system's ping where net-ping is not installed or may not open a raw socket.
 *
 * It pings the address TCP will connect to, `connectivity.icmpCount` times. When no backend
 * can send (no raw-socket privilege and no usable system ping) it warns ICMP_NOT_PERMITTED
 * with the fix and the check goes on with TCP timings; no reply at all is ICMP_NO_REPLY, a
 * warning here — many relays filter ICMP, so diagnosis decides with the TCP result whether
 * it matters. `data.backend` says which backend sent the echoes.
 *
 * With `connectivity.sourceAddress` every echo leaves from that address, as the SMTP
 * connection does: the raw backend writes it into the IP header, the system ping gets its
 * source option. An address this host does not have fails the step (HOST_UNREACHABLE, the
 * words TCP uses); a backend that cannot send from it hands over to the system ping, and
 * when that cannot either, the step says so — never an echo from another address.
 */
export function createIcmpStep(openPinger: OpenPinger = openNetPingPinger, systemPing?: SystemPing): Step<'icmp', Record<string, unknown>, HostTarget> {
  return async (target: HostTarget, ctx: SessionContext, deadline: Deadline): Promise<StepResultOf<'icmp'>> => {
    if (target.connectivity.icmp === 'off') return skipped('icmp', ctx.clock, 'ICMP ping turned off');
    const address = targetAddress(target, ctx);
    if (address === undefined) return skipped('icmp', ctx.clock, 'no address to ping (DNS did not resolve the host)');
    const timer = new StepTimer('icmp', ctx.clock);
    const family = ipFamily(address) === 6 ? 6 : 4;
    const source = target.connectivity.sourceAddress;
    if (source !== undefined) {
      const problem = await sourceAddressProblem(source);
      if (problem !== undefined) return timer.done('fail', undefined, { code: 'HOST_UNREACHABLE', message: problem });
      ctx.transcript.event(`icmp: echo requests to ${address} from ${source}`);
    }
    const opened = pingerFor(ctx.state, openPinger)(family, source);
    if (!opened.ok) {
      const unavailable = opened.notPermitted || opened.notInstalled === true || opened.sourceUnsupported === true;
      if (!unavailable || systemPing === undefined) {
        return timer.done('warn', undefined, { code: unavailable ? 'ICMP_NOT_PERMITTED' : 'PROBE_INTERNAL_ERROR', message: opened.message });
      }
      const count = Math.max(1, target.connectivity.icmpCount);
      const timeoutMs = Math.max(1, Math.min(ICMP_DEFAULTS.timeoutMs, deadline.remainingMs()));
      const r = await systemPing(address, family, { count, timeoutMs, signal: AbortSignal.any([ctx.signal, deadline.signal]), ...(source !== undefined ? { source } : {}) });
      if (!r.ok) return timer.done('warn', undefined, { code: 'ICMP_NOT_PERMITTED', message: `${opened.message}; ${r.message}` });
      ctx.transcript.event(`icmp: raw-socket backend unavailable, used the system ping (${opened.message})`);
      return verdict(timer, address, { address, family, sent: r.sent, received: r.received, lossPct: lossPct(r.sent, r.received), rttMs: rttStats(r.rttsMs), backend: 'system-ping', fallbackReason: opened.message }, undefined);
    }
    try {
      const timeoutMs = Math.max(1, Math.min(ICMP_DEFAULTS.timeoutMs, deadline.remainingMs()));
      const [series] = await measureSeries(opened.pinger, [{ address, timeoutMs }], {
        count: Math.max(1, target.connectivity.icmpCount),
        intervalMs: ICMP_DEFAULTS.intervalMs,
        clock: ctx.clock,
        signal: AbortSignal.any([ctx.signal, deadline.signal]),
        deadlineAt: deadline.at,
      });
      const sent = series?.sent ?? 0;
      const received = series?.rtts.length ?? 0;
      const data: IcmpData = { address, family, sent, received, lossPct: lossPct(sent, received), rttMs: rttStats(series?.rtts ?? []), backend: 'raw-socket' };
      return verdict(timer, address, data, series?.unreachableFrom);
    } finally {
      opened.pinger.close();
    }
  };
}

/** verdict: pass when every echo was answered, a warning with loss, ICMP_NO_REPLY with none. */
function verdict(timer: StepTimer<'icmp'>, address: string, data: IcmpData, unreachableFrom: string | undefined): StepResultOf<'icmp'> {
  if (data.received === 0) {
    const why = unreachableFrom !== undefined ? `${unreachableFrom} answered destination unreachable` : 'no echo reply';
    return timer.done('warn', data, { code: 'ICMP_NO_REPLY', message: `${address}: ${why} to ${data.sent} echo request(s)` });
  }
  return timer.done(data.received < data.sent ? 'warn' : 'pass', data);
}

/** icmpStep: ICMP echo over raw sockets (net-ping for IPv4, our ICMPv6 echo for IPv6), or the system's ping where that cannot run. */
export const icmpStep: Step<'icmp', Record<string, unknown>, HostTarget> = createIcmpStep(openNetPingPinger, runSystemPing);
