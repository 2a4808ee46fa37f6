import type { OAuthCredential } from '../model/oauth.js';
import { acquireToken, TokenCache, TokenRequestError } from '../oauth/index.js';
import type { HttpOptions } from '../oauth/http.js';
import type { AcquiredToken } from '../oauth/token.js';
import { decodeOAuth, encodeOAuth, reveal, wrap, type InTransit, type TokenResultInTransit } from './worker-message.js';

/**
 * OAuth tokens across threads. A run makes one token request per credential, however many
 * probes use it (the endpoint may rate-limit, and a refusal is not asked again for a while), so
 * the main thread keeps the run's one TokenCache (`TokenRelay`) and each worker's probes ask it
 * (`RelayedTokens`). The token crosses in a message, as a target's secrets do.
 */

/** TokenRelay: the main thread's side: the run's token cache, asked by every worker. */
export class TokenRelay {
  readonly #cache = new TokenCache();

  /** acquire answers one worker's token request; `signal` ends it when that probe is cancelled. */
  async acquire(credential: InTransit<OAuthCredential>, ca: string[], timeoutMs: number, signal: AbortSignal): Promise<TokenResultInTransit> {
    try {
      const { token, cached } = await acquireToken(decodeOAuth(credential), this.#cache, { ca, timeoutMs, signal });
      return { kind: 'token', token: reveal(token.token), expiresAt: token.expiresAt, cached };
    } catch (err) {
      if (err instanceof TokenRequestError) return { kind: 'refused', detail: err.detail };
      return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** What a worker sends for one token request, and how it takes back a cancellation. */
export interface TokenChannel {
  request(credential: InTransit<OAuthCredential>, ca: string[], timeoutMs: number): { seq: number; result: Promise<TokenResultInTransit> };
  cancel(seq: number): void;
}

/**
 * RelayedTokens: a worker's side: a TokenCache whose tokens come from the main thread's.
 * Without the request's options (a caller that gives none) it fetches in the worker itself.
 */
export class RelayedTokens extends TokenCache {
  constructor(readonly channel: TokenChannel) {
    super();
  }

  override async get(c: OAuthCredential, now: number, fetch: () => Promise<AcquiredToken>, http?: HttpOptions): Promise<{ token: AcquiredToken; cached: boolean }> {
    if (!http) return super.get(c, now, fetch);
    const { seq, result } = this.channel.request(encodeOAuth(c), [...http.ca], http.timeoutMs);
    const onAbort = (): void => this.channel.cancel(seq);
    if (http.signal?.aborted) onAbort();
    else http.signal?.addEventListener('abort', onAbort, { once: true });
    let r: TokenResultInTransit;
    try {
      r = await result;
    } finally {
      http.signal?.removeEventListener('abort', onAbort);
    }
    if (r.kind === 'token') return { token: { token: wrap(r.token), expiresAt: r.expiresAt }, cached: r.cached };
    if (r.kind === 'refused') throw new TokenRequestError(r.detail);
    throw new Error(r.message);
  }
}
