import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { OAuthCredential, OAuthServiceAccount } from '../model/oauth.js';
import { Secret } from '../model/secret.js';
import { GOOGLE_TOKEN_URL, microsoftTokenUrl } from '../oauth/endpoints.js';
import { isLoopbackHost } from '../oauth/loopback.js';
import { ConfigError } from './config-error.js';
import { fromEnv, fromFile, type SecretEnv } from './secrets.js';
import { readConfigText } from './text-file.js';
import type { TargetInput } from './target-schema.js';

/** Default scopes: what SMTP AUTH needs at each provider. */
export const DEFAULT_SCOPES = {
  microsoft: 'https://outlook.office365.com/.default',
  google: 'https://mail.google.com/',
} as const;

/**
 * resolveOAuthCredential turns the --oauth-* input into an OAuthCredential (secrets read
 * from their variables and files), or undefined when none is given. Every inconsistency is
 * one ConfigError naming the field.
 */
export async function resolveOAuthCredential(input: TargetInput, opts: SecretEnv & { where?: string }): Promise<OAuthCredential | undefined> {
  const given = Object.entries(input).filter(([k, v]) => k.startsWith('oauth') && v !== undefined);
  if (given.length === 0) return undefined;
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(field, problem, opts.where);
  };
  const wrap = async <T>(p: () => Promise<T> | T): Promise<T> => {
    try {
      return await p();
    } catch (err) {
      if (err instanceof ConfigError && opts.where && !err.where) throw new ConfigError(err.field, err.problem, opts.where);
      throw err;
    }
  };
  if (input.oauthClientSecretEnv !== undefined && input.oauthClientSecretFile !== undefined) fail('oauthClientSecretEnv', 'give one of oauthClientSecretEnv, oauthClientSecretFile');
  if (input.oauthRefreshTokenEnv !== undefined && input.oauthRefreshTokenFile !== undefined) fail('oauthRefreshTokenEnv', 'give one of oauthRefreshTokenEnv, oauthRefreshTokenFile');
  if ((input.oauthClientCert === undefined) !== (input.oauthClientKey === undefined)) fail(input.oauthClientCert ? 'oauthClientKey' : 'oauthClientCert', 'the certificate and its key go together');
  const hasSecret = input.oauthClientSecretEnv !== undefined || input.oauthClientSecretFile !== undefined;
  const hasCert = input.oauthClientCert !== undefined;
  const hasRefresh = input.oauthRefreshTokenEnv !== undefined || input.oauthRefreshTokenFile !== undefined;
  if (hasSecret && hasCert) fail('oauthClientCert', 'give a client secret or a certificate, not both');
  if (input.token !== undefined || input.tokenEnv !== undefined || input.tokenFile !== undefined) fail('tokenEnv', 'a ready token and --oauth-* token acquisition exclude each other');
  if (input.auth !== undefined && !['auto', 'XOAUTH2', 'OAUTHBEARER'].includes(input.auth)) fail('auth', `${input.auth} does not use a token; with --oauth-* use auto, XOAUTH2 or OAUTHBEARER`);

  let tokenUrl: string | undefined;
  if (input.oauthTokenUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(input.oauthTokenUrl);
    } catch {
      return fail('oauthTokenUrl', 'not a valid URL');
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) fail('oauthTokenUrl', 'must be https:// (plain http only on loopback)');
    if (u.username || u.password) fail('oauthTokenUrl', 'must not contain a user name or password');
    tokenUrl = u.href;
  }

  if (input.oauthServiceAccount !== undefined) {
    if (hasSecret || hasCert || hasRefresh || input.oauthClientId !== undefined || input.oauthTenant !== undefined) {
      fail('oauthServiceAccount', 'a service-account key is the whole credential; drop the client id, secret, certificate, refresh token and tenant');
    }
    if (!input.user) fail('user', 'is required with oauthServiceAccount: the mailbox to impersonate (domain-wide delegation)');
    const sa = await wrap(() => readServiceAccount(input.oauthServiceAccount as string, opts));
    const c: OAuthCredential = { provider: 'google', grant: 'jwt_bearer', serviceAccount: sa, tokenUrl: tokenUrl ?? sa.tokenUri ?? GOOGLE_TOKEN_URL, scope: input.oauthScope ?? DEFAULT_SCOPES.google };
    if (input.user) c.subject = input.user;
    return c;
  }

  if (input.oauthClientId === undefined) return fail('oauthClientId', 'is required to request a token (or use oauthServiceAccount)');
  if (!hasSecret && !hasCert && !hasRefresh) fail('oauthClientSecretEnv', 'the client credentials grant needs a client secret (oauthClientSecretEnv/File) or certificate (oauthClientCert/Key); or give a refresh token');
  if (input.oauthTenant === undefined && tokenUrl === undefined) fail('oauthTenant', 'is required (or oauthTokenUrl): it names the token endpoint');

  // A Microsoft token URL given without --oauth-tenant is still Microsoft's (msal, defaults, advice).
  const msTenant = input.oauthTenant ?? (tokenUrl ? microsoftTenantOf(tokenUrl) : undefined);
  const provider = msTenant !== undefined ? 'microsoft' : 'generic';
  const c: OAuthCredential = {
    provider,
    grant: hasRefresh ? 'refresh_token' : 'client_credentials',
    clientId: input.oauthClientId,
    tokenUrl: tokenUrl ?? microsoftTokenUrl(input.oauthTenant as string),
  };
  const scope = input.oauthScope ?? (provider === 'microsoft' ? DEFAULT_SCOPES.microsoft : undefined);
  if (scope !== undefined) c.scope = scope;
  if (msTenant !== undefined) c.tenant = msTenant;
  if (input.oauthClientSecretEnv !== undefined) c.clientSecret = await wrap(() => fromEnv(input.oauthClientSecretEnv as string, 'oauthClientSecretEnv', opts));
  if (input.oauthClientSecretFile !== undefined) c.clientSecret = await wrap(() => fromFile(input.oauthClientSecretFile as string, 'oauthClientSecretFile', opts));
  if (input.oauthRefreshTokenEnv !== undefined) c.refreshToken = await wrap(() => fromEnv(input.oauthRefreshTokenEnv as string, 'oauthRefreshTokenEnv', opts));
  if (input.oauthRefreshTokenFile !== undefined) c.refreshToken = await wrap(() => fromFile(input.oauthRefreshTokenFile as string, 'oauthRefreshTokenFile', opts));
  if (hasCert) {
    const certPem = await wrap(() => readConfigText(input.oauthClientCert as string, 'oauthClientCert', opts));
    const keyPem = await wrap(() => fromFile(input.oauthClientKey as string, 'oauthClientKey', opts));
    try {
      new X509Certificate(certPem);
    } catch {
      fail('oauthClientCert', 'is not a PEM certificate');
    }
    try {
      const k = createPrivateKey(keyPem.reveal());
      if (k.asymmetricKeyType !== 'rsa' && k.asymmetricKeyType !== 'ec') fail('oauthClientKey', 'must be an RSA or EC private key');
      if (provider === 'microsoft' && k.asymmetricKeyType !== 'rsa') fail('oauthClientKey', 'must be an RSA key: Microsoft Entra ID accepts only RSA certificate credentials');
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      fail('oauthClientKey', 'is not a PEM private key (an encrypted key must be decrypted first)');
    }
    c.clientCert = { certPem, keyPem };
  }
  return c;
}

