import { describe, expect, it } from 'vitest';
import { renderNagios, renderNagiosFleet } from '../../../src/report/nagios.js';
import { expectGolden } from './golden.js';
import { badCredentialsReport, okReport, unreachableReport } from './sample-reports.js';

describe('nagios renderer', () => {
  it('an ok report is one status line with perfdata for each step and the certificate', () => {
    expectGolden('nagios-ok.txt', renderNagios(okReport));
  });

  it('a critical report names the finding; "|" in text cannot start perfdata early', () => {
    const line = renderNagios(badCredentialsReport);
    expectGolden('nagios-critical.txt', line);
    expect(line.split('|')).toHaveLength(2);
    expect(line.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a fleet is one status line (worst state) and long output per target, worst first', () => {
    expectGolden('nagios-fleet.txt', renderNagiosFleet([okReport, badCredentialsReport, unreachableReport], ['relay-d']));
  });

  it('perfdata thresholds for certificate days are Nagios ranges (alert below)', () => {
    expect(renderNagios(okReport)).toContain('cert_days=90;21:;7:;;');
  });
});
