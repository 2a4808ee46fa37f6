import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../src/report/junit.js';
import { expectGolden } from './golden.js';
import { badCredentialsReport, okReport, unreachableReport } from './sample-reports.js';

describe('junit renderer', () => {
  it('one testcase per target: critical fails, unknown errors, not-run is skipped (golden)', () => {
    const xml = renderJunit([okReport, badCredentialsReport, unreachableReport], ['relay-d']);
    expectGolden('run.junit.xml', xml);
    expect(xml).toContain('tests="4" failures="1" errors="1" skipped="1"');
    expect(xml).toContain('name="relay &quot;c&quot;"');
  });
});
