import type { Report } from '../model/report.js';
import type { PathData } from '../model/step-data.js';
import type { MetricFamily, MetricSample } from './prometheus.js';

/** A family before the caller's extra labels (`target`) are added. */
type BareFamily = Pick<MetricFamily, 'name' | 'help' | 'labelNames' | 'samples'>;

const RTT_STATS = ['min', 'avg', 'max', 'stddev', 'p95'] as const;

/**
 * connectivityMetrics: the ICMP echo and path (pathping) results of a Report as metric
 * families — only for the steps that ran and left data, so a check without ICMP or `--path`
 * exposes no empty series. Losses are ratios (0..1) and times seconds, as Prometheus's base
 * units want; per-hop series carry the TTL and the hop's address ("" for a silent hop).
 */
export function connectivityMetrics(report: Report): BareFamily[] {
  const out: BareFamily[] = [];
  const icmpStep = report.steps.find((s) => s.step === 'icmp');
  const icmp = icmpStep?.status !== 'skip' ? icmpStep?.data : undefined;
  if (icmp && icmp.sent > 0) {
    out.push({ name: 'probe_icmp_loss_ratio', help: 'Share of ICMP echo requests to the relay that got no reply (0 to 1)', labelNames: [], samples: [{ labels: {}, value: ratio(icmp.lossPct) }] });
    out.push({ name: 'probe_icmp_packets_sent', help: 'ICMP echo requests sent to the relay', labelNames: [], samples: [{ labels: {}, value: icmp.sent }] });
    if (icmp.rttMs) {
      const rtt = icmp.rttMs;
      out.push({ name: 'probe_icmp_rtt_seconds', help: 'Round-trip time of the answered ICMP echoes, in seconds, by statistic', labelNames: ['stat'],
        samples: RTT_STATS.map((stat) => ({ labels: { stat }, value: seconds(rtt[stat]) })) });
    }
  }
  const pathStep = report.steps.find((s) => s.step === 'path');
  const path = pathStep?.status !== 'skip' ? pathStep?.data : undefined;
  if (path && path.hops.length > 0) {
    const hopLabels = (ttl: number, address: string | null): Record<string, string> => ({ ttl: String(ttl), address: address ?? '' });
    const hopSamples = (value: (h: PathData['hops'][number]) => number | undefined): MetricSample[] =>
      path.hops.flatMap((h) => {
        const v = value(h);
        return v === undefined ? [] : [{ labels: hopLabels(h.ttl, h.address), value: v }];
      });
    out.push({ name: 'probe_path_hops', help: 'Hops on the path to the relay (the last is the relay when it was reached)', labelNames: [], samples: [{ labels: {}, value: path.hops.length }] });
    out.push({ name: 'probe_path_reached', help: 'Whether the relay itself answered the path analysis (1) or not (0)', labelNames: [], samples: [{ labels: {}, value: path.reached ? 1 : 0 }] });
    out.push({ name: 'probe_path_hop_loss_ratio', help: 'Forwarding loss that starts on the link after this hop and persists to the relay (pathping "This Node/Link"), 0 to 1', labelNames: ['ttl', 'address'],
      samples: hopSamples((h) => ratio(h.linkLossPct)) });
    out.push({ name: 'probe_path_hop_node_loss_ratio', help: 'Loss at the hop itself (echoes addressed to it; usually rate limiting, harmless), 0 to 1', labelNames: ['ttl', 'address'],
      samples: hopSamples((h) => ratio(h.lossPct)) });
    out.push({ name: 'probe_path_hop_rtt_seconds', help: 'Average round-trip time to the hop, in seconds (absent for a hop that never answered)', labelNames: ['ttl', 'address'],
      samples: hopSamples((h) => (h.rttMs ? seconds(h.rttMs.avg) : undefined)) });
  }
  return out;
}

function ratio(pct: number): number {
  return Math.round(pct * 100) / 10_000;
}

/** seconds from milliseconds, to the microsecond. */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}
