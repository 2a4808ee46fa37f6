import { Secret } from '../model/secret.js';

/** AcquiredToken: a bearer token in memory, with when it stops being usable. */
export interface AcquiredToken {
  token: Secret;
  /** Milliseconds since the epoch; from expires_in (or the JWT's exp). */
  expiresAt: number;
}

/** Without expires_in (RFC 6749 §5.1 makes it optional) a token is reused for at most this long. */
export const DEFAULT_LIFETIME_MS = 5 * 60_000;

/**
 * parseTokenResponse reads an RFC 6749 §5.1 success body. Returns undefined when there is no
 * access_token (the caller reports the body as an error).
 */
export function parseTokenResponse(body: unknown, now: number): AcquiredToken | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const o = body as Record<string, unknown>;
  if (typeof o.access_token !== 'string' || o.access_token.length === 0) return undefined;
  const expiresIn = typeof o.expires_in === 'number' ? o.expires_in : typeof o.expires_in === 'string' ? Number(o.expires_in) : NaN;
  return { token: new Secret(o.access_token), expiresAt: now + (Number.isFinite(expiresIn) ? expiresIn * 1000 : DEFAULT_LIFETIME_MS) };
}
