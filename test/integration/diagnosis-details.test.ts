/**
 * Smaller diagnoses a careful admin would want, against the mock: greylisting is not a relay
 * refusal, a password transition after AUTH PLAIN over TLS does not advise AUTH PLAIN over
 * TLS, a 250 to STARTTLS is no "refusal", and --rcpt alone still opens a transaction.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { loadScenarioFile } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { renderPrometheus } from '../../src/report/prometheus.js';
import { replayScenario } from '../../src/run/replay.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/scenarios');
let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
const run = async (name: string): Promise<Report> => replayScenario(await loadScenarioFile(path.join(dir, `${name}.yaml`)), { pki });

describe('diagnosis details', () => {
  it('greylisting: GREYLISTED (a warning, "delayed, not lost"), the RCPT step shows the same code, no relay-rights advice', async () => {
    const r = await run('greylisting');
    const f = r.findings.find((x) => x.code === 'GREYLISTED');
    expect(f?.severity).toBe('warning');
    expect(f?.cause).toMatch(/delayed, not lost/);
    expect(`${f?.cause} ${f?.fix.join(' ')}`).not.toMatch(/grant the account relay rights|lacks the right/);
    expect(r.steps.find((s) => s.step === 'rcpt')?.error).toMatchObject({ code: 'GREYLISTED', observed: 'RELAY_DENIED' });
  });

  it('432 4.7.12 after AUTH PLAIN over TLS: the password must be set again, not "authenticate with PLAIN over TLS"; probe_success 0', async () => {
    const r = await run('password-transition-432');
    const f = r.findings.find((x) => x.code === 'AUTH_TEMPFAIL');
    expect(f?.cause).toMatch(/already was AUTH PLAIN over TLS/);
    expect(f?.fix.join(' ')).not.toMatch(/--auth PLAIN over TLS/);
    expect(renderPrometheus(r)).toMatch(/^probe_success(\{[^}]*\})? 0$/m);
  });

  it('250 to STARTTLS: PROTOCOL_VIOLATION naming the 250, not STARTTLS_REJECTED', async () => {
    const r = await run('starttls-250');
    const f = r.findings.find((x) => x.code === 'PROTOCOL_VIOLATION');
    expect(f?.title).toBe('STARTTLS answered with 250 instead of 220');
    expect(r.findings.map((x) => x.code)).not.toContain('STARTTLS_REJECTED');
  });

  it('--rcpt without --mail-from: MAIL FROM (the authenticated address) goes first, so no 503 is blamed on the server', async () => {
    const r = await run('rcpt-without-mail-from');
    const sent = r.transcript.filter((l) => l.dir === '>').map((l) => l.text);
    const mail = sent.findIndex((t) => t.startsWith('MAIL FROM:<probe@smarthost.test>'));
    const rcpt = sent.findIndex((t) => t.startsWith('RCPT TO:'));
    expect(mail).toBeGreaterThanOrEqual(0);
    expect(rcpt).toBeGreaterThan(mail);
    expect(r.verdict).toBe('ok');
  });
});
