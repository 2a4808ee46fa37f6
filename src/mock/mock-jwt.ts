import { constants, createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/**
 * Compact JWTs for the mock identity provider: HS256 access tokens it signs with its own
 * random key (only the mock SMTP server, which shares the key, verifies them), and checks of
 * the RS256/ES256 assertions clients sign (RFC 7523).
 */

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/** signHs256 issues a token the mock SMTP server can verify. */
export function signHs256(payload: Record<string, unknown>, key: Buffer): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** verifyHs256 returns the payload of a token signed with `key`, or undefined. */
export function verifyHs256(token: string, key: Buffer): Record<string, unknown> | undefined {
  const [h, p, s] = token.split('.');
  if (!h || !p || s === undefined) return undefined;
  const want = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  return parse(p);
}

/** decodeJwt reads header and payload without checking anything. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const [h, p] = token.split('.');
  if (!h || !p) return undefined;
  const header = parse(h);
  const payload = parse(p);
  return header && payload ? { header, payload } : undefined;
}

/** verifyAsymmetric checks an RS256/PS256/ES256/ES384 JWS with a public key (PEM certificate or key). */
export function verifyAsymmetric(token: string, publicPem: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const header = parse(h);
  if (!header) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey(publicPem);
  } catch {
    return undefined;
  }
  const alg = header.alg;
  const hash = alg === 'ES384' ? 'sha384' : 'sha256';
  const dsa = alg === 'ES256' || alg === 'ES384';
  const pss = alg === 'PS256';
  if (alg !== 'RS256' && !dsa && !pss) return undefined;
  const opts = dsa ? { key, dsaEncoding: 'ieee-p1363' as const } : pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : key;
  const ok = verify(hash, Buffer.from(`${h}.${p}`), opts, Buffer.from(s, 'base64url'));
  return ok ? parse(p) : undefined;
}

function parse(seg: string): Record<string, unknown> | undefined {
  try {
    const o = JSON.parse(Buffer.from(seg, 'base64url').toString('utf8')) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
