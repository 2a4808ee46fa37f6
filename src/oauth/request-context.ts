import { oauthSecrets, type OAuthCredential } from '../model/oauth.js';
import type { HttpOptions } from './http.js';

/** TokenRequestContext: what every token client gets: trust, bounds and the clock. */
export interface TokenRequestContext {
  http: HttpOptions;
  now: () => number;
}

/** secretValues lists the raw secrets of a credential, for scrubbing error texts. */
export function secretValues(c: OAuthCredential): string[] {
  return oauthSecrets(c).map((s) => s.reveal());
}
