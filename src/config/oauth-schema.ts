import * as z from 'zod/mini';
import { noControlCharacters } from './wire-text.js';

// Control characters are refused here as in every other target field: these values go into
// HTTP requests and token claims, where a CR/LF or NUL could split or truncate them.
const text = (max: number) => z.string().check(noControlCharacters, z.minLength(1), z.maxLength(max));
const opt = z.optional;

/**
 * oauthInputShape: the OAuth token-acquisition keys of a target (the `check` flags
 * --oauth-* in camelCase; the same keys in probes.yaml and exporter modules). Secrets are
 * named by variable or file, never given inline.
 */
export const oauthInputShape = {
  oauthClientId: opt(text(256)),
  oauthClientSecretEnv: opt(text(256)),
  oauthClientSecretFile: opt(text(4096)),
  oauthClientCert: opt(text(4096)),
  oauthClientKey: opt(text(4096)),
  oauthRefreshTokenEnv: opt(text(256)),
  oauthRefreshTokenFile: opt(text(4096)),
  oauthServiceAccount: opt(text(4096)),
  oauthTenant: opt(text(256).check(z.regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a tenant id (GUID) or domain name'))),
  oauthTokenUrl: opt(text(2048)),
  oauthScope: opt(text(1024).check(z.regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'scope tokens separated by single spaces (RFC 6749 §3.3)'))),
};

/** OAUTH_INPUT_KEYS: every key above; any of them turns token acquisition on. */
export const OAUTH_INPUT_KEYS = Object.keys(oauthInputShape) as (keyof typeof oauthInputShape)[];
