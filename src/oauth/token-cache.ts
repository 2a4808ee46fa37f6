import { createHash } from 'node:crypto';
import type { OAuthCredential } from '../model/oauth.js';
import type { HttpOptions } from './http.js';
import { secretValues } from './request-context.js';
import type { AcquiredToken } from './token.js';
import { TokenRequestError } from './token-error.js';

/** A token is not reused in its last minute: AUTH must not race its expiry. */
const EXPIRY_MARGIN_MS = 60_000;
/**
 * After a refusal the endpoint is not asked again for this long with the same credential:
 * a fleet of targets sharing one bad secret must not hammer the identity provider.
 */
const FAILURE_HOLD_MS = 60_000;

type Entry = { kind: 'token'; token: AcquiredToken } | { kind: 'error'; error: TokenRequestError; until: number };

/**
 * TokenCache: bearer tokens in memory, one per credential, for the life of one run (a `check`,
 * a fleet run, an exporter). Concurrent probes with the same credential share one request.
 * Nothing is written anywhere; the key is a hash, so the map holds no secret besides the tokens.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<AcquiredToken>>();

  /**
   * get returns a live cached token (and `cached: true`) or runs `fetch` once for all waiters.
   * `_http` is how `fetch` reaches the endpoint, for a cache that fetches elsewhere (a probe
   * worker's asks the main thread, so a run still makes one request per credential).
   */
  async get(c: OAuthCredential, now: number, fetch: () => Promise<AcquiredToken>, _http?: HttpOptions): Promise<{ token: AcquiredToken; cached: boolean }> {
    const key = credentialKey(c);
    const hit = this.#entries.get(key);
    if (hit?.kind === 'token' && hit.token.expiresAt - EXPIRY_MARGIN_MS > now) return { token: hit.token, cached: true };
    if (hit?.kind === 'error' && hit.until > now) throw hit.error;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = fetch().then(
        (token) => {
          this.#entries.set(key, { kind: 'token', token });
          return token;
        },
        (error: unknown) => {
          if (error instanceof TokenRequestError) this.#entries.set(key, { kind: 'error', error, until: now + FAILURE_HOLD_MS });
          throw error;
        },
      );
      pending.finally(() => this.#inflight.delete(key)).catch(() => undefined);
      this.#inflight.set(key, pending);
      return { token: await pending, cached: false };
    }
    return { token: await pending, cached: true };
  }

  /** size: how many credentials have an entry (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }
}

/** credentialKey: a digest of everything that makes two credentials give different tokens. */
function credentialKey(c: OAuthCredential): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([c.provider, c.grant, c.clientId, c.tenant, c.tokenUrl, c.scope, c.subject, c.serviceAccount?.clientEmail, c.clientCert?.certPem]));
  for (const s of secretValues(c)) h.update('\0').update(s);
  return h.digest('hex');
}
