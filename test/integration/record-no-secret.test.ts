/**
 * No secret in any recorded file: record runs that used distinctive passwords,
 * tokens and user names — accepted, rejected, echoed back by the server, over PLAIN, LOGIN,
 * CRAM-MD5 and XOAUTH2, with the generic and the Exchange client — and grep every recording
 * (the YAML written, comments included) for them and their base64 forms. The same for an
 * Exchange Send log whose SASL lines are not masked.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRecording } from '../../src/cli/run-record.js';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { parseScenario, startMockServer } from '../../src/mock/index.js';
import { recordExchangeLog, recordReport, USER_PLACEHOLDER } from '../../src/record/index.js';
import { oauthSecrets } from '../../src/model/oauth.js';
import { probe } from '../../src/check.js';
import { replayScenario } from '../../src/run/replay.js';
import { APP_ID, MAILBOX, SECRETS, labTarget, startLab, type OAuthLab } from '../support/oauth-lab.js';

const USER = 'alice.distinct7@corp-secret.test';
const PASSWORD = 'Zq9!distinctive-Passw0rd';
const WRONG = 'Wr0ng-distinct-Secret#42';
const TOKEN = 'ya29.distinctTOKEN-abcdef123456';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const forms = (s: string): string[] => [s, b64(s), b64(s).replace(/=+$/, '')];

/** Every form a secret could take in a file: literal, base64 (padded or not), inside PLAIN and XOAUTH2 messages. */
function forbidden(opts: { withUser: boolean }): string[] {
  const values = [PASSWORD, WRONG, TOKEN, ...(opts.withUser ? [USER] : [])];
  const sasl = [`\0${USER}\0${PASSWORD}`, `\0${USER}\0${WRONG}`, `user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`];
  return [...values.flatMap(forms), ...sasl.map(b64), ...sasl.map((s) => b64(s).replace(/=+$/, ''))];
}

function assertClean(text: string, opts: { withUser: boolean }, where: string): void {
  for (const f of forbidden(opts)) expect(text.includes(f), `${where} contains ${JSON.stringify(f)}`).toBe(false);
  if (opts.withUser) expect(text.toLowerCase().includes(USER.toLowerCase()), `${where} contains the user name`).toBe(false);
}

const users = `users: [{ username: "${USER}", password: "${PASSWORD}" }]`;
const CASES: { name: string; yaml: string }[] = [
  { name: 'plain-accepted', yaml: `server: { auth: { mechanisms: [PLAIN, LOGIN], ${users} } }\nprobe: { tls: starttls, tlsDomain: smarthost.test, user: "${USER}", password: "${PASSWORD}", mailFrom: "${USER}", rcpt: "${USER}" }` },
  { name: 'plain-wrong-password', yaml: `server: { auth: { mechanisms: [PLAIN], ${users} } }\nprobe: { tls: starttls, tlsDomain: smarthost.test, user: "${USER}", password: "${WRONG}" }` },
  {
    name: 'login-rejected-echoing-the-user',
    yaml: `server:\n  auth: { mechanisms: [LOGIN], ${users} }\n  replies: { AUTH: [{ code: 535, text: "5.7.8 ${USER}: authentication failed for ${USER}" }] }\nprobe: { tls: starttls, tlsDomain: smarthost.test, user: "${USER}", password: "${PASSWORD}" }`,
  },
  { name: 'cram-md5', yaml: `server: { auth: { mechanisms: [CRAM-MD5], ${users} } }\nprobe: { tls: starttls, tlsDomain: smarthost.test, user: "${USER}", password: "${PASSWORD}" }` },
  { name: 'xoauth2-token', yaml: `server: { auth: { mechanisms: [XOAUTH2], users: [{ username: "${USER}", password: "${TOKEN}" }] } }\nprobe: { tls: starttls, tlsDomain: smarthost.test, auth: XOAUTH2, user: "${USER}", token: "${TOKEN}" }` },
  { name: 'exchange-login', yaml: `server: { auth: { mechanisms: [LOGIN], ${users} } }\nprobe: { client: exchange, tls: starttls, tlsDomain: smarthost.test, user: "${USER}", password: "${PASSWORD}" }` },
  { name: 'plaintext-allowed', yaml: `server: { tls: none, auth: { advertise: always, mechanisms: [PLAIN], ${users} } }\nprobe: { tls: none, allowPlaintextAuth: true, user: "${USER}", password: "${PASSWORD}" }` },
];

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(path.join(tmpdir(), 'smtprobe-record-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('no secret in any recording', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const scenario = parseScenario(`name: ${c.name}\ndescription: secrets test\n${c.yaml}\nexpect: { verdict: ok }\n`, `${c.name}.yaml`);
      const server = await startMockServer(scenario, { pki });
      const target = await targetForScenario(scenario, server);
      let report;
      try {
        const { probe } = await import('../../src/check.js');
        report = await probe(target);
      } finally {
        await server.close();
      }
      // The run really used the credentials (the server saw AUTH, or the relay steps ran).
      expect(report.transcript.some((l) => /^AUTH /.test(l.text))).toBe(true);

      // Library, with and without the secrets handed to the redactor.
      assertClean(recordReport(report, { name: 'r1' }).text, { withUser: true }, `${c.name} (no secrets given)`);
      assertClean(recordReport(report, { name: 'r2', secrets: [target.password, target.token] }).text, { withUser: true }, `${c.name} (secrets given)`);
      // --keep-usernames keeps the name, never a password or token.
      const kept = recordReport(report, { name: 'r3', keepUsernames: true });
      assertClean(kept.text, { withUser: false }, `${c.name} (keep usernames)`);
      expect(kept.text).toContain(USER);

      // The file `check --record` writes.
      const file = path.join(dir, `${c.name}.yaml`);
      await writeRecording(report, file, { keepUsernames: false, secrets: [target.password, target.token] });
      const written = await readFile(file, 'utf8');
      assertClean(written, { withUser: true }, file);
      expect(written).toContain(USER_PLACEHOLDER);
    });
  }

  it('an Exchange Send log with unmasked SASL lines', () => {
    const log = [
      '#Software: Microsoft Exchange Server',
      '#Log-type: SMTP Send Protocol Log',
      '#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context',
      ...[
        ['<', '220 relay.example.com ESMTP'],
        ['>', 'EHLO ex.example.net'],
        ['<', '250-relay.example.com'],
        ['<', '250 AUTH LOGIN PLAIN'],
        ['>', 'AUTH LOGIN'],
        ['<', '334 VXNlcm5hbWU6'],
        ['>', b64(USER)],
        ['<', '334 UGFzc3dvcmQ6'],
        ['>', b64(PASSWORD)],
        ['<', `535 5.7.8 ${USER} authentication failed`],
        ['>', 'AUTH PLAIN ' + b64(`\0${USER}\0${WRONG}`)],
        ['<', '535 5.7.8 Error: authentication failed'],
        ['>', 'QUIT'],
      ].map(([ev, data], i) => `2026-01-01T00:00:00.${String(i).padStart(3, '0')}Z,Relay,08D0000000000001,${i},10.0.0.1:5000,192.0.2.1:587,${ev},${data},`),
    ].join('\n');
    const rec = recordExchangeLog(log, { name: 'exchange-unmasked' });
    assertClean(rec.text, { withUser: true }, 'exchange log recording');
    expect(rec.text).toContain('<redacted:sasl>');
  });
});

