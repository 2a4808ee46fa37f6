import type { OAuthData, TokenClaims } from '../model/oauth.js';
import { replyText } from '../model/smtp-reply.js';
import type { SmtpReply } from '../model/step-data.js';
import { psString } from './powershell.js';
import { replyEvidence } from './evidence.js';
import { explainEndpointError } from './oauth-endpoint-errors.js';
import type { FindingDraft, Rule, RuleContext } from './rule.js';

/** Audiences Exchange Online accepts for SMTP AUTH tokens (v1 and v2 forms, and its app id). */
const EXCHANGE_AUDIENCES = ['https://outlook.office365.com', 'https://outlook.office.com', '00000002-0000-0ff1-ce00-000000000000'];
/** Tolerance before calling a time claim "clock skew": identity providers allow about 5 minutes. */
const SKEW_TOLERANCE_S = 300;

/** isMicrosoft365: the target is Exchange Online, known by host name, greeting or EHLO name. */
export function isMicrosoft365(ctx: RuleContext): boolean {
  if (/(^|\.)(office365\.com|outlook\.com|office\.com)$/i.test(ctx.target.host)) return true;
  const greeting = ctx.data('banner')?.reply;
  if (greeting && /Microsoft ESMTP MAIL Service|\.outlook\.(office365\.)?com\b|\.prod\.outlook\.com\b/i.test(replyText(greeting))) return true;
  const ehlo = ctx.data('ehlo-tls')?.reply ?? ctx.data('ehlo')?.reply;
  return ehlo !== undefined && /\.(prod\.)?outlook\.(office365\.)?com\b/i.test(ehlo.lines[0] ?? '');
}

function isGoogle(ctx: RuleContext, o: OAuthData | undefined): boolean {
  if (o?.oauth?.provider === 'google') return true;
  if (/(^|\.)(gmail\.com|google\.com|googlemail\.com)$/i.test(ctx.target.host)) return true;
  const greeting = ctx.data('banner')?.reply;
  return greeting !== undefined && /\bgsmtp\b|smtp\.gmail\.com/i.test(replyText(greeting));
}

function isMicrosoftToken(ctx: RuleContext, o: OAuthData | undefined): boolean {
  if (o?.oauth?.provider === 'microsoft') return true;
  if (o?.claims?.tid || /sts\.windows\.net|login\.microsoftonline\.com/i.test(o?.claims?.iss ?? '')) return true;
  return isMicrosoft365(ctx);
}

/** claimEvidence: the token's non-secret claims, one line. */
function claimEvidence(o: OAuthData | undefined): string[] {
  if (!o) return [];
  const out: string[] = [];
  if (o.oauth) out.push(`token request: ${o.oauth.grant} at ${o.oauth.tokenUrl}${o.oauth.clientId ? `, client id ${o.oauth.clientId}` : ''}${o.oauth.scope ? `, scope ${o.oauth.scope}` : ''} (client authentication: ${o.oauth.clientAuth})`);
  const c = o.claims;
  if (c) {
    const parts: string[] = [];
    if (c.aud !== undefined) parts.push(`aud=${Array.isArray(c.aud) ? c.aud.join(',') : c.aud}`);
    if (c.roles) parts.push(`roles=${c.roles.join(' ') || '(none)'}`);
    if (c.scp !== undefined) parts.push(`scp=${c.scp}`);
    if (c.tid) parts.push(`tid=${c.tid}`);
    if (c.appid) parts.push(`appid=${c.appid}`);
    if (c.upn) parts.push(`upn=${c.upn}`);
    if (c.exp !== undefined) parts.push(`exp=${new Date(c.exp * 1000).toISOString()}`);
    if (c.nbf !== undefined) parts.push(`nbf=${new Date(c.nbf * 1000).toISOString()}`);
    out.push(`token claims (decoded locally): ${parts.join(' ')}`);
  } else if (o.opaque) {
    out.push('token is opaque (not a JWT): no claims to read locally');
  }
  if (o.challenge) out.push(`server error challenge (334, decoded): status=${o.challenge.status ?? '?'} schemes=${o.challenge.schemes ?? '?'} scope=${o.challenge.scope ?? '?'}`);
  if (o.cached) out.push('token reused from earlier in this run');
  return out;
}

