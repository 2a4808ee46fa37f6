import type * as z from 'zod';
import type { oauthScenarioSchema } from '../mock/oauth-scenario-schema.js';
import type { OAuthData, PublicOAuth, TokenClaims } from '../model/oauth.js';
import type { Report } from '../model/report.js';
import { replyText as replyLines } from '../model/smtp-reply.js';
import { REPLAY_PASSWORD } from './redact.js';

type OAuthDocument = z.input<typeof oauthScenarioSchema>;
type ClientDocument = NonNullable<NonNullable<OAuthDocument['tokenEndpoint']>['clients']>[number];
type TokenShapeDocument = NonNullable<ClientDocument['token']>;

/** The OAuth keys a recording's `probe:` section gets (test values, never the recorded secrets). */
export interface RecordedOAuthProbe {
  oauthClientId?: string;
  oauthClientSecret?: string;
  oauthRefreshToken?: string;
  oauthServiceAccount?: string;
  oauthTenant?: string;
  oauthScope?: string;
}

/** OAuthRecording: what an OAuth probe adds to its recording. */
export interface OAuthRecording {
  oauth: OAuthDocument;
  probe: RecordedOAuthProbe;
  /** The SMTP side is the bearer-checking server (`oauth.smtp`), presenting the recorded `server:` without its reply scripts and faults. */
  bearerServer: boolean;
}

/**
 * wireSafe: a recorded text as the scenario language accepts it. CR, LF and NUL are refused in
 * text the mock sends; U+FFFD marks where one was, as in recorded replies.
 */
function wireSafe(text: string): string {
  return text.replace(/[\r\n\u0000]/g, '\ufffd');
}

/** The audience the bearer-checking server wants by default (Exchange Online's). */
const EXCHANGE_AUDIENCE = 'https://outlook.office365.com';
/** The client id a recording registers when the probe used none (a generic endpoint's public client). */
const RECORDED_CLIENT_ID = 'recorded-client';
/** Below this many seconds a token's nbf/iat ahead of this machine is issuing latency, not a clock problem. */
const SKEW_FLOOR_S = 60;

/**
 * tokenShape: the claims a replayed token must carry so that the replay judges it as the
 * recorded one was judged — audience, roles or scopes, and its time window relative to the
 * moment of AUTH (expired, not yet valid). Claims are not secret; the token itself is gone.
 */
function tokenShape(c: TokenClaims | undefined, checkedAt: number | undefined): TokenShapeDocument | undefined {
  if (!c) return undefined;
  const s: TokenShapeDocument = {};
  const aud = Array.isArray(c.aud) ? c.aud[0] : c.aud;
  if (aud !== undefined) s.aud = aud;
  if (c.roles) s.roles = [...c.roles];
  if (c.scp !== undefined) s.scp = c.scp;
  if (checkedAt !== undefined && c.exp !== undefined) {
    const ahead = (c.nbf ?? c.iat ?? checkedAt) - checkedAt;
    const offset = ahead > SKEW_FLOOR_S ? ahead : 0;
    if (offset !== 0) s.clockOffsetS = offset;
    s.lifetimeS = c.exp - checkedAt - offset;
  }
  return s;
}

/** Which provider's SMTP wording the replay speaks: Gmail's for Google tokens or a gsmtp greeting, else Microsoft 365's. */
function profileOf(report: Report, pub: PublicOAuth): 'm365' | 'gmail' {
  if (pub.provider === 'google') return 'gmail';
  const banner = report.steps.find((s) => s.step === 'banner')?.data;
  return banner?.reply && /\bgsmtp\b|smtp\.gmail\.com/i.test(replyLines(banner.reply)) ? 'gmail' : 'm365';
}

/**
 * oauthRecording: the `oauth:` section and probe keys that make a recording of an OAuth probe
 * replay its outcome. A refused token request is replayed verbatim by the mock endpoint
 * (RFC 6749 §5.2 error and description, which the probe already scrubbed of secrets); a token
 * that reached AUTH is re-issued by the mock with the recorded claims and checked by the
 * bearer server, which refuses it with the recorded 334 challenge and reply when the real
 * server did. Every secret is a fixed test value (REPLAY_PASSWORD); a certificate credential
 * is replayed as a client secret. `user` is the recording's (redacted) user name.
 */
