import { describe, expect, it } from 'vitest';
import { registryOf } from '../../../src/run/prom-registry.js';
import { formatExposition, renderPrometheus, renderPrometheusFleet, reportMetrics } from '../../../src/report/prometheus.js';
import { expectGolden } from './golden.js';
import { badCredentialsReport, okReport, unreachableReport } from './sample-reports.js';

describe('prometheus renderer', () => {
  it('the exposition of one probe (golden)', () => {
    expectGolden('probe-critical.prom', formatExposition(reportMetrics(badCredentialsReport)));
  });

  it('a fleet: every series labelled with its target, one HELP/TYPE per family (golden)', () => {
    const text = renderPrometheusFleet([okReport, badCredentialsReport, unreachableReport]);
    expectGolden('fleet.prom', text);
    expect(text.match(/^# TYPE probe_success gauge$/gm)).toHaveLength(1);
    expect(text).toContain('probe_success{target="relay \\"c\\""} 0');
  });

  it('has the metrics the issue asks for', () => {
    const text = renderPrometheus(badCredentialsReport);
    for (const m of ['probe_success{', 'probe_duration_seconds{', 'probe_step_duration_seconds{', 'probe_failed_step{',
      'probe_smtp_reply_code{', 'probe_ssl_earliest_cert_expiry{', 'probe_tls_version_info{']) expect(text).toContain(m);
    expect(text).toContain('probe_failed_step{target="relay-b",step="auth",code="AUTH_CREDENTIALS_REJECTED"} 1');
    expect(text).toContain('probe_smtp_reply_code{target="relay-b",step="auth"} 535');
    expect(text).toContain('probe_ssl_earliest_cert_expiry{target="relay-b"} 1796558400');
  });

  it('is byte for byte what prom-client writes for the same families', async () => {
    for (const r of [okReport, badCredentialsReport, unreachableReport]) {
      const families = reportMetrics(r);
      expect(formatExposition(families)).toBe(await registryOf(families).metrics());
    }
  });

  it('a skipped step has no duration series; no failure means no failed_step series', () => {
    const text = formatExposition(reportMetrics(okReport));
    expect(text).not.toContain('step="mail"');
    expect(text).not.toMatch(/^probe_failed_step\{/m);
    expect(text).toContain('probe_success 1');
  });
});
