import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/model/report.js';
import { renderNdjson, renderNdjsonLine } from '../../../src/report/ndjson.js';
import { expectGolden } from './golden.js';
import { badCredentialsReport, okReport, unreachableReport } from './sample-reports.js';

describe('ndjson renderer', () => {
  const reports = [okReport, badCredentialsReport, unreachableReport];

  it('one Report per line (golden)', () => {
    expectGolden('stream.ndjson', renderNdjson(reports));
  });

  it('each line parses back to the Report it came from', () => {
    const lines = renderNdjson(reports).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as Report)).toEqual(JSON.parse(JSON.stringify(reports)));
  });

  it('a newline inside a value never splits a record', () => {
    const r: Report = { ...okReport, findings: [{ ...badCredentialsReport.findings[0]!, cause: 'line one\nline two' }] };
    expect(renderNdjsonLine(r).split('\n')).toHaveLength(2);
  });
});
