import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseTargetInput, resolveTarget } from '../../../src/config/resolve-target.js';
import { toPublicTarget } from '../../../src/model/target.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'smtprobe-oauth-cfg-'));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(path.join(dir, 'ec.key'), ec);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(path.join(dir, 'sa.json'), JSON.stringify({ type: 'service_account', client_email: 'x@p.iam.gserviceaccount.com', private_key: rsa, token_uri: 'https://oauth2.example.test/token' }));
  await writeFile(path.join(dir, 'user.json'), JSON.stringify({ type: 'authorized_user', client_id: 'x' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const resolve = async (input: Record<string, unknown>, env: Record<string, string> = { S: 'client-secret-value' }) =>
  resolveTarget(parseTargetInput({ host: 'smtp.office365.com', user: 'relay@contoso.com', ...input }, 'flag'), { env, baseDir: dir });

describe('OAuth credential resolution', () => {
  it('--oauth-tenant builds the Microsoft v2.0 endpoint and the Exchange scope; the public target has no secret', async () => {
    const t = await resolve({ oauthClientId: 'app', oauthClientSecretEnv: 'S', oauthTenant: 'contoso.com' });
    expect(t.oauth).toMatchObject({ provider: 'microsoft', grant: 'client_credentials', tokenUrl: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token', scope: 'https://outlook.office365.com/.default' });
    const pub = JSON.stringify(toPublicTarget(t));
    expect(pub).not.toContain('client-secret-value');
    expect(pub).toContain('"clientAuth":"secret"');
  });

  it('a Microsoft token URL without --oauth-tenant is still Microsoft, tenant from the path', async () => {
    const t = await resolve({ oauthClientId: 'app', oauthClientSecretEnv: 'S', oauthTokenUrl: 'https://login.microsoftonline.com/fabrikam.com/oauth2/v2.0/token' });
    expect(t.oauth).toMatchObject({ provider: 'microsoft', tenant: 'fabrikam.com' });
  });

  it('any other token URL is generic, with no default scope', async () => {
    const t = await resolve({ oauthClientId: 'app', oauthClientSecretEnv: 'S', oauthTokenUrl: 'https://idp.example.test/oauth/token' });
    expect(t.oauth?.provider).toBe('generic');
    expect(t.oauth?.scope).toBeUndefined();
  });

  it('a service account: Google, subject = --user, the key file\'s token_uri', async () => {
    const t = await resolve({ oauthServiceAccount: 'sa.json' });
    expect(t.oauth).toMatchObject({ provider: 'google', grant: 'jwt_bearer', subject: 'relay@contoso.com', tokenUrl: 'https://oauth2.example.test/token', scope: 'https://mail.google.com/' });
    expect(JSON.stringify(toPublicTarget(t))).not.toContain('PRIVATE KEY');
  });

  it.each([
    [{ oauthServiceAccount: 'user.json' }, /oauthServiceAccount: has type "authorized_user"/],
    [{ oauthClientId: 'app', oauthClientCert: 'ec.key', oauthClientKey: 'ec.key', oauthTenant: 'contoso.com' }, /oauthClientCert: is not a PEM certificate/],
    [{ oauthClientId: 'app', oauthRefreshTokenEnv: 'S', oauthRefreshTokenFile: 'x', oauthTenant: 'c.com' }, /give one of oauthRefreshTokenEnv, oauthRefreshTokenFile/],
    [{ oauthClientId: 'app', oauthClientSecretEnv: 'S', oauthTokenUrl: 'https://u:p@idp.example.test/token' }, /must not contain a user name or password/],
    [{ oauthClientId: 'app', oauthClientSecretEnv: 'S', oauthTenant: 'c.com', oauthScope: 'a  b' }, /oauthScope/],
  ])('refuses %j', async (input, message) => {
    const err = await resolve(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(message);
  });
});
