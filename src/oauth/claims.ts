import type { TokenClaims } from '../model/oauth.js';

/**
 * readClaims decodes a JWT access token's payload locally (no signature check: smtprobe is
 * not the audience) and keeps only the claims that explain a refusal. Opaque tokens give
 * undefined. The token itself is never stored.
 */
export function readClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 512 ? v : undefined);
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const c: TokenClaims = {};
  if (typeof p.aud === 'string') c.aud = p.aud;
  else if (Array.isArray(p.aud)) c.aud = p.aud.filter((a): a is string => typeof a === 'string');
  const assign = <K extends keyof TokenClaims>(k: K, v: TokenClaims[K] | undefined): void => {
    if (v !== undefined) c[k] = v;
  };
  assign('iss', str(p.iss));
  assign('scp', str(p.scp) ?? str(p.scope));
  if (Array.isArray(p.roles)) c.roles = p.roles.filter((r): r is string => typeof r === 'string');
  assign('tid', str(p.tid));
  assign('appid', str(p.appid) ?? str(p.azp));
  assign('upn', str(p.upn) ?? str(p.preferred_username) ?? str(p.email));
  assign('exp', num(p.exp));
  assign('nbf', num(p.nbf));
  assign('iat', num(p.iat));
  return c;
}
