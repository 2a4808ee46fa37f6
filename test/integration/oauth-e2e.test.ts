/**
 * OAuth end to end: smtprobe fetches a token from the local token endpoint (generic RFC 6749,
 * Microsoft through msal-node, Google through google-auth-library) and authenticates with
 * XOAUTH2 / OAUTHBEARER to a mock that verifies the token as Microsoft 365 or Gmail would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/oauth/token-cache.js';
import { APP_ID, MAILBOX, SECRETS, TENANT, codes, run, startLab, type OAuthLab } from '../support/oauth-lab.js';

let lab: OAuthLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const ENV = { APP_SECRET: SECRETS.clientSecret, APP_REFRESH: SECRETS.refreshToken };

describe('token acquired, AUTH accepted', () => {
  it('generic token URL, client secret, XOAUTH2 against an M365-like server', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), { profile: 'm365' });
    const { report, auth } = await run(lab, { oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: lab.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }, ENV);
    expect(auth?.mechanism).toBe('XOAUTH2');
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(auth?.oauth?.claims?.roles).toEqual(['SMTP.SendAsApp']);
    expect(lab.endpoint.requests).toHaveLength(1);
    expect(lab.endpoint.requests[0]).toMatchObject({ grantType: 'client_credentials', clientAuth: 'basic' });
    expect(lab.smtp.decisions).toEqual([{ mechanism: 'XOAUTH2', ok: true, reason: 'token accepted' }]);
    expect(codes(report)).not.toContain('AUTH_TOKEN_REJECTED');
    expect(report.target.oauth).toMatchObject({ provider: 'generic', clientId: APP_ID, clientAuth: 'secret' });
  });

  it('a generic endpoint that reads the secret only from the body (client_secret_post): one retry that way', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }], clientSecretMethods: ['post'] }), { profile: 'm365' });
    const { report } = await run(lab, { oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: lab.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }, ENV);
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(lab.endpoint.requests.map((r) => r.clientAuth)).toEqual(['basic', 'post']);
  });

  it('OAUTHBEARER when it is the only bearer mechanism offered', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), { profile: 'm365', mechanisms: ['LOGIN', 'OAUTHBEARER'] });
    const { report, auth } = await run(lab, { oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: lab.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }, ENV);
    expect(auth?.mechanism).toBe('OAUTHBEARER');
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(lab.smtp.decisions).toEqual([{ mechanism: 'OAUTHBEARER', ok: true, reason: 'token accepted' }]);
  });

  it('Microsoft tenant through msal-node (loopback authority), client secret', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), { profile: 'm365' });
    const { report, auth } = await run(lab, { oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTenant: TENANT, oauthTokenUrl: `${lab.endpoint.url}/${TENANT}/oauth2/v2.0/token` }, ENV);
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(auth?.oauth?.oauth).toMatchObject({ provider: 'microsoft', tenant: TENANT, scope: 'https://outlook.office365.com/.default' });
    expect(lab.endpoint.requests.map((r) => r.path)).toEqual([`/${TENANT}/oauth2/v2.0/token`]);
  });

  it('Microsoft tenant through msal-node, certificate credential (signed client assertion)', async () => {
    lab = await startLab(({ certPem }) => ({ clients: [{ clientId: APP_ID, certPem }] }), { profile: 'm365' });
    const { report } = await run(lab, { oauthClientId: APP_ID, oauthClientCert: lab.certFile, oauthClientKey: lab.keyFile, oauthTenant: TENANT, oauthTokenUrl: `${lab.endpoint.url}/${TENANT}/oauth2/v2.0/token` });
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(lab.endpoint.requests[0]).toMatchObject({ clientAuth: 'assertion' });
  });

  it('generic token URL, certificate credential', async () => {
    lab = await startLab(({ certPem }) => ({ clients: [{ clientId: APP_ID, certPem }] }), { profile: 'm365' });
    const { report } = await run(lab, { oauthClientId: APP_ID, oauthClientCert: lab.certFile, oauthClientKey: lab.keyFile, oauthTokenUrl: lab.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' });
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(lab.endpoint.requests[0]).toMatchObject({ clientAuth: 'assertion' });
  });

  it('refresh token (delegated), Microsoft tenant through msal-node', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, refreshTokens: [{ token: SECRETS.refreshToken, upn: MAILBOX }] }] }), { profile: 'm365' });
    const { report, auth } = await run(lab, { oauthClientId: APP_ID, oauthRefreshTokenEnv: 'APP_REFRESH', oauthTenant: TENANT, oauthTokenUrl: `${lab.endpoint.url}/${TENANT}/oauth2/v2.0/token` }, ENV);
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(auth?.oauth?.claims?.scp).toBe('SMTP.Send');
    expect(lab.endpoint.requests[0]).toMatchObject({ grantType: 'refresh_token' });
  });

  it('Google service account (domain-wide delegation) through google-auth-library, XOAUTH2 to a Gmail-like server', async () => {
    lab = await startLab(({ saPublicPem }) => ({ serviceAccounts: [{ email: 'relay@p.iam.gserviceaccount.com', publicKeyPem: saPublicPem, delegatedScopes: ['https://mail.google.com/'], users: [MAILBOX] }] }), { profile: 'gmail' });
    const { report, auth } = await run(lab, { oauthServiceAccount: lab.serviceAccountFile, oauthTokenUrl: lab.endpoint.tokenUrl });
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(auth?.mechanism).toBe('XOAUTH2');
    expect(auth?.oauth?.opaque).toBe(true);
    expect(lab.endpoint.requests[0]).toMatchObject({ grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' });
  });

  it('a fleet run reuses one token per credential until it expires', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), { profile: 'm365' });
    const tokens = new TokenCache();
    const input = { oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: lab.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' };
    const results = await Promise.all([run(lab, input, ENV, tokens), run(lab, input, ENV, tokens), run(lab, input, ENV, tokens)]);
    for (const r of results) expect(r.report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    expect(lab.endpoint.requests).toHaveLength(1);
    expect(results.filter((r) => r.auth?.oauth?.cached === true)).toHaveLength(2);
    expect(tokens.size).toBe(1);
  });
});
