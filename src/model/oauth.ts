import type { Secret } from './secret.js';

/** Which kind of token endpoint issues the token: it decides the library and the advice. */
export type OAuthProvider = 'microsoft' | 'google' | 'generic';

/**
 * OAuthGrant: how the token is obtained. `client_credentials` (RFC 6749 §4.4, an app acting
 * as itself), `refresh_token` (§6, a delegated user token renewed), `jwt_bearer` (RFC 7523,
 * a Google service account impersonating a user through domain-wide delegation).
 */
export type OAuthGrant = 'client_credentials' | 'refresh_token' | 'jwt_bearer';

/** A certificate credential: the app signs a client assertion with this key (RFC 7523 §2.2). */
export interface OAuthClientCertificate {
  certPem: string;
  keyPem: Secret;
}

/** A Google service-account key (the JSON file from the Cloud console), its secret part wrapped. */
export interface OAuthServiceAccount {
  clientEmail: string;
  privateKey: Secret;
  keyId?: string;
  /** token_uri from the key file, when it names one. */
  tokenUri?: string;
}

/**
 * OAuthCredential: everything needed to fetch a bearer token before AUTH. Lives in the Target
 * only (secrets wrapped in `Secret`); the Report carries `PublicOAuth` instead.
 */
export interface OAuthCredential {
  provider: OAuthProvider;
  grant: OAuthGrant;
  clientId?: string;
  clientSecret?: Secret;
  clientCert?: OAuthClientCertificate;
  refreshToken?: Secret;
  serviceAccount?: OAuthServiceAccount;
  /** Microsoft Entra tenant id or domain. */
  tenant?: string;
  /** The token endpoint to POST to (derived from the tenant unless given). */
  tokenUrl: string;
  /** Requested scope; absent = the endpoint's default (RFC 6749 §3.3). */
  scope?: string;
  /** Google: the mailbox impersonated through domain-wide delegation (= --user). */
  subject?: string;
}

/** PublicOAuth: the non-secret half of an OAuthCredential, as the Report shows it. */
export interface PublicOAuth {
  provider: OAuthProvider;
  grant: OAuthGrant;
  clientId?: string;
  tenant?: string;
  tokenUrl: string;
  scope?: string;
  /** How the client proves itself: secret, certificate, service-account key, or none (public client). */
  clientAuth: 'secret' | 'certificate' | 'service-account' | 'none';
  serviceAccountEmail?: string;
}

/** toPublicOAuth drops every secret and keeps what explains the request. */
export function toPublicOAuth(c: OAuthCredential): PublicOAuth {
  const p: PublicOAuth = {
    provider: c.provider,
    grant: c.grant,
    tokenUrl: c.tokenUrl,
    clientAuth: c.serviceAccount ? 'service-account' : c.clientCert ? 'certificate' : c.clientSecret ? 'secret' : 'none',
  };
  if (c.clientId !== undefined) p.clientId = c.clientId;
  if (c.tenant !== undefined) p.tenant = c.tenant;
  if (c.scope !== undefined) p.scope = c.scope;
  if (c.serviceAccount) p.serviceAccountEmail = c.serviceAccount.clientEmail;
  return p;
}

/**
 * TokenClaims: the claims of a JWT access token that explain a refusal and are not secret
 * (who it is for, what it allows, for whom, until when). The signature and the token itself
 * are never kept.
 */
export interface TokenClaims {
  aud?: string | string[];
  iss?: string;
  /** Delegated permissions, space separated (Microsoft `scp`, generic `scope`). */
  scp?: string;
  /** Application permissions (Microsoft `roles`). */
  roles?: string[];
  /** Microsoft tenant id. */
  tid?: string;
  /** Application id (Microsoft `appid` v1 / `azp` v2). */
  appid?: string;
  /** Signed-in user (Microsoft `upn`/`preferred_username`, Google `email`). */
  upn?: string;
  /** Seconds since the epoch. */
  exp?: number;
  nbf?: number;
  iat?: number;
}

/** The error a token endpoint returned (RFC 6749 §5.2), with Microsoft's AADSTS numbers pulled out. */
export interface TokenEndpointError {
  /** RFC 6749 error code (`invalid_client`, `unauthorized_client`, ...) or a transport failure. */
  error: string;
  description?: string;
  /** AADSTS numbers found in the description (AADSTS7000215 → 7000215). */
  aadsts: number[];
  /** HTTP status, when a response came. */
  status?: number;
}

/** The 334 error challenge of XOAUTH2/OAUTHBEARER (RFC 7628 §3.2.2), decoded. */
export interface BearerErrorChallenge {
  status?: string;
  schemes?: string;
  scope?: string;
}

/**
 * OAuthData: what the AUTH step learnt about the token: where it came from, whether a cached
 * one was reused, its non-secret claims, the endpoint's error, the server's error challenge.
 */
export interface OAuthData {
  /** `acquired` = smtprobe fetched it; `given` = --token-env/--token-file. */
  source: 'acquired' | 'given';
  oauth?: PublicOAuth;
  /** A token fetched earlier in this run was reused. */
  cached?: boolean;
  /** Seconds the token had left when AUTH began (negative: expired). */
  expiresInS?: number;
  claims?: TokenClaims;
  /** The token is not a JWT (opaque tokens, e.g. Google's): no claims to read. */
  opaque?: boolean;
  endpointError?: TokenEndpointError;
  challenge?: BearerErrorChallenge;
  /** This machine's clock when AUTH began, seconds since the epoch (for clock-skew checks). */
  checkedAt?: number;
}

/** oauthSecrets: every secret an OAuth credential holds, for redaction lists. */
export function oauthSecrets(c: OAuthCredential | undefined): Secret[] {
  if (!c) return [];
  return [c.clientSecret, c.clientCert?.keyPem, c.refreshToken, c.serviceAccount?.privateKey].filter((s): s is Secret => s !== undefined);
}
