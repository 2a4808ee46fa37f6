/**
 * A reply the probed server passed on from the server behind it is attributed to that server:
 * the evidence quotes the inner reply, the fix names where to act, and the probed server's own
 * relay remedies (which cannot help) are left out. The real-Dovecot case is in dovecot.test.ts;
 * these use the bundled mock scenarios.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { loadScenarioFile } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { replayScenario } from '../../src/run/replay.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/scenarios');
let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

async function run(name: string): Promise<Report> {
  return replayScenario(await loadScenarioFile(path.join(dir, `${name}.yaml`)), { pki });
}

describe('replies passed through from the server behind', () => {
  it('Postfix quoting the next host ("host X said: 550 ..."): attributed to that host, Postfix\'s relay settings not offered', async () => {
    const r = await run('postfix-verify-passthrough');
    const f = r.findings.find((x) => x.code === 'RELAY_DENIED');
    expect(f?.evidence).toContain('the refusal as the server behind wrote it: 550 5.1.1 <someone@elsewhere.test>: Recipient address rejected: User unknown in virtual mailbox table');
    expect(f?.evidence.join(' ')).toMatch(/passed through from the server behind Postfix \(mx\.elsewhere\.test\)/);
    expect(f?.fix[0]).toMatch(/^Postfix: the refusal came from the next host Postfix asked/);
    expect(f?.fix.join(' ')).not.toMatch(/smtpd_relay_restrictions|grant the account relay rights/);
    expect(f?.cause).toMatch(/did not make this decision/);
  });

  it('Exim quoting a callout: attributed to the next host, whose own wording (Postfix) picks its fix; no Exim ACL advice', async () => {
    const r = await run('exim-callout-passthrough');
    const f = r.findings.find((x) => x.code === 'RELAY_DENIED');
    expect(f?.evidence.join(' ')).toMatch(/passed through from the server behind Exim \(mx\.elsewhere\.test\): the reply quotes a callout/);
    expect(f?.evidence).toContain('the refusal as the server behind wrote it: 554 5.7.1 <someone@elsewhere.test>: Relay access denied');
    expect(f?.fix[0]).toMatch(/^Exim: the refusal came from a callout/);
    expect(f?.fix[1]).toMatch(/^Postfix \(the server behind Exim \(mx\.elsewhere\.test\)\): smtpd_relay_restrictions/);
    expect(f?.fix.join(' ')).not.toMatch(/accept authenticated = \*/);
    expect(r.summary.failedStep).toEqual({ step: 'rcpt', code: 'RELAY_DENIED' });
  });

  it('Dovecot that cannot reach its relay: RELAY_NEXT_HOP_UNREACHABLE (one code everywhere), not SENDER_REJECTED', async () => {
    const r = await run('dovecot-relay-unreachable');
    expect(r.findings.map((f) => f.code), JSON.stringify(r.findings.map((f) => [f.code, f.evidence]))).toEqual(['RELAY_NEXT_HOP_UNREACHABLE']);
    const f = r.findings[0];
    expect(f?.step).toBe('mail');
    expect(f?.evidence.join(' ')).toMatch(/could not use its relay \(submission_relay_host\)/);
    expect(f?.fix[0]).toMatch(/^Dovecot submission: submission_relay_host \/ submission_relay_port/);
    expect(r.summary.failedStep).toEqual({ step: 'mail', code: 'RELAY_NEXT_HOP_UNREACHABLE' });
    expect(r.steps.find((s) => s.step === 'mail')?.error?.code).toBe('RELAY_NEXT_HOP_UNREACHABLE');
  });

  it('a server\'s own refusal stays its own (no pass-through claimed)', async () => {
    const r = await run('relay-denied');
    const f = r.findings.find((x) => x.code === 'RELAY_DENIED');
    expect(f?.evidence.join(' ')).not.toMatch(/passed through/);
  });
});
