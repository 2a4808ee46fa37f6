import type { TokenEndpointError } from '../model/oauth.js';

/**
 * TokenRequestError: the token endpoint said no (or could not be reached). The message and
 * description are scrubbed of every secret of the request before this is built.
 */
export class TokenRequestError extends Error {
  constructor(readonly detail: TokenEndpointError) {
    super(detail.description ? `${detail.error}: ${detail.description}` : detail.error);
    this.name = 'TokenRequestError';
  }
}

/** aadstsCodes pulls Microsoft's AADSTS numbers out of an error description. */
export function aadstsCodes(text: string | undefined): number[] {
  if (!text) return [];
  return [...new Set([...text.matchAll(/AADSTS(\d{5,7})/g)].map((m) => Number(m[1])))];
}

/** The first line of a description, without Microsoft's trace/correlation ids and timestamp. */
export function tidyDescription(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const first = text.split(/\r?\n/)[0] ?? '';
  const cut = first.replace(/\s*Trace ID:.*$/i, '').trim();
  return cut.length > 400 ? `${cut.slice(0, 400)}…` : cut;
}

/**
 * scrub replaces every secret, raw and in base64 / URL-encoded form, by "[redacted]": a token
 * endpoint may echo what it was sent (a client id with the secret pasted into it, an assertion).
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    for (const form of [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url'), encodeURIComponent(s)]) {
      out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/** endpointError builds the TokenEndpointError of an RFC 6749 §5.2 JSON error body. */
export function endpointError(status: number | undefined, body: unknown, secrets: readonly string[]): TokenEndpointError {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const error = typeof o.error === 'string' && o.error.length > 0 ? o.error : status !== undefined ? `http_${status}` : 'no_response';
  const raw = typeof o.error_description === 'string' ? o.error_description : undefined;
  const codes = Array.isArray(o.error_codes) ? o.error_codes.filter((c): c is number => typeof c === 'number') : [];
  const description = raw === undefined ? undefined : tidyDescription(scrub(raw, secrets));
  const e: TokenEndpointError = { error: scrub(error, secrets).slice(0, 100), aadsts: [...new Set([...codes, ...aadstsCodes(raw)])] };
  if (description) e.description = description;
  if (status !== undefined) e.status = status;
  return e;
}
