import { X509Certificate, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { OAuthClientCertificate } from '../model/oauth.js';

/** RFC 7523 §2.2 client assertion type. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Assertions live briefly: they only have to reach the token endpoint. */
const ASSERTION_LIFETIME_S = 600;

/** thumbprints: SHA-1 and SHA-256 of the certificate's DER, base64url (the x5t / x5t#S256 headers). */
export function thumbprints(certPem: string): { sha1: string; sha256: string; sha256Hex: string } {
  const cert = new X509Certificate(certPem);
  const hex = (fp: string): string => fp.replace(/:/g, '').toLowerCase();
  const b64url = (fp: string): string => Buffer.from(hex(fp), 'hex').toString('base64url');
  return { sha1: b64url(cert.fingerprint), sha256: b64url(cert.fingerprint256), sha256Hex: hex(cert.fingerprint256) };
}

/** The JWS algorithm for a key: RS256 for RSA (what Entra ID documents), ES256/384 for EC. */
function algorithmFor(key: KeyObject): { alg: string; hash: string; dsa: boolean } {
  if (key.asymmetricKeyType === 'rsa') return { alg: 'RS256', hash: 'sha256', dsa: false };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp384r1' ? { alg: 'ES384', hash: 'sha384', dsa: true } : { alg: 'ES256', hash: 'sha256', dsa: true };
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use RSA or EC)`);
}

/**
 * signClientAssertion makes the signed JWT a confidential client sends instead of a secret
 * (RFC 7523 §3; Entra ID "certificate credentials"): iss = sub = client id, aud = the token
 * endpoint, a unique jti, a 10-minute lifetime; the header names the certificate by thumbprint.
 */
export function signClientAssertion(cred: OAuthClientCertificate, clientId: string, audience: string, nowMs: number): string {
  const key = createPrivateKey(cred.keyPem.reveal());
  const { alg, hash, dsa } = algorithmFor(key);
  const tp = thumbprints(cred.certPem);
  const now = Math.floor(nowMs / 1000);
  const header = { alg, typ: 'JWT', x5t: tp.sha1, 'x5t#S256': tp.sha256 };
  const payload = { aud: audience, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + ASSERTION_LIFETIME_S };
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  const sig = sign(hash, Buffer.from(input), dsa ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}
