import { describe, expect, it } from 'vitest';
import { CATALOG, verdictOf } from '../../../src/diagnose/index.js';
import { FINDING_CODES } from '../../../src/model/finding-codes.js';
import type { Finding, Severity } from '../../../src/model/report.js';
import { passingSteps, step } from './builders.js';

function finding(severity: Severity, code: Finding['code'] = 'CERT_WEAK_KEY'): Finding {
  return { code, severity, title: 't', evidence: [], cause: 'c', fix: [] };
}

describe('verdictOf', () => {
  const steps = passingSteps();
  it('critical > warning > ok', () => {
    expect(verdictOf([], steps)).toBe('ok');
    expect(verdictOf([finding('info')], steps)).toBe('ok');
    expect(verdictOf([finding('info'), finding('warning')], steps)).toBe('warning');
    expect(verdictOf([finding('warning'), finding('critical'), finding('info')], steps)).toBe('critical');
  });

  it('unknown when smtprobe failed or nothing ran', () => {
    expect(verdictOf([finding('critical', 'PROBE_INTERNAL_ERROR')], steps)).toBe('unknown');
    expect(verdictOf([], [...steps, step('icmp', 'warn', undefined, { code: 'PROBE_INTERNAL_ERROR' })])).toBe('unknown');
    expect(verdictOf([], [])).toBe('unknown');
    expect(verdictOf([finding('critical')], [step('tcp', 'skip'), step('banner', 'skip')])).toBe('unknown');
  });
});

describe('catalog', () => {
  it('has an entry with title, cause and fix for every finding code', () => {
    for (const code of FINDING_CODES) {
      const e = CATALOG[code];
      expect(e, code).toBeDefined();
      expect(e.title.length, code).toBeGreaterThan(0);
      expect(e.cause.length, code).toBeGreaterThan(0);
      expect(e.fix.length, code).toBeGreaterThan(0);
    }
  });

  it('has no entry for a code that does not exist', () => {
    expect(Object.keys(CATALOG).sort()).toEqual([...FINDING_CODES].sort());
  });
});
