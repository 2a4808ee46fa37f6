/**
 * Safety rule: a secret never appears in any output format or transcript, whatever the
 * mechanism and whether AUTH succeeds or fails (docs/design.md, "Safety rules").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer } from '../../src/mock/index.js';
import { Secret } from '../../src/model/secret.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';
import { renderHuman } from '../../src/report/human.js';
import { renderJson } from '../../src/report/json.js';
import { OUTPUT_FORMATS, loadRenderer } from '../../src/report/index.js';
import { APP_ID, MAILBOX, SECRETS, TENANT, run, startLab, type OAuthLab } from '../support/oauth-lab.js';

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

/**
 * OAuth: client secrets, certificate keys, refresh tokens, service-account keys and the access
 * tokens smtprobe fetches never appear in any output format, the transcript or an error, raw
 * or base64, whether the token is accepted, refused by the server or refused by the endpoint.
 */
describe('no OAuth secret in any output', () => {
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
  /** A PEM key is checked by its base64 body lines (any one of them would be a leak). */
  const pemLines = (pem: string): string[] => pem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
  const oauthForms = (s: string): string[] => [s, b64(s), b64url(s), encodeURIComponent(s), b64(`user=${MAILBOX}\x01auth=Bearer ${s}\x01\x01`)];

  async function allFormats(report: Report): Promise<string[]> {
    const texts = [...outputs(report)];
    for (const f of OUTPUT_FORMATS) texts.push((await loadRenderer(f)).one(report, { color: false, transcript: true }));
    texts.push(JSON.stringify(report.findings), JSON.stringify(report.steps));
    return texts;
  }

  const cases: { name: string; endpoint: Parameters<typeof startLab>[0]; smtp?: Parameters<typeof startLab>[1]; input: (l: OAuthLab) => Record<string, unknown>; expect: string }[] = [
    { name: 'client secret, token accepted', endpoint: () => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTenant: TENANT, oauthTokenUrl: `${l.endpoint.url}/${TENANT}/oauth2/v2.0/token` }), expect: 'pass' },
    { name: 'client secret refused by the endpoint', endpoint: () => ({ clients: [{ clientId: APP_ID, secret: 'another-secret-value-xyz' }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }), expect: 'OAUTH_TOKEN_REQUEST_FAILED' },
    { name: 'token refused by the server', endpoint: () => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret, consented: false }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }), expect: 'AUTH_TOKEN_REJECTED' },
    { name: 'certificate credential', endpoint: ({ certPem }) => ({ clients: [{ clientId: APP_ID, certPem }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientCert: l.certFile, oauthClientKey: l.keyFile, oauthTenant: TENANT, oauthTokenUrl: `${l.endpoint.url}/${TENANT}/oauth2/v2.0/token` }), expect: 'pass' },
    { name: 'refresh token', endpoint: () => ({ clients: [{ clientId: APP_ID, refreshTokens: [{ token: SECRETS.refreshToken, upn: MAILBOX }] }] }), input: (l) => ({ oauthClientId: APP_ID, oauthRefreshTokenEnv: 'APP_REFRESH', oauthTokenUrl: l.endpoint.tokenUrl }), expect: 'pass' },
    { name: 'refresh token refused', endpoint: () => ({ clients: [{ clientId: APP_ID, refreshTokens: [] }] }), input: (l) => ({ oauthClientId: APP_ID, oauthRefreshTokenEnv: 'APP_REFRESH', oauthTokenUrl: l.endpoint.tokenUrl }), expect: 'OAUTH_TOKEN_REQUEST_FAILED' },
    { name: 'Google service account', endpoint: ({ saPublicPem }) => ({ serviceAccounts: [{ email: 'relay@p.iam.gserviceaccount.com', publicKeyPem: saPublicPem, delegatedScopes: ['https://mail.google.com/'], users: [MAILBOX] }] }), smtp: { profile: 'gmail' }, input: (l) => ({ oauthServiceAccount: l.serviceAccountFile, oauthTokenUrl: l.endpoint.tokenUrl }), expect: 'pass' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const lab = await startLab(c.endpoint, c.smtp ?? { profile: 'm365' });
      try {
        const { report } = await run(lab, c.input(lab), { APP_SECRET: SECRETS.clientSecret, APP_REFRESH: SECRETS.refreshToken });
        const auth = report.steps.find((s) => s.step === 'auth');
        if (c.expect === 'pass') expect(auth?.status).toBe('pass');
        else expect(report.findings.map((f) => f.code)).toContain(c.expect);
        const secrets = [SECRETS.clientSecret, SECRETS.refreshToken, ...lab.endpoint.issued];
        if (c.expect === 'pass') expect(lab.endpoint.issued.length).toBeGreaterThan(0);
        const forbidden = [...secrets.flatMap(oauthForms), ...pemLines(lab.keyPem), ...pemLines(lab.serviceAccountKeyPem)];
        for (const text of await allFormats(report)) for (const f of forbidden) expect(text.includes(f), `output contains ${f.slice(0, 12)}…`).toBe(false);
      } finally {
        await lab.close();
      }
    });
  }
});
