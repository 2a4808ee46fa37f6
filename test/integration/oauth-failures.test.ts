/**
 * Every OAuth failure class gives its finding, its named cause and its fix: the token
 * endpoint's refusals (OAUTH_TOKEN_REQUEST_FAILED, AUTH never attempted) and the SMTP server's
 * (AUTH_TOKEN_REJECTED, from the token's claims, the 334 error JSON and the reply).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MockClient, TokenEndpointOptions } from '../../src/mock/token-endpoint.js';
import { loadRenderer } from '../../src/report/index.js';
import { renderSummaryTable } from '../../src/report/summary-table.js';
import type { OAuthSmtpOptions } from '../../src/mock/oauth-smtp-server.js';
import { APP_ID, MAILBOX, SECRETS, TENANT, causeId, codes, run, startLab, type OAuthLab } from '../support/oauth-lab.js';

let lab: OAuthLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const ENV = { APP_SECRET: SECRETS.clientSecret, APP_REFRESH: SECRETS.refreshToken, WRONG_SECRET: 'not-the-right-secret-value' };
const msTokenUrl = (l: OAuthLab, tenant = TENANT): string => `${l.endpoint.url}/${tenant}/oauth2/v2.0/token`;
const app = (extra: Partial<MockClient> = {}): MockClient => ({ clientId: APP_ID, secret: SECRETS.clientSecret, ...extra });

interface Case {
  name: string;
  endpoint: (f: { certPem: string; saPublicPem: string }) => TokenEndpointOptions;
  smtp?: Omit<OAuthSmtpOptions, 'pki' | 'signingKey' | 'googleTokens'>;
  input: (l: OAuthLab) => Record<string, unknown>;
  code: 'OAUTH_TOKEN_REQUEST_FAILED' | 'AUTH_TOKEN_REJECTED';
  cause: string;
  /** A fragment of the fix (the portal step or PowerShell line). */
  fix: RegExp;
}

const microsoft = (l: OAuthLab, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTenant: TENANT, oauthTokenUrl: msTokenUrl(l), ...extra });