/** The token endpoint refused: explain its error (AADSTS code, Google error) with the fix. */
const tokenRequestRule: Rule = {
  id: 'oauth-token-request',
  apply(ctx) {
    const r = ctx.result('auth');
    if (r?.error?.code !== 'OAUTH_TOKEN_REQUEST_FAILED') return [];
    const o = ctx.data('auth')?.oauth;
    const e = o?.endpointError ?? { error: 'request_failed', aadsts: [] };
    const x = explainEndpointError(e, o?.oauth);
    const evidence = [
      `token endpoint ${o?.oauth?.tokenUrl ?? ''} answered${e.status !== undefined ? ` HTTP ${e.status}` : ''}: ${e.error}${e.description ? ` — ${e.description}` : ''}`,
      ...claimEvidence(o).slice(0, 1),
      `oauth cause: ${x.id}`,
    ];
    return [{ code: 'OAUTH_TOKEN_REQUEST_FAILED', step: 'auth', evidence, cause: x.cause, fix: x.fix }];
  },
};

/** TokenVerdict: the one cause named for a refused token, from its claims and the reply. */
interface TokenVerdict {
  id: string;
  cause: string;
  fix: string[];
  exchange?: { setting: string; command: string };
}

function hasAudience(c: TokenClaims, wanted: readonly string[]): boolean {
  const auds = Array.isArray(c.aud) ? c.aud : c.aud === undefined ? [] : [c.aud];
  return auds.some((a) => wanted.some((w) => a.replace(/\/$/, '').toLowerCase() === w.toLowerCase()));
}

