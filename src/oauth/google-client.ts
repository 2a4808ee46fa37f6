import type { OAuthCredential } from '../model/oauth.js';
import { Secret } from '../model/secret.js';
import { GOOGLE_TOKEN_URL } from './endpoints.js';
import { httpSend } from './http.js';
import { isLoopbackHost } from './loopback.js';
import { secretValues, type TokenRequestContext } from './request-context.js';
import { DEFAULT_LIFETIME_MS, type AcquiredToken } from './token.js';
import { endpointError, scrub, TokenRequestError } from './token-error.js';


/**
 * fetchVia: a fetch implementation (google-auth-library's documented transporter option
 * `fetchImplementation`) over our HTTPS client, so the target's --ca is trusted and the
 * deadline holds. A request to Google's token URL goes to --oauth-token-url instead when one
 * is configured (another deployment, or the local test endpoint).
 */
function fetchVia(c: OAuthCredential, ctx: TokenRequestContext): typeof fetch {
  const loopbackOnly = ctx.http.loopbackOnly === true || isLoopbackHost(new URL(c.tokenUrl).hostname);
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = raw.split('?')[0] === GOOGLE_TOKEN_URL ? c.tokenUrl : raw;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const body = init?.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : Buffer.from(init.body as ArrayBuffer).toString('utf8');
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await httpSend(init?.method === 'GET' ? 'GET' : 'POST', url, headers, body, { ...ctx.http, loopbackOnly });
    return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers['content-type'] ?? 'application/json' } });
  }) as typeof fetch;
}

/**
 * requestGoogleToken: a Google service account's token for the mailbox `subject`, through
 * domain-wide delegation (RFC 7523 JWT bearer grant), with google-auth-library's JWT client.
 */
export async function requestGoogleToken(c: OAuthCredential, ctx: TokenRequestContext): Promise<AcquiredToken> {
  const sa = c.serviceAccount;
  if (!sa) throw new TokenRequestError({ error: 'invalid_request', description: 'no service-account key', aadsts: [] });
  const { JWT } = await import('google-auth-library');
  const opts: ConstructorParameters<typeof JWT>[0] = {
    email: sa.clientEmail,
    key: sa.privateKey.reveal(),
    scopes: (c.scope ?? 'https://mail.google.com/').split(/\s+/).filter(Boolean),
    transporterOptions: { fetchImplementation: fetchVia(c, ctx), retry: false, timeout: ctx.http.timeoutMs },
  };
  if (sa.keyId) opts.keyId = sa.keyId;
  if (c.subject) opts.subject = c.subject;
  const client = new JWT(opts);
  try {
    const creds = await client.authorize();
    if (!creds.access_token) throw new TokenRequestError({ error: 'invalid_response', description: 'the token endpoint answered without an access_token', aadsts: [] });
    return { token: new Secret(creds.access_token), expiresAt: creds.expiry_date ?? ctx.now() + DEFAULT_LIFETIME_MS };
  } catch (err) {
    if (err instanceof TokenRequestError) throw err;
    throw new TokenRequestError(googleErrorDetail(err, secretValues(c)));
  }
}

/** googleErrorDetail reads a GaxiosError's public `response` (status and the RFC 6749 error body). */
function googleErrorDetail(err: unknown, secrets: readonly string[]): TokenRequestError['detail'] {
  const o = (typeof err === 'object' && err !== null ? err : {}) as { response?: { status?: number; data?: unknown }; message?: unknown };
  if (o.response) return endpointError(o.response.status, o.response.data, secrets);
  const message = typeof o.message === 'string' ? o.message : String(err);
  return { error: 'request_failed', description: scrub(message, secrets).slice(0, 400), aadsts: [] };
}