const CASES: Case[] = [
  // ── Token endpoint ──────────────────────────────────────────────────────────
  { name: 'invalid client secret', endpoint: () => ({ clients: [app()] }), input: (l) => microsoft(l, { oauthClientSecretEnv: 'WRONG_SECRET' }), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'invalid-client-secret', fix: /Certificates & secrets.*Value/ },
  { name: 'expired client secret', endpoint: () => ({ clients: [app({ secretExpired: true })] }), input: (l) => microsoft(l), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'expired-client-secret', fix: /new secret/ },
  { name: 'unknown tenant', endpoint: () => ({ clients: [app()] }), input: (l) => microsoft(l, { oauthTenant: 'fabrikam.example', oauthTokenUrl: msTokenUrl(l, 'fabrikam.example') }), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'unknown-tenant', fix: /Directory \(tenant\) ID/ },
  { name: 'app not found', endpoint: () => ({ clients: [] }), input: (l) => microsoft(l), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'app-not-found', fix: /Application \(client\) ID/ },
  { name: 'consent missing (delegated)', endpoint: () => ({ clients: [app({ consented: false, refreshTokens: [{ token: SECRETS.refreshToken, upn: MAILBOX }] })] }), input: (l) => microsoft(l, { oauthRefreshTokenEnv: 'APP_REFRESH' }), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'consent-missing', fix: /Grant admin consent/ },
  { name: 'invalid scope', endpoint: () => ({ clients: [app()] }), input: (l) => microsoft(l, { oauthScope: 'https://outlook.office365.com/SMTP.Send' }), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'invalid-scope', fix: /outlook\.office365\.com\/\.default/ },
  { name: 'certificate not registered', endpoint: () => ({ clients: [app({ secret: undefined })] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientCert: l.certFile, oauthClientKey: l.keyFile, oauthTenant: TENANT, oauthTokenUrl: msTokenUrl(l) }), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'certificate-not-registered', fix: /upload the public certificate/ },
  { name: 'expired refresh token', endpoint: () => ({ clients: [app({ refreshTokens: [] })] }), input: (l) => microsoft(l, { oauthRefreshTokenEnv: 'APP_REFRESH', oauthClientSecretEnv: undefined }), code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'refresh-token-expired', fix: /new refresh token/ },
  {
    name: 'Google: domain-wide delegation missing (unauthorized_client)',
    endpoint: ({ saPublicPem }) => ({ serviceAccounts: [{ email: 'relay@p.iam.gserviceaccount.com', publicKeyPem: saPublicPem, delegatedScopes: [], users: [MAILBOX] }] }),
    smtp: { profile: 'gmail' },
    input: (l) => ({ oauthServiceAccount: l.serviceAccountFile, oauthTokenUrl: l.endpoint.tokenUrl }),
    code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'google-domain-wide-delegation-missing', fix: /Domain Wide Delegation/,
  },
  {
    name: 'Google: invalid_grant (user not in the domain)',
    endpoint: ({ saPublicPem }) => ({ serviceAccounts: [{ email: 'relay@p.iam.gserviceaccount.com', publicKeyPem: saPublicPem, delegatedScopes: ['https://mail.google.com/'], users: [] }] }),
    smtp: { profile: 'gmail' },
    input: (l) => ({ oauthServiceAccount: l.serviceAccountFile, oauthTokenUrl: l.endpoint.tokenUrl }),
    code: 'OAUTH_TOKEN_REQUEST_FAILED', cause: 'google-invalid-grant', fix: /active mailbox/,
  },
  // ── SMTP server refuses the token ───────────────────────────────────────────
  { name: 'wrong audience (a Graph token)', endpoint: () => ({ clients: [app()] }), input: (l) => microsoft(l, { oauthScope: 'https://graph.microsoft.com/.default' }), code: 'AUTH_TOKEN_REJECTED', cause: 'wrong-audience', fix: /outlook\.office365\.com\/\.default/ },
  { name: 'missing SMTP.SendAsApp / admin consent', endpoint: () => ({ clients: [app({ consented: false })] }), input: (l) => microsoft(l), code: 'AUTH_TOKEN_REJECTED', cause: 'missing-smtp-sendasapp', fix: /SMTP\.SendAsApp.*Grant admin consent/ },
  { name: 'missing SMTP.Send (delegated)', endpoint: () => ({ clients: [app({ token: { scp: 'Mail.Read' }, refreshTokens: [{ token: SECRETS.refreshToken, upn: MAILBOX }] })] }), input: (l) => microsoft(l, { oauthRefreshTokenEnv: 'APP_REFRESH' }), code: 'AUTH_TOKEN_REJECTED', cause: 'missing-smtp-send-scope', fix: /SMTP\.Send/ },
  { name: 'service principal not registered in Exchange Online', endpoint: () => ({ clients: [app()] }), smtp: { profile: 'm365', exchange: { servicePrincipals: [], mailboxPermissions: {} } }, input: (l) => microsoft(l), code: 'AUTH_TOKEN_REJECTED', cause: 'exchange-app-access', fix: /New-ServicePrincipal -AppId a0a0a0a0/ },
  { name: 'no mailbox permission', endpoint: () => ({ clients: [app()] }), smtp: { profile: 'm365', exchange: { servicePrincipals: [APP_ID], mailboxPermissions: {} } }, input: (l) => microsoft(l), code: 'AUTH_TOKEN_REJECTED', cause: 'exchange-app-access', fix: /Add-MailboxPermission -Identity \S*relay@contoso\.com\S* -User/ },
  { name: 'SMTP AUTH disabled for the mailbox', endpoint: () => ({ clients: [app()] }), smtp: { profile: 'm365', exchange: { servicePrincipals: [APP_ID], mailboxPermissions: { [MAILBOX]: [APP_ID] }, smtpAuthDisabled: [MAILBOX] } }, input: (l) => microsoft(l), code: 'AUTH_TOKEN_REJECTED', cause: 'smtp-auth-disabled-mailbox', fix: /Set-CASMailbox -Identity \S*relay@contoso\.com\S* -SmtpClientAuthenticationDisabled \$false/ },
  { name: 'expired token', endpoint: () => ({ clients: [app({ token: { lifetimeS: -120 } })] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }), code: 'AUTH_TOKEN_REJECTED', cause: 'token-expired', fix: /token/ },
  { name: 'clock skew', endpoint: () => ({ clients: [app({ token: { clockOffsetS: 1800 } })] }), input: (l) => ({ oauthClientId: APP_ID, oauthClientSecretEnv: 'APP_SECRET', oauthTokenUrl: l.endpoint.tokenUrl, oauthScope: 'https://outlook.office365.com/.default' }), code: 'AUTH_TOKEN_REJECTED', cause: 'clock-skew', fix: /NTP/ },
];

describe('each OAuth failure class gives its finding, cause and fix', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      lab = await startLab(c.endpoint, c.smtp ?? { profile: 'm365' });
      const input = Object.fromEntries(Object.entries(c.input(lab)).filter(([, v]) => v !== undefined));
      const { report, auth } = await run(lab, input, ENV);
      expect(codes(report)).toContain(c.code);
      expect(codes(report)).not.toContain('AUTH_CREDENTIALS_REJECTED');
      expect(causeId(report, c.code)).toBe(c.cause);
      const finding = report.findings.find((f) => f.code === c.code);
      expect(finding?.severity).toBe('critical');
      expect(finding?.fix.join('\n')).toMatch(c.fix);
      expect(report.verdict).toBe('critical');
      if (c.code === 'OAUTH_TOKEN_REQUEST_FAILED') {
        expect(auth?.attempted).toBe(false);
        expect(lab.smtp.decisions).toEqual([]);
      } else {
        expect(auth?.attempted).toBe(true);
        expect(lab.smtp.decisions.map((d) => d.ok)).toEqual([false]);
        // The 334 error JSON was decoded and acknowledged, then the final 535 read.
        expect(auth?.oauth?.challenge?.status).toBeDefined();
        expect(auth?.reply?.code).toBe(535);
      }
    });
  }
});

