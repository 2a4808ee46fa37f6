import type { Deadline } from '../model/deadline.js';
import type { StepResultOf } from '../model/report.js';
import type { IcmpData } from '../model/step-data.js';
import type { HostTarget } from '../model/target.js';
import { measureSeries } from './path/measure.js';
import { openNetPingPinger } from './path/net-ping-pinger.js';
import { pingerFor, type OpenPinger } from './path/pinger.js';
import { lossPct, rttStats } from './path/statistics.js';
import { targetAddress } from './path/target-address.js';
import { skipped, StepTimer, type SessionContext, type Step } from './step.js';
import { ipFamily } from './ip-family.js';

/** ICMP_DEFAULTS: echoes 50 ms apart (3 take 100 ms, less than a typical dialogue, so the ping beside it adds no wall time), each waiting up to 1 s for its reply. */
export const ICMP_DEFAULTS = { intervalMs: 50, timeoutMs: 1000 } as const;

/**
 * createIcmpStep builds the ping step over a pinger factory; `icmpStep` uses net-ping.
 *
 * It pings the address TCP will connect to, `connectivity.icmpCount` times. Without raw-socket
 * privilege it warns ICMP_NOT_PERMITTED with the fix and the check goes on with TCP timings;
 * no reply at all is ICMP_NO_REPLY, a warning here — many relays filter ICMP, so diagnosis
 * decides with the TCP result whether it matters.
 */
export function createIcmpStep(openPinger: OpenPinger = openNetPingPinger): Step<'icmp', Record<string, unknown>, HostTarget> {
  return async (target: HostTarget, ctx: SessionContext, deadline: Deadline): Promise<StepResultOf<'icmp'>> => {
    if (target.connectivity.icmp === 'off') return skipped('icmp', ctx.clock, 'ICMP ping turned off');
    const address = targetAddress(target, ctx);
    if (address === undefined) return skipped('icmp', ctx.clock, 'no address to ping (DNS did not resolve the host)');
    const timer = new StepTimer('icmp', ctx.clock);
    const family = ipFamily(address) === 6 ? 6 : 4;
    const opened = pingerFor(ctx.state, openPinger)(family);
    if (!opened.ok) {
      return timer.done('warn', undefined, { code: opened.notPermitted ? 'ICMP_NOT_PERMITTED' : 'PROBE_INTERNAL_ERROR', message: opened.message });
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
      const data: IcmpData = { address, family, sent, received, lossPct: lossPct(sent, received), rttMs: rttStats(series?.rtts ?? []) };
      if (received === 0) {
        const why = series?.unreachableFrom !== undefined ? `${series.unreachableFrom} answered destination unreachable` : 'no echo reply';
        return timer.done('warn', data, { code: 'ICMP_NO_REPLY', message: `${address}: ${why} to ${sent} echo request(s)` });
      }
      return timer.done(received < sent ? 'warn' : 'pass', data);
    } finally {
      opened.pinger.close();
    }
  };
}

/** icmpStep: ICMP echo over raw sockets (net-ping). */
export const icmpStep: Step<'icmp', Record<string, unknown>, HostTarget> = createIcmpStep();
