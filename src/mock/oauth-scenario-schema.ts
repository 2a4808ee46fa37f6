import * as z from 'zod';
import { framingCharacter } from '../model/wire-text.js';

/**
 * The `oauth:` section of a scenario (docs/oauth.md, "Scenarios"): a token endpoint the probe
 * fetches its bearer token from, and optionally an SMTP side that checks that token the way
 * Microsoft 365 or Gmail do. Every value here is a test value; the mock writes the secrets
 * the probe needs (client secret, refresh token, service-account key) to files of its own.
 */

const text = z.string().min(1).superRefine((v, ctx) => {
  const bad = framingCharacter(v);
  if (bad) ctx.addIssue({ code: 'custom', message: `contains ${bad.name} at position ${bad.index + 1}` });
});

/** The token the endpoint issues a client: each field reproduces one server-side refusal. */
const tokenShapeSchema = z
  .object({
    /** Default https://outlook.office365.com; https://graph.microsoft.com reproduces "wrong audience". */
    aud: text.optional(),
    /** App tokens: default [SMTP.SendAsApp]; [] reproduces a missing permission or admin consent. */
    roles: z.array(text).optional(),
    /** Delegated tokens (refresh-token grant): default SMTP.Send. */
    scp: text.optional(),
    /** Seconds the token lives (default 3600); negative issues a token that has already expired. */
    lifetimeS: z.number().int().min(-86_400 * 365).max(86_400 * 365).optional(),
    /** Shifts iat/nbf/exp by this many seconds: an identity provider whose clock is ahead (clock skew). */
    clockOffsetS: z.number().int().min(-86_400 * 365).max(86_400 * 365).optional(),
  })
  .strict();

const clientSchema = z
  .object({
    clientId: text,
    /** The registered client secret (a test value). */
    secret: text.optional(),
    /** Admin consent granted (default true); false gives tokens without roles, or AADSTS65001 for a refresh token. */
    consented: z.boolean().optional(),
    /** The secret has expired (AADSTS7000222). */
    secretExpired: z.boolean().optional(),
    /** The mock's app certificate (made at start-up, RSA) is registered for this client. */
    certificate: z.boolean().optional(),
    /** Refresh tokens this client may redeem (test values), each for the user `upn`. */
    refreshTokens: z.array(z.object({ token: text, upn: text }).strict()).optional(),
    token: tokenShapeSchema.optional(),
  })
  .strict();

const serviceAccountSchema = z
  .object({
    /** The service account's client_email; its key is made at start-up and written to a file for the probe. */
    email: text,
    /** Scopes the domain-wide delegation entry allows; without https://mail.google.com/ → unauthorized_client. */
    delegatedScopes: z.array(text).default(['https://mail.google.com/']),
    /** Users of the domain it may impersonate; any other → invalid_grant "Invalid email or User ID". */
    users: z.array(text).default([]),
  })
  .strict();

/** A token endpoint error replayed as recorded (RFC 6749 §5.2): every token request gets it. */
const endpointErrorSchema = z
  .object({
    /** HTTP status (default 400). */
    status: z.number().int().min(400).max(599).default(400),
    /** RFC 6749 error code, e.g. invalid_client, unauthorized_client, invalid_grant. */
    error: text,
    /** error_description, e.g. "AADSTS7000215: Invalid client secret provided. ..." */
    description: text.optional(),
  })
  .strict();

const tokenEndpointSchema = z
  .object({
    /** Microsoft tenants that exist (ids or domains); any other answers AADSTS90002. Default: contoso.onmicrosoft.com and a fixed GUID. */
    tenants: z.array(text).optional(),
    clients: z.array(clientSchema).default([]),
    serviceAccounts: z.array(serviceAccountSchema).default([]),
    /** Answer every request with this error instead (what `record` writes for a refused token request). */
    error: endpointErrorSchema.optional(),
  })
  .strict();

/** The 334 error challenge a bearer server sends before its final refusal (RFC 7628 §3.2.2). */
const challengeSchema = z.object({ status: text.optional(), schemes: text.optional(), scope: text.optional() }).strict();

