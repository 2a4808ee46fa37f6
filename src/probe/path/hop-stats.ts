import type { HopStats } from '../../model/step-data.js';
import type { RouteDiscovery } from './discovery.js';
import type { SeriesResult } from './measure.js';
import { lossPct, rttStats, splitLoss } from './statistics.js';

/** HopTable: the per-hop statistics a path analysis reports, ready for the Report. */
export interface HopTable {
  hops: HopStats[];
  reached: boolean;
  sourceLinkLossPct: number;
}

/**
 * buildHopStats joins the discovered route with the measured series (one per hop address, one
 * for the destination) into HopStats, splitting loss into node and link loss. A hop that never
 * answered has no series: it shows the discovery probes as sent, none received, and takes no
 * part in the split (its silence says nothing about forwarding, which later hops show).
 */
export function buildHopStats(
  route: RouteDiscovery,
  series: ReadonlyMap<string, SeriesResult>,
  destination: string,
  names: ReadonlyMap<string, string>,
): HopTable {
  const hops = route.hops.map((h) => ({ ...h }));
  let reached = route.reached;
  const destSeries = series.get(destination);
  // Discovery may miss the destination (every probe past the last router lost) while the
  // measurement reaches it: then the silent tail hop is the destination.
  if (!reached && route.unreachable === undefined && destSeries && destSeries.rtts.length > 0) {
    const tail = hops[hops.length - 1];
    const ttl = tail && tail.address === null ? tail.ttl : (tail?.ttl ?? 0) + 1;
    if (tail && tail.address === null) hops.pop();
    hops.push({ ttl, address: destination, probes: 0, destination: true });
    reached = true;
  }

  const measured = hops.map((h) => (h.address !== null ? series.get(h.address) : undefined));
  const raw = measured.map((m) => (m && m.sent > 0 ? lossPct(m.sent, m.rtts.length) : null));
  const split = splitLoss(raw);

  const out: HopStats[] = hops.map((h, i) => {
    const m = measured[i];
    const s = split.hops[i];
    const sent = m ? m.sent : h.probes;
    const received = m ? m.rtts.length : 0;
    const stats: HopStats = {
      ttl: h.ttl,
      address: h.address,
      sent,
      received,
      lossPct: s ? s.nodePct : sent > 0 ? 100 : 0,
      linkLossPct: s ? s.linkPct : 0,
      sourceLossPct: lossPct(sent, received),
      rttMs: m ? rttStats(m.rtts) : null,
    };
    const name = h.address !== null ? names.get(h.address) : undefined;
    if (name !== undefined) stats.name = name;
    if (h.destination) stats.destination = true;
    if (h.unreachable) stats.unreachable = true;
    return stats;
  });
  return { hops: out, reached, sourceLinkLossPct: split.sourceLinkPct };
}
