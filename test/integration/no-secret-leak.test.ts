/**
 * Safety rule: a secret never appears in any output format or transcript, whatever the
 * mechanism and whether AUTH succeeds or fails (DESIGN.md "Safety rules").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/config/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer } from '../../src/mock/index.js';
import { Secret } from '../../src/model/secret.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/probe/probe.js';
import { renderHuman } from '../../src/report/human.js';
import { renderJson } from '../../src/report/json.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** Every form a secret could take on the wire or in a log. */
function forms(user: string, secret: string): string[] {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return [
    secret,
    b64(secret),
    b64(`\0${user}\0${secret}`),
    b64(`user=${user}\x01auth=Bearer ${secret}\x01\x01`),
    encodeURIComponent(secret),
  ];
}

function outputs(report: Report): string[] {
  return [renderJson(report), renderHuman(report, { color: false, transcript: true }), renderHuman(report, { color: true, transcript: true }), JSON.stringify(report.transcript)];
}

describe('no secret in any output', () => {
  const cases: { scenario: string; auth: string; useToken?: boolean }[] = [
    { scenario: 'good-starttls', auth: 'PLAIN' },
    { scenario: 'good-starttls', auth: 'LOGIN' },
    { scenario: 'bad-credentials', auth: 'PLAIN' },
    { scenario: 'bad-credentials', auth: 'LOGIN' },
    { scenario: 'cram-only', auth: 'CRAM-MD5' },
    { scenario: 'm365-auth-disabled', auth: 'auto' },
  ];
  for (const c of cases) {
    it(`${c.scenario} with ${c.auth}`, async () => {
      const scenario = await findScenario(c.scenario);
      const server = await startMockServer(scenario, { pki });
      try {
        const target = await targetForScenario(scenario, server, { auth: c.auth });
        const secret = target.password?.reveal();
        expect(secret, 'scenario must carry a password').toBeTruthy();
        const report = await probe(target);
        expect(report.steps.find((s) => s.step === 'auth')?.data).toMatchObject({ attempted: true });
        for (const text of outputs(report)) {
          for (const f of forms(target.user ?? '', secret as string)) expect(text).not.toContain(f);
        }
      } finally {
        await server.close();
      }
    });
  }

  it('an XOAUTH2 bearer token never appears', async () => {
    const scenario = await findScenario('good-starttls');
    const server = await startMockServer(scenario, { pki });
    try {
      const target = await targetForScenario(scenario, server, { auth: 'XOAUTH2' });
      delete target.password;
      target.token = new Secret('ya29.a0-super-secret-token');
      const report = await probe(target);
      for (const text of outputs(report)) {
        for (const f of forms(target.user ?? '', 'ya29.a0-super-secret-token')) expect(text).not.toContain(f);
      }
    } finally {
      await server.close();
    }
  });
});