/** judgeToken names the cause of a refusal, most certain first: time, audience, permission, then the mailbox. */
function judgeToken(ctx: RuleContext, o: OAuthData | undefined, reply: SmtpReply | undefined): TokenVerdict {
  const c = o?.claims;
  const now = o?.checkedAt ?? Math.floor(Date.now() / 1000);
  const user = ctx.target.user ?? '<mailbox>';
  const text = reply ? `${reply.enhanced ?? ''} ${replyText(reply)}` : '';
  if (c?.exp !== undefined && c.exp <= now) {
    return {
      id: 'token-expired',
      cause: `The token expired at ${new Date(c.exp * 1000).toISOString()} (${now - c.exp} s before AUTH).`,
      fix: [o?.source === 'given' ? 'Get a fresh token, or let smtprobe fetch one itself (--oauth-client-id with --oauth-tenant or --oauth-token-url).' : 'Fetch a new token (smtprobe does on its next run); if it keeps happening, check this machine\'s clock.'],
    };
  }
  if (c && ((c.nbf !== undefined && c.nbf > now + 1) || (c.iat !== undefined && c.iat > now + SKEW_TOLERANCE_S))) {
    const ahead = (c.nbf ?? c.iat ?? now) - now;
    return {
      id: 'clock-skew',
      cause: `The token is not valid yet by this machine's clock (valid from ${new Date((c.nbf ?? c.iat ?? now) * 1000).toISOString()}, ${ahead} s ahead): the clocks of this machine and the identity provider disagree, and a server with this machine's idea of time refuses it.`,
      fix: ['Synchronise the clock with NTP (Windows: w32tm /resync; Linux: timedatectl / chrony), then retry.'],
    };
  }
  if (/SmtpClientAuthentication is disabled for the Mailbox/i.test(text)) {
    return {
      id: 'smtp-auth-disabled-mailbox',
      cause: 'The token was fine, but SMTP AUTH is disabled for this mailbox, and Exchange Online checks that for OAuth too.',
      fix: [`Exchange Online PowerShell: Set-CASMailbox -Identity ${psString(user)} -SmtpClientAuthenticationDisabled $false`],
      exchange: { setting: 'SmtpClientAuthenticationDisabled (Exchange Online, mailbox)', command: `Set-CASMailbox -Identity ${psString(user)} -SmtpClientAuthenticationDisabled $false` },
    };
  }
  if (/SmtpClientAuthentication is disabled for the Tenant/i.test(text)) {
    return {
      id: 'smtp-auth-disabled-tenant',
      cause: 'The token was fine, but SMTP AUTH is disabled for the whole tenant.',
      fix: [`Exchange Online PowerShell: Set-CASMailbox -Identity ${psString(user)} -SmtpClientAuthenticationDisabled $false (this mailbox only), or Set-TransportConfig -SmtpClientAuthenticationDisabled $false (tenant).`],
    };
  }
  if (isGoogle(ctx, o) && !isMicrosoftToken(ctx, o)) {
    const wanted = o?.challenge?.scope ?? 'https://mail.google.com/';
    const requested = o?.oauth?.scope;
    if (requested !== undefined && !requested.split(/\s+/).includes('https://mail.google.com/')) {
      return { id: 'wrong-scope', cause: `The token was issued for scope "${requested}"; Gmail SMTP needs ${wanted}.`, fix: ['Request --oauth-scope https://mail.google.com/ (the default), and allow that scope in the domain-wide delegation entry.'] };
    }
    return {
      id: 'google-token-refused',
      cause: `Gmail refused the token (status ${o?.challenge?.status ?? '?'}, scope needed ${wanted}): the token is for another user than --user, lacks the scope, or was revoked.`,
      fix: ['XOAUTH2\'s user= must be the mailbox the token was issued for (the service account\'s impersonated --user).', 'Check the domain-wide delegation entry lists https://mail.google.com/ for the service account\'s client ID.'],
    };
  }
  if (c && !hasAudience(c, EXCHANGE_AUDIENCES)) {
    return {
      id: 'wrong-audience',
      cause: `The token is for ${Array.isArray(c.aud) ? c.aud.join(', ') : c.aud ?? 'an unknown audience'}, not Exchange Online (https://outlook.office365.com): it was requested with the wrong scope (often Microsoft Graph's).`,
      fix: ['Request the token with --oauth-scope https://outlook.office365.com/.default (app) or https://outlook.office365.com/SMTP.Send (delegated) — not a graph.microsoft.com scope.'],
    };
  }
  const appToken = c !== undefined && c.scp === undefined;
  if (c && appToken && !(c.roles ?? []).includes('SMTP.SendAsApp')) {
    return {
      id: 'missing-smtp-sendasapp',
      cause: `The app token carries no SMTP.SendAsApp role (roles: ${(c.roles ?? []).join(' ') || 'none'}): the application permission is missing or was never granted admin consent.`,
      fix: ['Microsoft Entra admin center > App registrations > the app > API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > SMTP.SendAsApp; then "Grant admin consent for <tenant>".'],
    };
  }
  if (c && !appToken && !(c.scp ?? '').split(/\s+/).some((s) => /^SMTP\.Send$/i.test(s))) {
    return {
      id: 'missing-smtp-send-scope',
      cause: `The delegated token's scopes (${c.scp || 'none'}) do not include SMTP.Send: the permission is missing, not consented, or not requested.`,
      fix: ['Add the delegated permission Office 365 Exchange Online > SMTP.Send to the app, grant consent, and request https://outlook.office365.com/SMTP.Send.'],
    };
  }
  if (appToken) {
    const appId = c?.appid ?? o?.oauth?.clientId ?? '<application (client) id>';
    return {
      id: 'exchange-app-access',
      cause: 'The token is valid for Exchange Online and carries SMTP.SendAsApp, yet Exchange refused it: the app\'s service principal is not registered in Exchange Online, or it has no permission on this mailbox (Exchange answers both with 535 5.7.3).',
      fix: [
        `Exchange Online PowerShell: New-ServicePrincipal -AppId ${appId} -ObjectId <object id of the Enterprise application, not of the app registration> (once per tenant).`,
        `Then give it the mailbox: Add-MailboxPermission -Identity ${psString(user)} -User <that service principal's id> -AccessRights FullAccess.`,
        `Check SMTP AUTH is on for the mailbox: Get-CASMailbox ${psString(user)} | Format-List SmtpClientAuthenticationDisabled.`,
      ],
      exchange: { setting: 'Exchange Online service principal and mailbox permission', command: `New-ServicePrincipal -AppId ${appId} -ObjectId <enterprise app object id>; Add-MailboxPermission -Identity ${psString(user)} -User <service principal id> -AccessRights FullAccess` },
    };
  }
  return {
    id: 'delegated-token-refused',
    cause: 'The delegated token looks right (audience, SMTP.Send, not expired), yet Exchange refused it: XOAUTH2\'s user= is not the signed-in user, the mailbox is unlicensed, or SMTP AUTH is off for it.',
    fix: [`Use the token's own user (upn claim) as --user; check Get-CASMailbox ${psString(user)} | Format-List SmtpClientAuthenticationDisabled.`],
  };
}

