import type { OAuthCredential } from '../model/oauth.js';
import { JWT_BEARER_ASSERTION, signClientAssertion } from './client-assertion.js';
import { httpSend, HttpTransportError } from './http.js';
import { secretValues, type TokenRequestContext } from './request-context.js';
import { parseTokenResponse, type AcquiredToken } from './token.js';
import { endpointError, scrub, TokenRequestError } from './token-error.js';

/**
 * requestGenericToken: the plain RFC 6749 token request, for any endpoint given with
 * --oauth-token-url: client credentials (§4.4) or refresh token (§6). The client proves
 * itself with HTTP Basic (§2.3.1, the method every server must support), a signed assertion
 * (RFC 7523, certificate credential), or its id alone (a public client).
 */
export async function requestGenericToken(c: OAuthCredential, ctx: TokenRequestContext): Promise<AcquiredToken> {
  const form = new URLSearchParams();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (c.grant === 'refresh_token') {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', c.refreshToken?.reveal() ?? '');
  } else {
    form.set('grant_type', 'client_credentials');
  }
  if (c.scope) form.set('scope', c.scope);
  const clientId = c.clientId ?? '';
  if (c.clientCert) {
    form.set('client_id', clientId);
    form.set('client_assertion_type', JWT_BEARER_ASSERTION);
    form.set('client_assertion', signClientAssertion(c.clientCert, clientId, c.tokenUrl, ctx.now()));
  } else if (c.clientSecret) {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
    const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(c.clientSecret.reveal())}`).toString('base64');
    try {
      return await postTokenRequest(c, form, { ...headers, authorization: `Basic ${basic}` }, ctx);
    } catch (err) {
      // Not every server implements Basic although §2.3.1 requires it; some only read the
      // secret from the body (client_secret_post). One retry that way, to the same endpoint.
      if (!(err instanceof TokenRequestError) || !BASIC_REFUSED.has(err.detail.error)) throw err;
      form.set('client_id', clientId);
      form.set('client_secret', c.clientSecret.reveal());
    }
  } else {
    form.set('client_id', clientId);
  }
  return postTokenRequest(c, form, headers, ctx);
}

/** Errors after which client_secret_post is tried, as the server may not read Basic at all. */
const BASIC_REFUSED = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'http_401', 'http_400']);

/** postTokenRequest sends a token request and turns every outcome into a token or a TokenRequestError. */
export async function postTokenRequest(c: OAuthCredential, form: URLSearchParams, headers: Record<string, string>, ctx: TokenRequestContext): Promise<AcquiredToken> {
  const secrets = secretValues(c);
  let res;
  try {
    res = await httpSend('POST', c.tokenUrl, headers, form.toString(), ctx.http);
  } catch (err) {
    const code = err instanceof HttpTransportError ? err.code : 'EHTTP';
    const message = err instanceof Error ? err.message : String(err);
    throw new TokenRequestError({ error: 'request_failed', description: scrub(`${code}: ${message}`, secrets), aadsts: [] });
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  if (res.status >= 200 && res.status < 300) {
    const token = parseTokenResponse(body, ctx.now());
    if (token) return token;
    throw new TokenRequestError({ error: 'invalid_response', description: 'the token endpoint answered without an access_token', aadsts: [], status: res.status });
  }
  throw new TokenRequestError(endpointError(res.status, body, secrets));
}

function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}
