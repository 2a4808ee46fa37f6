import type { Deadline } from '../../model/deadline.js';
import type { StepResultOf } from '../../model/report.js';
import type { PathData } from '../../model/step-data.js';
import type { HostTarget } from '../../model/target.js';
import { skipped, StepTimer, type SessionContext, type Step } from '../step.js';
import { discoverRoute, DISCOVERY_DEFAULTS } from './discovery.js';
import { buildHopStats } from './hop-stats.js';
import { measureSeries, type SeriesResult, type SeriesSpec } from './measure.js';
import { openNetPingPinger } from './net-ping-pinger.js';
import { pingerFor, type OpenPinger } from './pinger.js';
import { reverseNames } from './reverse-names.js';
import { sourceAddressProblem } from './source-address.js';
import { targetAddress } from './target-address.js';
import { ipFamily } from '../ip-family.js';

/** PATH_DEFAULTS: pathping's 100 samples per hop, but 25 ms apart and all hops at once. */
export const PATH_DEFAULTS = { maxHops: 30, intervalMs: 25, maxSampleTimeoutMs: 1000, namesTimeoutMs: 1500 } as const;

/** MIN_SAMPLE_TIMEOUT_MS: no sample waits less, however near the hop (queueing, scheduling). */
const MIN_SAMPLE_TIMEOUT_MS = 250;

/**
 * sampleTimeoutMs: how long a sample to a hop waits for its reply. Generous against the
 * round trip seen in discovery (5x plus 200 ms of queueing slack), at least 250 ms, capped at
 * `maxMs`, so a nearby hop's lost samples do not hold the run for a full second.
 */
export function sampleTimeoutMs(discoveryRttMs: number | undefined, maxMs: number): number {
  if (discoveryRttMs === undefined) return maxMs;
  return Math.min(maxMs, Math.max(MIN_SAMPLE_TIMEOUT_MS, Math.ceil(5 * discoveryRttMs + 200)));
}

/**
 * createPathStep builds the path (pathping) step over a pinger factory; `pathStep` is the
 * one over raw sockets. Tests pass a fake network.
 *
 * Two phases: discover the hops with TTL-limited probes, then measure every hop at once by
 * echo to the hop's own address, plus the destination. Echo replies are not in Linux's
 * icmp_ratemask (only unreachable, source quench, time exceeded and parameter problem are),
 * so sampling a router's own address is not throttled the way time-exceeded answers are; a
 * router that does police ICMP to itself shows up as loss at the node (HOP_RATE_LIMITED), and
 * only loss that carries on to later hops counts as path loss.
 *
 * With `connectivity.sourceAddress` every probe leaves from that address, so the path is the
 * one the SMTP connection takes. An address this host does not have, or a platform where the
 * raw backend cannot send from a chosen address, fails the step with that reason: the path
 * from another address is not measured in its place.
 */
