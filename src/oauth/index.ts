import type { OAuthCredential } from '../model/oauth.js';
import { requestGenericToken } from './generic-client.js';
import type { HttpOptions } from './http.js';
import type { TokenRequestContext } from './request-context.js';
import type { AcquiredToken } from './token.js';
import type { TokenCache } from './token-cache.js';

export { TokenCache } from './token-cache.js';
export { TokenRequestError } from './token-error.js';
export { readClaims } from './claims.js';
export type { AcquiredToken } from './token.js';

/** The client for each provider; the Microsoft and Google libraries load only when used. */
const CLIENTS: Readonly<Record<OAuthCredential['provider'], (c: OAuthCredential, ctx: TokenRequestContext) => Promise<AcquiredToken>>> = {
  generic: requestGenericToken,
  microsoft: async (c, ctx) => (await import('./microsoft-client.js')).requestMicrosoftToken(c, ctx),
  google: async (c, ctx) => (await import('./google-client.js')).requestGoogleToken(c, ctx),
};

/**
 * acquireToken returns a bearer token for the credential: a live one from the cache, or a new
 * one from the token endpoint. Throws TokenRequestError (with a secret-free detail) when the
 * endpoint refuses or cannot be reached; never anything that contains a secret.
 */
export async function acquireToken(c: OAuthCredential, cache: TokenCache, http: HttpOptions, now: () => number = Date.now): Promise<{ token: AcquiredToken; cached: boolean }> {
  return cache.get(c, now(), () => CLIENTS[c.provider](c, { http, now }), http);
}
