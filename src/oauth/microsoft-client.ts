import type { Configuration, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { OAuthCredential } from '../model/oauth.js';
import { thumbprints } from './client-assertion.js';
import { MICROSOFT_AUTHORITY_HOST } from './endpoints.js';
import { httpSend, HttpTransportError } from './http.js';
import { isLoopbackHost } from './loopback.js';
import { secretValues, type TokenRequestContext } from './request-context.js';
import { DEFAULT_LIFETIME_MS, type AcquiredToken } from './token.js';
import { aadstsCodes, scrub, tidyDescription, TokenRequestError } from './token-error.js';
import { Secret } from '../model/secret.js';


/**
 * networkModule: msal-node's documented extension point for HTTP (system.networkClient),
 * here so that the target's --ca is trusted, the probe's deadline applies, and a loopback
 * token endpoint can never lead to a request elsewhere.
 */
function networkModule(ctx: TokenRequestContext): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const res = await httpSend(method, url, options?.headers ?? {}, options?.body, ctx.http);
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = {};
    }
    return { headers: res.headers, body: body as T, status: res.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/**
 * msalConfiguration builds the msal-node configuration. With a token URL other than the
 * public cloud's, the authority is that URL's origin and its metadata is given inline
 * (knownAuthorities, authorityMetadata, cloudDiscoveryMetadata — msal's documented options
 * for authorities it cannot discover), so msal makes no discovery request at all.
 */
export function msalConfiguration(c: OAuthCredential, ctx: TokenRequestContext): Configuration {
  const tenant = c.tenant ?? 'organizations';
  const url = new URL(c.tokenUrl);
  const custom = url.origin !== MICROSOFT_AUTHORITY_HOST;
  const authority = `${custom ? url.origin : MICROSOFT_AUTHORITY_HOST}/${tenant}`;
  const auth: Configuration['auth'] = { clientId: c.clientId ?? '', authority };
  if (c.clientSecret) auth.clientSecret = c.clientSecret.reveal();
  if (c.clientCert) {
    const tp = thumbprints(c.clientCert.certPem);
    auth.clientCertificate = { thumbprintSha256: tp.sha256Hex, privateKey: c.clientCert.keyPem.reveal(), x5c: c.clientCert.certPem };
  }
  if (custom) {
    auth.knownAuthorities = [url.host];
    auth.authorityMetadata = JSON.stringify({
      token_endpoint: c.tokenUrl,
      issuer: `${url.origin}/${tenant}/v2.0`,
      authorization_endpoint: `${url.origin}/${tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${url.origin}/${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${url.origin}/${tenant}/discovery/v2.0/keys`,
    });
    auth.cloudDiscoveryMetadata = JSON.stringify({
      tenant_discovery_endpoint: `${url.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: url.host, preferred_cache: url.host, aliases: [url.host] }],
    });
  }
  const http = { ...ctx.http, loopbackOnly: ctx.http.loopbackOnly === true || isLoopbackHost(url.hostname) };
  return { auth, system: { networkClient: networkModule({ ...ctx, http }), disableInternalRetries: true } };
}

/**
 * requestMicrosoftToken gets a token from Microsoft Entra ID with @azure/msal-node:
 * client credentials (secret or certificate) through a confidential client, a refresh token
 * through a confidential client (with a secret or certificate) or a public client.
 */
export async function requestMicrosoftToken(c: OAuthCredential, ctx: TokenRequestContext): Promise<AcquiredToken> {
  const msal = await import('@azure/msal-node');
  const config = msalConfiguration(c, ctx);
  const scopes = (c.scope ?? 'https://outlook.office365.com/.default').split(/\s+/).filter(Boolean);
  const secrets = secretValues(c);
  try {
    let result;
    if (c.grant === 'refresh_token') {
      const app = c.clientSecret || c.clientCert ? new msal.ConfidentialClientApplication(config) : new msal.PublicClientApplication(config);
      result = await app.acquireTokenByRefreshToken({ refreshToken: c.refreshToken?.reveal() ?? '', scopes });
    } else {
      const app = new msal.ConfidentialClientApplication(config);
      result = await app.acquireTokenByClientCredential({ scopes, skipCache: true });
    }
    if (!result?.accessToken) throw new TokenRequestError({ error: 'invalid_response', description: 'the token endpoint answered without an access_token', aadsts: [] });
    return { token: new Secret(result.accessToken), expiresAt: result.expiresOn ? result.expiresOn.getTime() : ctx.now() + DEFAULT_LIFETIME_MS };
  } catch (err) {
    if (err instanceof TokenRequestError) throw err;
    throw new TokenRequestError(msalErrorDetail(err, secrets));
  }
}

/** msalErrorDetail reads msal's AuthError/ServerError public fields (errorCode, errorMessage, status). */
function msalErrorDetail(err: unknown, secrets: readonly string[]): TokenRequestError['detail'] {
  const o = (typeof err === 'object' && err !== null ? err : {}) as { errorCode?: unknown; errorMessage?: unknown; status?: unknown; message?: unknown };
  const code = typeof o.errorCode === 'string' && o.errorCode ? o.errorCode : 'request_failed';
  const raw = typeof o.errorMessage === 'string' && o.errorMessage ? o.errorMessage : typeof o.message === 'string' ? o.message : undefined;
  const description = tidyDescription(raw === undefined ? undefined : scrub(raw, secrets));
  const detail: TokenRequestError['detail'] = { error: scrub(code, secrets), aadsts: aadstsCodes(raw) };
  if (description) detail.description = description;
  if (typeof o.status === 'number') detail.status = o.status;
  if (err instanceof HttpTransportError) detail.error = 'request_failed';
  return detail;
}