export function oauthRecording(report: Report, user: string | undefined): OAuthRecording | undefined {
  const pub = report.target.oauth;
  if (!pub) return undefined;
  const auth = report.steps.find((s) => s.step === 'auth')?.data;
  const data: OAuthData | undefined = auth?.oauth;
  const probe: RecordedOAuthProbe = {};
  const tokenEndpoint: NonNullable<OAuthDocument['tokenEndpoint']> = {};
  if (pub.tenant !== undefined) {
    probe.oauthTenant = pub.tenant;
    tokenEndpoint.tenants = [pub.tenant];
  }
  if (pub.scope !== undefined) probe.oauthScope = pub.scope;
  const mailbox = user ?? 'recorded-user@example.invalid';

  if (pub.grant === 'jwt_bearer') {
    const email = pub.serviceAccountEmail ?? 'recorded@service-account.invalid';
    probe.oauthServiceAccount = email;
    tokenEndpoint.serviceAccounts = [{ email, delegatedScopes: (pub.scope ?? 'https://mail.google.com/').split(' '), users: [mailbox] }];
  } else {
    const clientId = pub.clientId ?? RECORDED_CLIENT_ID;
    probe.oauthClientId = clientId;
    const client: ClientDocument = { clientId };
    if (pub.clientAuth !== 'none') {
      client.secret = REPLAY_PASSWORD;
      probe.oauthClientSecret = REPLAY_PASSWORD;
    }
    if (pub.grant === 'refresh_token') {
      client.refreshTokens = [{ token: REPLAY_PASSWORD, upn: mailbox }];
      probe.oauthRefreshToken = REPLAY_PASSWORD;
    }
    const shape = tokenShape(data?.claims, data?.checkedAt);
    if (shape) client.token = shape;
    tokenEndpoint.clients = [client];
  }
  const client = tokenEndpoint.clients?.[0];
  const e = data?.endpointError;
  if (e) {
    tokenEndpoint.error = { status: e.status !== undefined && e.status >= 400 && e.status <= 599 ? e.status : 400, error: wireSafe(e.error) || 'request_failed' };
    if (e.description !== undefined && e.description !== '') tokenEndpoint.error.description = wireSafe(e.description);
  }

  const oauth: OAuthDocument = { tokenEndpoint };
  const bearer = auth?.attempted === true && (auth.mechanism === 'XOAUTH2' || auth.mechanism === 'OAUTHBEARER');
  if (bearer && auth) {
    // The recorded greeting, EHLO lines and certificate are presented (`server:`); the profile only judges the token.
    const smtp: NonNullable<OAuthDocument['smtp']> = { profile: profileOf(report, pub), presents: 'server', mechanisms: [auth.mechanism as 'XOAUTH2' | 'OAUTHBEARER'] };
    const r = auth.reply;
    // A token the server accepted must pass the replay's audience check too: a relay of its own may want another audience than Exchange Online's.
    const aud = client?.token?.aud?.replace(/\/$/, '');
    if (r && r.code < 400 && smtp.profile === 'm365' && aud !== undefined && aud !== EXCHANGE_AUDIENCE) smtp.audience = aud;
    if (r && r.code >= 400) {
      const lines = r.lines.length > 0 ? r.lines : [''];
      smtp.reject = { reply: lines.map((l) => wireSafe(`${r.code} ${r.enhanced ? `${r.enhanced} ` : ''}${l}`.trimEnd())) };
      if (data?.challenge) smtp.reject.challenge = Object.fromEntries(Object.entries(data.challenge).map(([k, v]) => [k, wireSafe(String(v))]));
    }
    oauth.smtp = smtp;
  }
  return { oauth, probe, bearerServer: bearer };
}
