import { describe, expect, it } from 'vitest';
import { renderSummaryTable } from '../../../src/report/summary-table.js';
import { renderStateChange } from '../../../src/report/state-change.js';
import { badCredentialsReport, okReport, unreachableReport } from './sample-reports.js';

describe('run summary table', () => {
  it('one row per target in file order, then findings of the troubled ones, then totals', () => {
    const text = renderSummaryTable([okReport, badCredentialsReport, unreachableReport], { color: false, notRun: ['relay-d'] });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^TARGET\s+ADDRESS\s+VERDICT\s+TIME\s+TLS\s+CERT\s+PROBLEM$/);
    expect(lines[1]).toMatch(/^relay-a\s+127\.0\.0\.1:2525\s+ok\s+49 ms\s+TLSv1\.3\s+90d$/);
    expect(lines[2]).toMatch(/relay-b .* critical\s+1\.2 s .* auth: AUTH_CREDENTIALS_REJECTED$/);
    expect(text).toContain('not run (interrupted): relay-d');
    expect(text.trimEnd().split('\n').pop()).toBe('4 targets: 1 ok, 1 unknown, 1 critical, 1 not run — worst critical');
    expect(text).not.toContain('\x1b[');
  });

  it('wraps to the terminal width: no line wider than it, the PROBLEM text and the fixes kept whole', () => {
    const reports = [okReport, badCredentialsReport, unreachableReport];
    const wide = renderSummaryTable(reports, { color: false });
    for (const width of [60, 80, 100]) {
      const text = renderSummaryTable(reports, { color: true, width });
      const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
      for (const l of plain.split('\n')) expect(l.length, `${width}: ${l}`).toBeLessThanOrEqual(width);
      // The same words, only broken over lines (at 60 columns without the ADDRESS column).
      const words = width === 60 ? wide.replace(/ADDRESS|127\.0\.0\.\d+:\d+|relay-c\.invalid:\d+/g, '') : wide;
      expect(plain.replace(/\s+/g, ' ')).toBe(words.replace(/\s+/g, ' '));
    }
    const narrow = renderSummaryTable(reports, { color: false, width: 60 }).split('\n');
    // Narrower than the fixed columns: ADDRESS goes; too narrow for a PROBLEM column beside
    // the row: the problem goes under it, indented.
    expect(narrow[0]).toMatch(/^TARGET\s+VERDICT\s+TIME/);
    const b = narrow.findIndex((l) => l.startsWith('relay-b'));
    expect(narrow[b]).not.toContain('AUTH_CREDENTIALS_REJECTED');
    expect(narrow[b + 1]).toMatch(/^ {4}auth: AUTH_CREDENTIALS_REJECTED/);
  });

  it('a state change line names the transition and the codes', () => {
    expect(renderStateChange({ target: 'relay-b', from: 'ok', to: 'critical', report: badCredentialsReport }))
      .toBe('2026-11-24T12:00:00.000Z relay-b ok -> critical: AUTH_CREDENTIALS_REJECTED\n');
    expect(renderStateChange({ target: 'relay-a', to: 'ok', report: okReport })).toBe('2026-11-24T12:00:00.000Z relay-a ok\n');
  });
});
