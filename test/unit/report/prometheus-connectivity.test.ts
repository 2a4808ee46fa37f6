import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/model/report.js';
import { renderPrometheus, reportMetrics } from '../../../src/report/prometheus.js';
import { registryOf } from '../../../src/run/prom-registry.js';
import { okReport } from './sample-reports.js';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const rtt = (avg: number) => ({ min: avg - 0.5, avg, max: avg + 1, stddev: 0.25, p95: avg + 0.75 });

/** okReport with an ICMP step (1 of 4 echoes lost) and a three-hop path with loss after hop 2. */
const withConnectivity: Report = {
  ...okReport,
  steps: [
    okReport.steps[0]!,
    { step: 'icmp', status: 'pass', startedAt: T0, durationMs: 30, data: { address: '127.0.0.1', family: 4, sent: 4, received: 3, lossPct: 25, rttMs: rtt(1.5) } },
    {
      step: 'path', status: 'warn', startedAt: T0, durationMs: 900,
      data: {
        address: '127.0.0.1', family: 4, reached: true, sourceLinkLossPct: 0, count: 100, intervalMs: 25, discoveryMs: 100, measureMs: 800,
        hops: [
          { ttl: 1, address: '10.0.0.1', sent: 100, received: 100, lossPct: 0, linkLossPct: 0, sourceLossPct: 0, rttMs: rtt(0.5) },
          { ttl: 2, address: null, sent: 100, received: 0, lossPct: 100, linkLossPct: 0, sourceLossPct: 100, rttMs: null },
          { ttl: 3, address: '127.0.0.1', sent: 100, received: 88, lossPct: 0, linkLossPct: 12, sourceLossPct: 12, rttMs: rtt(2), destination: true },
        ],
      },
    },
    ...okReport.steps.slice(1),
  ],
};

describe('prometheus: ICMP and path results', () => {
  it('ICMP echo becomes probe_icmp_rtt_seconds (by statistic) and probe_icmp_loss_ratio', () => {
    const text = renderPrometheus(withConnectivity);
    expect(text).toContain('probe_icmp_loss_ratio{target="relay-a"} 0.25');
    expect(text).toContain('probe_icmp_rtt_seconds{target="relay-a",stat="avg"} 0.0015');
    expect(text).toContain('probe_icmp_rtt_seconds{target="relay-a",stat="max"} 0.0025');
    expect(text).toContain('probe_icmp_packets_sent{target="relay-a"} 4');
  });

  it('the path becomes per-hop loss and RTT labelled by TTL and address; a silent hop has no RTT', () => {
    const text = renderPrometheus(withConnectivity);
    expect(text).toContain('probe_path_hops{target="relay-a"} 3');
    expect(text).toContain('probe_path_reached{target="relay-a"} 1');
    expect(text).toContain('probe_path_hop_loss_ratio{target="relay-a",ttl="3",address="127.0.0.1"} 0.12');
    expect(text).toContain('probe_path_hop_node_loss_ratio{target="relay-a",ttl="2",address=""} 1');
    expect(text).toContain('probe_path_hop_rtt_seconds{target="relay-a",ttl="1",address="10.0.0.1"} 0.0005');
    expect(text).not.toMatch(/probe_path_hop_rtt_seconds\{[^}]*ttl="2"/);
  });

  it('a check without ICMP or path exposes none of these series', () => {
    const text = renderPrometheus(okReport);
    expect(text).not.toMatch(/probe_icmp_|probe_path_/);
  });

  it('prom-client accepts the families (the exporter serves them)', async () => {
    const body = await registryOf(reportMetrics(withConnectivity)).metrics();
    expect(body).toContain('probe_path_hop_loss_ratio{ttl="3",address="127.0.0.1"} 0.12');
  });
});
