import type { Deadline } from '../../model/deadline.js';
import { toPublicOAuth, type BearerErrorChallenge, type OAuthData } from '../../model/oauth.js';
import type { StepError } from '../../model/report.js';
import type { Secret } from '../../model/secret.js';
import type { Target } from '../../model/target.js';
import { acquireToken, readClaims, TokenCache, TokenRequestError } from '../../oauth/index.js';
import type { SmtpContext } from './session-state.js';

/** The token request gets at most this long, within the AUTH phase's own deadline. */
const TOKEN_REQUEST_MAX_MS = 20_000;

/** FetchedToken: the token for AUTH, or why there is none; `data` goes into AuthData.oauth. */
export interface FetchedToken {
  token?: Secret;
  error: StepError;
  data: OAuthData;
}

/**
 * fetchBearerToken gets the bearer token for AUTH from the target's token endpoint (or the
 * run's cache). Records the token's non-secret claims; on refusal, the endpoint's error.
 * The transcript gets one local event line, never the token or the request.
 */
export async function fetchBearerToken(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<FetchedToken> {
  const oauth = target.oauth;
  const data: OAuthData = { source: 'acquired', checkedAt: Math.floor(ctx.clock.now() / 1000) };
  const error: StepError = { code: 'OAUTH_TOKEN_REQUEST_FAILED', message: 'no token requested' };
  if (!oauth) return { error, data };
  data.oauth = toPublicOAuth(oauth);
  ctx.state.tokens ??= new TokenCache();
  const http = { ca: target.ca, timeoutMs: Math.max(1, Math.min(TOKEN_REQUEST_MAX_MS, deadline.remainingMs())), signal: deadline.signal };
  try {
    const { token, cached } = await acquireToken(oauth, ctx.state.tokens, http, () => ctx.clock.now());
    data.cached = cached;
    data.expiresInS = Math.round((token.expiresAt - ctx.clock.now()) / 1000);
    describeClaims(token.token, data);
    ctx.transcript.event(`oauth: ${cached ? 'reused a token' : 'got a token'} from ${oauth.tokenUrl} (${oauth.grant}${oauth.scope ? `, scope ${oauth.scope}` : ''})`);
    return { token: token.token, error, data };
  } catch (err) {
    if (!(err instanceof TokenRequestError)) throw err;
    data.endpointError = err.detail;
    const what = err.detail.description ? `${err.detail.error}: ${err.detail.description}` : err.detail.error;
    ctx.transcript.event(`oauth: token request to ${oauth.tokenUrl} failed: ${what}`);
    return { error: { code: 'OAUTH_TOKEN_REQUEST_FAILED', message: `token request failed: ${what}` }, data };
  }
}

/** describeGivenToken: the claims of a token the user supplied (--token-env/--token-file). */
export function describeGivenToken(token: Secret, ctx: SmtpContext): OAuthData {
  const data: OAuthData = { source: 'given', checkedAt: Math.floor(ctx.clock.now() / 1000) };
  describeClaims(token, data);
  if (data.claims?.exp !== undefined) data.expiresInS = data.claims.exp - (data.checkedAt ?? 0);
  return data;
}

function describeClaims(token: Secret, data: OAuthData): void {
  const claims = readClaims(token.reveal());
  if (claims) data.claims = claims;
  else data.opaque = true;
}

/**
 * decodeErrorChallenge reads the JSON an XOAUTH2/OAUTHBEARER server sends in its 334 before
 * the final failure (RFC 7628 §3.2.2: status, schemes, scope). Other challenges give undefined.
 */
export function decodeErrorChallenge(raw: Buffer): BearerErrorChallenge | undefined {
  let o: unknown;
  try {
    o = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  const c: BearerErrorChallenge = {};
  const pick = (k: keyof BearerErrorChallenge): void => {
    const v = r[k];
    if (typeof v === 'string' && v.length <= 512) c[k] = v;
  };
  pick('status');
  pick('schemes');
  pick('scope');
  return Object.keys(c).length > 0 ? c : undefined;
}