/** Microsoft Entra authority hosts (public and national clouds). */
const MICROSOFT_LOGIN_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn']);

/** microsoftTenantOf: the tenant of a Microsoft v2.0 token URL (https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token). */
function microsoftTenantOf(url: string): string | undefined {
  const u = new URL(url);
  if (!MICROSOFT_LOGIN_HOSTS.has(u.hostname.toLowerCase())) return undefined;
  const m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(u.pathname);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/** readServiceAccount reads a Google service-account key file (JSON, type service_account). */
async function readServiceAccount(file: string, opts: SecretEnv): Promise<OAuthServiceAccount> {
  const raw = await fromFile(file, 'oauthServiceAccount', opts);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw.reveal()) as Record<string, unknown>;
  } catch {
    throw new ConfigError('oauthServiceAccount', 'is not JSON (expected a service-account key file)');
  }
  if (typeof o !== 'object' || o === null) throw new ConfigError('oauthServiceAccount', 'is not a service-account key file');
  if (o.type !== undefined && o.type !== 'service_account') throw new ConfigError('oauthServiceAccount', `has type ${JSON.stringify(String(o.type)).slice(0, 40)}, expected service_account`);
  if (typeof o.client_email !== 'string' || !o.client_email.includes('@')) throw new ConfigError('oauthServiceAccount', 'has no client_email');
  if (typeof o.private_key !== 'string' || !o.private_key.includes('PRIVATE KEY')) throw new ConfigError('oauthServiceAccount', 'has no private_key');
  try {
    createPrivateKey(o.private_key);
  } catch {
    throw new ConfigError('oauthServiceAccount', 'private_key is not a PEM private key');
  }
  const sa: OAuthServiceAccount = { clientEmail: o.client_email, privateKey: new Secret(o.private_key) };
  if (typeof o.private_key_id === 'string') sa.keyId = o.private_key_id;
  if (typeof o.token_uri === 'string' && o.token_uri !== GOOGLE_TOKEN_URL) {
    let u: URL | undefined;
    try {
      u = new URL(o.token_uri);
    } catch {
      u = undefined;
    }
    if (!u || u.protocol !== 'https:') throw new ConfigError('oauthServiceAccount', 'token_uri must be an https:// URL');
    sa.tokenUri = u.href;
  }
  return sa;
}