/**
 * OAuth: a recording of a session whose token smtprobe fetched (accepted, refused by the
 * server with a 334 error JSON, refused by the endpoint) holds no client secret, refresh
 * token, key or access token, raw or base64; the bearer AUTH line is a placeholder.
 */
describe('no OAuth secret in any recording', () => {
  const oauthForms = (s: string): string[] => [s, b64(s), b64(s).replace(/=+$/, ''), Buffer.from(s).toString('base64url')];
  const cases: { name: string; endpoint: Parameters<typeof startLab>[0]; smtp?: Parameters<typeof startLab>[1]; input: (l: OAuthLab) => Record<string, unknown> }[] = [
    { name: 'accepted (XOAUTH2, M365-like)', endpoint: () => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }) },
    { name: 'refused by the server (334 JSON, 535 5.7.3)', endpoint: () => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret, consented: false }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }) },
    { name: 'refresh token, OAUTHBEARER, Gmail-like', endpoint: () => ({ clients: [{ clientId: APP_ID, refreshTokens: [{ token: SECRETS.refreshToken, upn: MAILBOX }] }] }), smtp: { profile: 'm365', mechanisms: ['OAUTHBEARER'] }, input: (l) => ({ oauthClientId: APP_ID, oauthRefreshTokenEnv: 'APP_REFRESH', oauthTokenUrl: l.endpoint.tokenUrl }) },
    { name: 'refused by the endpoint', endpoint: () => ({ clients: [] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl }) },
    { name: 'certificate credential', endpoint: ({ certPem }) => ({ clients: [{ clientId: APP_ID, certPem }] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientCert: l.certFile, oauthClientKey: l.keyFile, oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }) },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const lab = await startLab(c.endpoint, c.smtp ?? { profile: 'm365' });
      try {
        const target = await labTarget(lab, c.input(lab), { APP_SECRET: SECRETS.clientSecret, APP_REFRESH: SECRETS.refreshToken });
        const report = await probe(target);
        const pem = (p: string): string[] => p.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
        const forbidden = [...[SECRETS.clientSecret, SECRETS.refreshToken, ...lab.endpoint.issued].flatMap(oauthForms), ...pem(lab.keyPem)];
        const dir = await mkdtemp(path.join(tmpdir(), 'smtprobe-oauth-rec-'));
        try {
          const file = path.join(dir, 'session.yaml');
          await writeRecording(report, file, { keepUsernames: false, secrets: [target.password, target.token, ...oauthSecrets(target.oauth)] });
          const texts = [await readFile(file, 'utf8'), recordReport(report, { name: 'oauth-r1' }).text];
          for (const text of texts) for (const f of forbidden) expect(text.includes(f), `recording contains ${f.slice(0, 12)}…`).toBe(false);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      } finally {
        await lab.close();
      }
    });
  }
});

describe('a recorded OAuth refusal replays', () => {
  it('AUTH_TOKEN_REJECTED recorded from an M365-like server is reproduced by the mock with a test token', async () => {
    const lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret, consented: false }] }), { profile: 'm365' });
    try {
      const target = await labTarget(lab, { oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: lab.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }, { APP_SECRET: SECRETS.clientSecret });
      const report = await probe(target);
      expect(report.findings.map((f) => f.code)).toContain('AUTH_TOKEN_REJECTED');
      const rec = recordReport(report, { name: 'oauth-replay', secrets: oauthSecrets(target.oauth) });
      const replayed = await replayScenario(parseScenario(rec.text, 'oauth-replay.yaml'), { pki: lab.pki });
      expect(replayed.findings.map((f) => f.code)).toContain('AUTH_TOKEN_REJECTED');
      expect(replayed.steps.find((s) => s.step === 'auth')?.data).toMatchObject({ mechanism: 'XOAUTH2', attempted: true });
    } finally {
      await lab.close();
    }
  });
});