const oauthSmtpSchema = z
  .object({
    /** Answer as smtp.office365.com (`m365`: 535 5.7.3, 535 5.7.139) or smtp.gmail.com (`gmail`: 535-5.7.8). */
    profile: z.enum(['m365', 'gmail']),
    /**
     * What the server shows before AUTH — greeting, EHLO lines, TLS mode and certificate:
     * `profile` (default) the provider's own; `server` the scenario's `server:` section (what a
     * recording writes, so a replay greets, lists its extensions and presents its certificate as
     * the recorded server did). Bearer tokens are judged by `profile` either way.
     */
    presents: z.enum(['profile', 'server']).optional(),
    /** Mechanisms advertised after STARTTLS (default m365: LOGIN XOAUTH2; gmail: LOGIN PLAIN XOAUTH2 OAUTHBEARER). */
    mechanisms: z.array(z.enum(['LOGIN', 'PLAIN', 'XOAUTH2', 'OAUTHBEARER'])).min(1).optional(),
    /** Audience the server requires (default https://outlook.office365.com). */
    audience: text.optional(),
    /** The server's clock offset in seconds. */
    clockOffsetS: z.number().int().optional(),
    /**
     * Exchange Online's side of app access. Default: every app the endpoint issues a token to
     * has a service principal and permission on every mailbox.
     */
    exchange: z
      .object({
        /** App ids registered with New-ServicePrincipal. */
        servicePrincipals: z.array(text).default([]),
        /** mailbox → app ids granted Add-MailboxPermission. */
        mailboxPermissions: z.record(z.string(), z.array(text)).default({}),
        /** Mailboxes with SmtpClientAuthenticationDisabled $true. */
        smtpAuthDisabled: z.array(text).default([]),
      })
      .strict()
      .optional(),
    /** Password users (Basic auth: PLAIN/LOGIN), mailbox → password (test values). */
    passwords: z.record(z.string(), z.string()).optional(),
    /** Refuse every bearer token with this 334 challenge (none: straight to `reply`) and final reply. */
    reject: z.object({ challenge: challengeSchema.optional(), reply: z.array(text).min(1) }).strict().optional(),
  })
  .strict();

/** oauthScenarioSchema: the `oauth:` section. */
export const oauthScenarioSchema = z
  .object({
    tokenEndpoint: tokenEndpointSchema.default({ clients: [], serviceAccounts: [] }),
    /**
     * Present: the SMTP side is the bearer-checking server below, and `server:` is used only for
     * what it presents (`smtp.presents: server`). Absent: `server:` serves SMTP.
     */
    smtp: oauthSmtpSchema.optional(),
  })
  .strict();

/** OAuthScenario: a validated `oauth:` section, defaults filled in. */
export interface OAuthScenario {
  tokenEndpoint: {
    tenants?: string[] | undefined;
    clients: {
      clientId: string;
      secret?: string | undefined;
      consented?: boolean | undefined;
      secretExpired?: boolean | undefined;
      certificate?: boolean | undefined;
      refreshTokens?: { token: string; upn: string }[] | undefined;
      token?: { aud?: string | undefined; roles?: string[] | undefined; scp?: string | undefined; lifetimeS?: number | undefined; clockOffsetS?: number | undefined } | undefined;
    }[];
    serviceAccounts: { email: string; delegatedScopes: string[]; users: string[] }[];
    error?: { status: number; error: string; description?: string | undefined } | undefined;
  };
  smtp?:
    | {
        profile: 'm365' | 'gmail';
        presents?: 'profile' | 'server' | undefined;
        mechanisms?: ('LOGIN' | 'PLAIN' | 'XOAUTH2' | 'OAUTHBEARER')[] | undefined;
        audience?: string | undefined;
        clockOffsetS?: number | undefined;
        exchange?: { servicePrincipals: string[]; mailboxPermissions: Record<string, string[]>; smtpAuthDisabled: string[] } | undefined;
        passwords?: Record<string, string> | undefined;
        reject?: { challenge?: { status?: string | undefined; schemes?: string | undefined; scope?: string | undefined } | undefined; reply: string[] } | undefined;
      }
    | undefined;
}

/**
 * The OAuth keys of a scenario's `probe:` section: the --oauth-* flags in camelCase, except that
 * secrets are given as test values (the mock writes them to files) and the token URL is filled in
 * by whoever starts the mock (its token endpoint; the Microsoft path when `oauthTenant` is set).
 */
export const oauthProbeShape = {
  oauthClientId: text.optional(),
  /** Test client secret; the probe reads it with --oauth-client-secret-file. */
  oauthClientSecret: text.optional(),
  /** Test refresh token; the probe reads it with --oauth-refresh-token-file. */
  oauthRefreshToken: text.optional(),
  /** true: sign a client assertion with the mock's app certificate (--oauth-client-cert/--oauth-client-key files the mock writes). */
  oauthClientCertificate: z.boolean().optional(),
  /** The email of one of the endpoint's service accounts: the probe gets its key file (--oauth-service-account). */
  oauthServiceAccount: text.optional(),
  oauthTenant: text.optional(),
  oauthScope: text.optional(),
};

/** OAuthProbe: the OAuth keys of a validated `probe:` section. */
export interface OAuthProbe {
  oauthClientId?: string | undefined;
  oauthClientSecret?: string | undefined;
  oauthRefreshToken?: string | undefined;
  oauthServiceAccount?: string | undefined;
  oauthClientCertificate?: boolean | undefined;
  oauthTenant?: string | undefined;
  oauthScope?: string | undefined;
}
