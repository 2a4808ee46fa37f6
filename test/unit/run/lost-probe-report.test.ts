/**
 * The Report of a probe lost with its worker thread: a valid Report (the published JSON Schema)
 * that every renderer and the exit code read like any other — PROBE_INTERNAL_ERROR, verdict
 * unknown — and that holds no secret of the target.
 */
import { describe, expect, it } from 'vitest';
import { reportSchema } from '../../../src/model/report-schema.js';
import { Secret } from '../../../src/model/secret.js';
import { OUTPUT_FORMATS, loadRenderer } from '../../../src/report/index.js';
import { lostProbeReport } from '../../../src/run/lost-probe-report.js';
import { target } from './fake-probe.js';


describe('lostProbeReport', () => {
  const t = { ...target('relay-a'), user: 'probe@smarthost.test', password: new Secret('lost-pass-9') };
  const report = lostProbeReport(t, Date.parse('2026-12-05T09:00:00Z'), Date.parse('2026-12-05T09:00:02Z'), 'worker ran out of memory');

  it('is a valid Report: PROBE_INTERNAL_ERROR, verdict unknown, the reason as evidence', () => {
    // The zod schema the published JSON Schema (`smtprobe schema report`) is generated from.
    const parsed = reportSchema.safeParse(JSON.parse(JSON.stringify(report)));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(report.verdict).toBe('unknown');
    expect(report.findings.map((f) => f.code)).toEqual(['PROBE_INTERNAL_ERROR']);
    expect(report.findings[0]?.evidence[0]).toContain('worker ran out of memory');
    expect(report.durationMs).toBe(2000);
    expect(report.target).toMatchObject({ name: 'relay-a', hasPassword: true });
  });

  it('every renderer shows it, none with the password', async () => {
    for (const f of OUTPUT_FORMATS) {
      const r = await loadRenderer(f);
      const text = r.many([report], { color: false, transcript: true, notRun: [], width: 100 });
      expect(text, f).toContain('relay-a');
      expect(text).not.toContain('lost-pass-9');
    }
  });
});