describe('Gmail', () => {
  it('refuses a token it did not issue: AUTH_TOKEN_REJECTED with the 535-5.7.8 reply and the Gmail cause', async () => {
    lab = await startLab(() => ({}), { profile: 'gmail' });
    const { report, auth } = await run(lab, { tokenEnv: 'TOKEN' }, { TOKEN: 'ya29.a-token-gmail-never-issued-0123456789' });
    expect(auth?.oauth?.source).toBe('given');
    expect(auth?.oauth?.challenge).toEqual({ status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' });
    expect(auth?.reply?.enhanced).toBe('5.7.8');
    expect(codes(report)).toContain('AUTH_TOKEN_REJECTED');
    expect(causeId(report, 'AUTH_TOKEN_REJECTED')).toBe('google-token-refused');
  });

  it('OAUTHBEARER with a service account impersonating --user', async () => {
    lab = await startLab(({ saPublicPem }) => ({ serviceAccounts: [{ email: 'relay@p.iam.gserviceaccount.com', publicKeyPem: saPublicPem, delegatedScopes: ['https://mail.google.com/'], users: [MAILBOX, 'other@contoso.com'] }] }), { profile: 'gmail' });
    const { report, auth } = await run(lab, { oauthServiceAccount: lab.serviceAccountFile, oauthTokenUrl: lab.endpoint.tokenUrl, user: 'other@contoso.com', auth: 'OAUTHBEARER' });
    // the token is for other@ (subject = --user) so Gmail accepts it: impersonation works per user
    expect(auth?.mechanism).toBe('OAUTHBEARER');
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
  });
});

describe('AUTH_BASIC_RETIREMENT', () => {
  it('warns when a password (LOGIN) is used against a Microsoft 365-looking server', async () => {
    lab = await startLab(() => ({}), { profile: 'm365', passwords: { [MAILBOX]: 'Pa55-basic-auth-secret' } });
    const { report, auth } = await run(lab, { passwordEnv: 'PW' }, { PW: 'Pa55-basic-auth-secret' });
    expect(auth?.mechanism).toBe('LOGIN');
    expect(report.steps.find((s) => s.step === 'auth')?.status).toBe('pass');
    const f = report.findings.find((x) => x.code === 'AUTH_BASIC_RETIREMENT');
    expect(f?.severity).toBe('warning');
    expect(f?.cause).toMatch(/December 2026/);
    expect(f?.fix.join('\n')).toMatch(/--oauth-tenant/);
    expect(f?.fix.join('\n')).toMatch(/High Volume Email/);
    expect(f?.fix.join('\n')).toMatch(/connector/);
    expect(report.verdict).toBe('warning');
  });

  it('flags a Send connector with BasicAuth towards Microsoft 365 even before AUTH', async () => {
    lab = await startLab(() => ({}), { profile: 'm365' });
    const { report } = await run(lab, { auth: 'none', smartHostAuthMechanism: 'BasicAuthRequireTLS', connectorName: 'To M365' });
    const f = report.findings.find((x) => x.code === 'AUTH_BASIC_RETIREMENT');
    expect(f?.evidence.join('\n')).toMatch(/Send connector To M365 uses SmartHostAuthMechanism BasicAuthRequireTLS/);
  });

  it('does not warn for a Gmail-like server or for OAuth', async () => {
    lab = await startLab(() => ({ clients: [app()] }), { profile: 'gmail', passwords: { [MAILBOX]: 'pw-for-gmail-mock' } });
    const { report } = await run(lab, { passwordEnv: 'PW' }, { PW: 'pw-for-gmail-mock' });
    expect(codes(report)).not.toContain('AUTH_BASIC_RETIREMENT');
  });
});

describe('AUTH_BASIC_RETIREMENT is counted and exported', () => {
  it('the fleet summary counts the targets, the Prometheus output carries the finding', async () => {
    lab = await startLab(() => ({}), { profile: 'm365', passwords: { [MAILBOX]: 'Pa55-basic-auth-secret' } });
    const basic = await run(lab, { passwordEnv: 'PW', name: 'basic' }, { PW: 'Pa55-basic-auth-secret' });
    const none = await run(lab, { auth: 'none', name: 'no-auth' });
    const table = renderSummaryTable([basic.report, none.report], { color: false });
    expect(table).toMatch(/1 of 2 targets use Basic auth towards Microsoft 365 \(AUTH_BASIC_RETIREMENT\)/);
    const prom = (await loadRenderer('prometheus')).one(basic.report, { color: false, transcript: false });
    expect(prom).toMatch(/probe_smtp_finding\{[^}]*code="AUTH_BASIC_RETIREMENT",severity="warning"\} 1/);
    expect(prom).not.toContain('Pa55-basic-auth-secret');
  });
});