/** The server refused the bearer token: name the cause from the claims, the 334 JSON and the reply. */
const tokenRejectedRule: Rule = {
  id: 'oauth-token-rejected',
  apply(ctx) {
    const r = ctx.result('auth');
    if (r?.error?.code !== 'AUTH_TOKEN_REJECTED') return [];
    const d = ctx.data('auth');
    const v = judgeToken(ctx, d?.oauth, d?.reply);
    const evidence = [...(d?.reply ? replyEvidence(ctx, d.reply) : []), `mechanism used: ${d?.mechanism ?? '?'}`, ...claimEvidence(d?.oauth), `oauth cause: ${v.id}`];
    const draft: FindingDraft = { code: 'AUTH_TOKEN_REJECTED', step: 'auth', evidence, cause: v.cause, fix: v.fix };
    if (v.exchange) draft.exchange = v.exchange;
    return [draft];
  },
};

/** Send connector auth mechanisms that send a password (Basic). */
const BASIC_CONNECTOR = new Set(['BasicAuth', 'BasicAuthRequireTLS']);

/**
 * Basic auth (PLAIN/LOGIN) towards Microsoft 365, by this probe or by the Send connector the
 * target came from: a warning with the date and the three ways forward.
 */
const basicRetirementRule: Rule = {
  id: 'oauth-basic-retirement',
  apply(ctx) {
    if (!isMicrosoft365(ctx)) return [];
    const d = ctx.data('auth');
    const usedBasic = d?.attempted === true && (d.mechanism === 'PLAIN' || d.mechanism === 'LOGIN');
    const connector = ctx.target.smartHostAuthMechanism !== undefined && BASIC_CONNECTOR.has(ctx.target.smartHostAuthMechanism);
    if (!usedBasic && !connector) return [];
    const evidence: string[] = [];
    if (usedBasic) evidence.push(`AUTH ${d?.mechanism} (a password) was used against ${ctx.target.host}, which is Microsoft 365`);
    if (connector) evidence.push(`Send connector ${ctx.target.connectorName ?? ''} uses SmartHostAuthMechanism ${ctx.target.smartHostAuthMechanism} towards Microsoft 365`.replace('  ', ' '));
    if (d?.reply && d.reply.code >= 500) evidence.push(...replyEvidence(ctx, d.reply));
    return [{ code: 'AUTH_BASIC_RETIREMENT', step: 'auth', evidence }];
  },
};

/** OAUTH_RULES: token request failures, refused tokens, Basic-auth retirement. */
export const OAUTH_RULES: readonly Rule[] = [tokenRequestRule, tokenRejectedRule, basicRetirementRule];
