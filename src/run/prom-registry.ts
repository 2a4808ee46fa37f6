import { Gauge, Registry } from 'prom-client';
import type { MetricFamily } from '../report/prometheus.js';

/**
 * registryOf puts metric families (computed from Reports by src/report/prometheus.ts) into a
 * fresh prom-client Registry — one per /probe request, the blackbox exporter's multi-target
 * pattern, so series of one probe never leak into another's response.
 */
export function registryOf(families: readonly MetricFamily[]): Registry {
  const registry = new Registry();
  for (const f of families) {
    const gauge = new Gauge({ name: f.name, help: f.help, labelNames: f.labelNames, registers: [registry] });
    for (const s of f.samples) gauge.set(s.labels, s.value);
  }
  return registry;
}
