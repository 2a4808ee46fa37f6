import type { Report } from '../model/report.js';
import type { MetricFamily } from './prometheus.js';

type BareFamily = Pick<MetricFamily, 'name' | 'help' | 'labelNames' | 'samples'>;

/**
 * addressMetrics: with --all-addresses, one series per address of the relay — whether its
 * dialogue reached the goal, and whether it is the odd one out — so a dashboard shows which
 * node is bad and an alert can fire on `probe_smtp_address_odd == 1`.
 */
export function addressMetrics(report: Report): BareFamily[] {
  const list = report.addresses;
  if (!list || list.length === 0) return [];
  return [
    { name: 'probe_smtp_address_success', help: 'Per address of the relay (--all-addresses): whether its SMTP dialogue reached its goal', labelNames: ['address'],
      samples: list.map((a) => ({ labels: { address: a.address }, value: a.verdict !== 'unknown' && a.summary.goalReached === true ? 1 : 0 })) },
    { name: 'probe_smtp_address_odd', help: 'Per address of the relay (--all-addresses): 1 when it behaves unlike the others (ADDRESS_INCONSISTENT)', labelNames: ['address'],
      samples: list.map((a) => ({ labels: { address: a.address }, value: a.odd ? 1 : 0 })) },
  ];
}
