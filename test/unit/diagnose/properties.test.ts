import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose, verdictOf } from '../../../src/diagnose/index.js';
import { SEVERITY_RANK } from '../../../src/diagnose/verdict.js';
import { FINDING_CODES, type FindingCode } from '../../../src/model/finding-codes.js';
import { STEP_NAMES, type Status, type StepResult } from '../../../src/model/report.js';
import type { CertProblem } from '../../../src/model/step-data.js';
import { authData, input, passingSteps, reply, step, tlsData } from './builders.js';

const STATUSES: Status[] = ['pass', 'warn', 'fail', 'skip'];
const CERT_CODES: CertProblem['code'][] = ['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH', 'CERT_WEAK_KEY', 'CERT_EXPIRES_SOON', 'CERT_UNTRUSTED_ROOT'];

/** A step from the passing probe with a random status, maybe an error, maybe a refusal reply. */
const mutation = fc.record({
  index: fc.nat({ max: passingSteps().length - 1 }),
  status: fc.constantFrom(...STATUSES),
  code: fc.option(fc.constantFrom(...FINDING_CODES), { nil: undefined }),
  replyCode: fc.constantFrom(421, 451, 454, 530, 534, 535, 550, 554),
  text: fc.constantFrom('Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', 'Too many login attempts', 'Relay access denied', 'Must issue a STARTTLS command first', 'x'),
  problems: fc.subarray(CERT_CODES),
});

interface Mutation {
  index: number; status: Status; code: FindingCode | undefined; replyCode: number; text: string; problems: CertProblem['code'][];
}

function mutate(steps: StepResult[], m: Mutation): StepResult[] {
  const base = steps[m.index]!;
  let data: unknown = base.data;
  if (base.step === 'auth') data = authData({ reply: reply(m.replyCode, '5.7.139', m.text) });
  if (base.step === 'tls') data = tlsData({ problems: m.problems.map((c) => ({ code: c, severity: 'critical', certIndex: 0, detail: c })), verifyPassed: m.problems.length === 0 });
  const s = step(base.step, m.status, data, m.code ? { code: m.code } : undefined);
  return steps.map((x, i) => (i === m.index ? s : x));
}

describe('diagnose properties', () => {
  it('never throws; one finding per code; ordered by severity then step; deterministic', () => {
    fc.assert(fc.property(fc.array(mutation, { maxLength: 6 }), fc.constantFrom<'generic' | 'exchange'>('generic', 'exchange'), (ms, client) => {
      let steps = passingSteps();
      for (const m of ms) steps = mutate(steps, m);
      const i = { ...input(), steps, target: { ...input().target, client } };
      const f = diagnose(i);
      expect(new Set(f.map((x) => x.code)).size).toBe(f.length);
      for (let k = 1; k < f.length; k++) {
        const a = f[k - 1]!;
        const b = f[k]!;
        const order = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
        expect(order).toBeLessThanOrEqual(0);
        if (order === 0) {
          const ai = a.step ? STEP_NAMES.indexOf(a.step) : STEP_NAMES.length;
          const bi = b.step ? STEP_NAMES.indexOf(b.step) : STEP_NAMES.length;
          expect(ai).toBeLessThanOrEqual(bi);
        }
      }
      expect(diagnose(structuredClone(i))).toEqual(f);
      // A failed step never leaves the verdict at ok unless every finding about it is a note.
      const v = verdictOf(f, steps);
      expect(['ok', 'warning', 'critical', 'unknown']).toContain(v);
      if (steps.some((s) => s.status === 'fail' && s.error && s.step !== 'quit' && s.step !== 'icmp')) expect(v).not.toBe('ok');
    }), { numRuns: 300 });
  });

  it('every step error is visible as a finding unless a provider signature re-labelled it', () => {
    fc.assert(fc.property(fc.constantFrom(...STEP_NAMES), fc.constantFrom(...FINDING_CODES), (name, code) => {
      const f = diagnose(input([step(name, 'fail', undefined, { code })]));
      expect(f.map((x) => x.code)).toContain(code);
    }), { numRuns: 200 });
  });
});