export function createPathStep(openPinger: OpenPinger = openNetPingPinger): Step<'path', Record<string, unknown>, HostTarget> {
  return async (target: HostTarget, ctx: SessionContext, deadline: Deadline): Promise<StepResultOf<'path'>> => {
    const timer = new StepTimer('path', ctx.clock);
    const address = targetAddress(target, ctx);
    if (address === undefined) return skipped('path', ctx.clock, 'no address to probe (DNS did not resolve the host)');
    const family = ipFamily(address) === 6 ? 6 : 4;
    const source = target.connectivity.sourceAddress;
    if (source !== undefined) {
      const problem = await sourceAddressProblem(source);
      if (problem !== undefined) return timer.done('fail', undefined, { code: 'HOST_UNREACHABLE', message: problem });
    }
    const opened = pingerFor(ctx.state, openPinger)(family, source);
    if (!opened.ok) {
      if (opened.sourceUnsupported === true) {
        return timer.done('warn', undefined, { code: 'ICMP_NOT_PERMITTED', message: `path analysis not run: it must leave from the source address ${source ?? ''}, and ${opened.message}` });
      }
      return timer.done('warn', undefined, { code: opened.notPermitted || opened.notInstalled === true ? 'ICMP_NOT_PERMITTED' : 'PROBE_INTERNAL_ERROR', message: opened.message });
    }
    const pinger = opened.pinger;
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    const c = target.connectivity;
    const count = Math.max(1, c.pathCount);
    const intervalMs = c.pathIntervalMs ?? PATH_DEFAULTS.intervalMs;
    const maxHops = c.pathMaxHops ?? PATH_DEFAULTS.maxHops;
    try {
      const t0 = ctx.clock.now();
      const route = await discoverRoute(pinger, address, {
        ...DISCOVERY_DEFAULTS,
        timeoutMs: Math.max(1, Math.min(DISCOVERY_DEFAULTS.timeoutMs, deadline.remainingMs())),
        maxHops,
        clock: ctx.clock,
        signal,
      });
      const discoveryMs = ctx.clock.now() - t0;
      if (route.sendError !== undefined) {
        return timer.done('fail', undefined, { code: 'HOST_UNREACHABLE', message: `cannot send to ${address} from this host: ${route.sendError}` });
      }
      ctx.transcript.event(`path${source !== undefined ? ` from ${source}` : ''}: ${route.hops.map((h) => h.address ?? '*').join(' > ')} (${discoveryMs} ms)`);

      const hopAddresses = [...new Set(route.hops.flatMap((h) => (h.address !== null && h.address !== address ? [h.address] : [])))];
      const rttOf = (a: string): number | undefined => route.hops.find((h) => h.address === a)?.rttMs;
      const specs: SeriesSpec[] = [...hopAddresses, address].map((a) => ({
        address: a,
        timeoutMs: sampleTimeoutMs(rttOf(a) ?? route.hops.at(-1)?.rttMs, PATH_DEFAULTS.maxSampleTimeoutMs),
      }));
      const names =
        c.pathNames === false
          ? Promise.resolve(new Map<string, string>())
          : reverseNames(hopAddresses.concat(address), { ...(c.dnsServer !== undefined ? { server: c.dnsServer } : {}), timeoutMs: PATH_DEFAULTS.namesTimeoutMs });
      const t1 = ctx.clock.now();
      const results = await measureSeries(pinger, specs, { count, intervalMs, clock: ctx.clock, signal, deadlineAt: deadline.at });
      const measureMs = ctx.clock.now() - t1;
      const series = new Map<string, SeriesResult>(results.map((r) => [r.address, r]));
      const table = buildHopStats(route, series, address, await names);

      const data: PathData = {
        address,
        family,
        hops: table.hops,
        reached: table.reached,
        sourceLinkLossPct: table.sourceLinkLossPct,
        count,
        intervalMs,
        discoveryMs,
        measureMs,
      };
      const unreachableFrom = route.unreachable?.address ?? series.get(address)?.unreachableFrom;
      if (!table.reached && unreachableFrom !== undefined) {
        const hop = table.hops.find((h) => h.address === unreachableFrom);
        data.unreachable = { ttl: hop?.ttl ?? 0, address: unreachableFrom };
        const where = hop ? `hop ${hop.ttl} (${unreachableFrom})` : unreachableFrom;
        return timer.done('fail', data, { code: 'HOST_UNREACHABLE', message: `${where} answered ICMP destination unreachable for ${address}` });
      }
      if (!table.reached) {
        const last = [...table.hops].reverse().find((h) => h.address !== null);
        const where = last ? `answers stop after hop ${last.ttl} (${last.address})` : 'no hop answered';
        return timer.done('warn', data, { code: 'ICMP_NO_REPLY', message: `${address} did not answer echo requests; ${where}` });
      }
      const dest = table.hops[table.hops.length - 1];
      return timer.done(dest && dest.received < dest.sent ? 'warn' : 'pass', data);
    } finally {
      pinger.close();
    }
  };
}

/** pathStep: the path (pathping) analysis over raw ICMP sockets (net-ping for IPv4, our ICMPv6 echo for IPv6). */
export const pathStep: Step<'path', Record<string, unknown>, HostTarget> = createPathStep();
