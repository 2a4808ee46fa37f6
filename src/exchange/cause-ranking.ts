import { matchProviderSignature, type ProviderSignature } from '../diagnose/provider-signatures.js';
import type { FindingCode } from '../model/finding-codes.js';
import type { CauseCode } from './causes.js';
import type { ExchangeEvent } from './event-parser.js';
import { toSmtpReply, type QueueError, type ResponseText } from './queue-error-parser.js';
import { authTokens, offersExchangeAuth, type SendSessionFacts } from './send-session-facts.js';

/**
 * Ranking: which causes explain an input, most likely first (docs/domain.md, "Root causes"). The order comes
 * from the most specific evidence available: an SSPI status beats a mechanism, a response
 * text beats an event id, and what a protocol log shows on the wire beats both.
 */

/** RankedCause: a cause code, why it is on the list, and the provider signature that put it there. */
export interface RankedCause {
  code: CauseCode;
  because: string;
  signature?: ProviderSignature;
}

/** Ranking collects causes in order; a cause already listed keeps its first (higher) place. */
class Ranking {
  readonly list: RankedCause[] = [];

  add(codes: readonly CauseCode[], because: string, signature?: ProviderSignature): this {
    for (const code of codes) {
      if (this.list.some((c) => c.code === code)) continue;
      const rc: RankedCause = { code, because };
      if (signature) rc.signature = signature;
      this.list.push(rc);
    }
    return this;
  }

  addAll(causes: readonly RankedCause[]): this {
    for (const c of causes) this.add([c.code], c.because, c.signature);
    return this;
  }
}

/** Where a status was reported: authentication (2016/2017), TLS negotiation, or inbound (1035). */
export type StatusContext = 'auth' | 'tls' | 'inbound';

const AUTH_STATUS: Record<string, CauseCode[]> = {
  TimeSkew: ['KERBEROS_CLOCK_SKEW'],
  TargetUnknown: ['KERBEROS_SPN'],
  WrongPrincipal: ['KERBEROS_SPN'],
  NoAuthenticatingAuthority: ['KERBEROS_DC_UNREACHABLE'],
  LogonDenied: ['KERBEROS_LOGON_DENIED', 'CREDENTIAL_UNUSABLE'],
  KdcUnknownEncryptionType: ['KERBEROS_ENCTYPE'],
  UnknownCredentials: ['CREDENTIAL_UNUSABLE'],
  NoCredentials: ['CREDENTIAL_UNUSABLE', 'INTERNAL_TRANSPORT_CERT'],
  InvalidToken: ['TLS_VERSION_MISMATCH', 'INTERNAL_TRANSPORT_CERT', 'FIREWALL_SMTP_INSPECTION'],
  UntrustedRoot: ['INTERNAL_TRANSPORT_CERT', 'REMOTE_CERT_UNTRUSTED'],
  CertExpired: ['INTERNAL_TRANSPORT_CERT', 'REMOTE_CERT_UNTRUSTED'],
  CertUnknown: ['INTERNAL_TRANSPORT_CERT'],
  AlgorithmMismatch: ['TLS_VERSION_MISMATCH'],
  TLS1_0NotSupported: ['INTERNAL_TRANSPORT_CERT', 'TLS_VERSION_MISMATCH'],
  UnexpectedExchangeAuthBlob: ['INTERNAL_TRANSPORT_CERT', 'FIREWALL_SMTP_INSPECTION'],
  MessageAltered: ['FIREWALL_SMTP_INSPECTION'],
  InternalError: ['LOCAL_SSPI_FAILURE'],
  PackageNotFound: ['LOCAL_SSPI_FAILURE'],
  ContextExpired: ['KERBEROS_CLOCK_SKEW'],
};

const TLS_STATUS: Record<string, CauseCode[]> = {
  NoCredentials: ['LOCAL_CERT_NO_PRIVATE_KEY', 'NO_CERT_FOR_FQDN'],
  InvalidToken: ['TLS_VERSION_MISMATCH', 'FIREWALL_SMTP_INSPECTION'],
  AlgorithmMismatch: ['TLS_VERSION_MISMATCH'],
  SocketError: ['TLS_VERSION_MISMATCH', 'FIREWALL_SMTP_INSPECTION', 'PORT_465_IMPLICIT_TLS'],
  IllegalMessage: ['TLS_VERSION_MISMATCH', 'FIREWALL_SMTP_INSPECTION'],
  MessageAltered: ['FIREWALL_SMTP_INSPECTION', 'TLS_VERSION_MISMATCH'],
  UntrustedRoot: ['REMOTE_CERT_UNTRUSTED'],
  CertExpired: ['REMOTE_CERT_UNTRUSTED'],
  CertUnknown: ['REMOTE_CERT_UNTRUSTED'],
  WrongPrincipal: ['REMOTE_CERT_UNTRUSTED'],
  TargetUnknown: ['REMOTE_CERT_UNTRUSTED'],
  InternalError: ['LOCAL_CERT_NO_PRIVATE_KEY', 'LOCAL_SSPI_FAILURE'],
};

const INBOUND_STATUS: Record<string, CauseCode[]> = {
  LogonDenied: ['INBOUND_AUTH_FAILED'],
  UnexpectedExchangeAuthBlob: ['INBOUND_EXCHANGEAUTH_MISMATCH', 'INTERNAL_TRANSPORT_CERT'],
  IllegalMessage: ['INBOUND_AUTH_FAILED', 'FIREWALL_SMTP_INSPECTION'],
};

/** causesForStatus: the causes a status name points at, in its context. */
export function causesForStatus(status: string, ctx: StatusContext): CauseCode[] {
  const table = ctx === 'tls' ? TLS_STATUS : ctx === 'inbound' ? INBOUND_STATUS : AUTH_STATUS;
  return table[status] ?? [];
}

/** The general order when Kerberos/Exchange authentication failed and nothing more is known. */
const EXCHANGE_AUTH_DEFAULT: CauseCode[] = [
  'KERBEROS_NEGOTIATE_FAILED', 'CREDENTIAL_UNUSABLE', 'INTERNAL_TRANSPORT_CERT', 'FIREWALL_SMTP_INSPECTION', 'EXCHANGE_AUTH_TO_NON_EXCHANGE',
];

/** Mechanism families of events 2016/2017 (%3) and of SmartHostAuthMechanism. */
export type MechanismFamily = 'basic' | 'kerberos';

/** mechanismFamily: Login (and the connector's BasicAuth*) is Basic auth; Gssapi, Ntlm and ExchangeAuth are Exchange Server (Kerberos/NTLM) auth. */
export function mechanismFamily(mechanism: string | undefined): MechanismFamily | undefined {
  if (!mechanism) return undefined;
  if (/^(?:Login|BasicAuth|BasicAuthRequireTLS)$/i.test(mechanism)) return 'basic';
  if (/^(?:Gssapi|Ntlm|ExchangeAuth|ExchangeServer|Negotiate|Kerberos)$/i.test(mechanism)) return 'kerberos';
  return undefined;
}

/** Hosts whose provider has its own SMTP AUTH switches and Basic-auth retirement. */
const M365_HOST = /(?:^|\.)(?:office365\.com|outlook\.com|office\.com)$/i;
const GOOGLE_HOST = /(?:^|\.)(?:gmail\.com|googlemail\.com|google\.com)$/i;

/**
 * rankBasicAuthFailure: a 2016/2017 whose mechanism is Login. LOGIN's initialisation only
 * encodes the stored user name and password, so the stored credential comes first; then what
 * makes a good-looking credential fail at the provider, most specific to the smart host first.
 * No Kerberos or Exchange Server cause applies: the event names the mechanism Exchange used.
 */
function rankBasicAuthFailure(r: Ranking, status: string | undefined, what: string, host: string | undefined): void {
  const st = status ? ` (status ${status})` : '';
  r.add(['BASIC_CREDENTIAL_UNUSABLE'], `${what} with mechanism Login${st}: LOGIN only encodes the stored user name and password, so the stored credential itself could not be used`);
  r.add(['CREDENTIALS_REJECTED'], 'mechanism Login: a password or user name in the wrong form fails as soon as the credential is used');
  if (host && M365_HOST.test(host)) {
    r.add(['SMTP_AUTH_DISABLED_AT_PROVIDER'], `the smart host ${host} is Microsoft 365, where SMTP AUTH can be off for the tenant or the mailbox`);
    r.add(['PROVIDER_BASIC_AUTH_DISABLED'], `the smart host ${host} is Microsoft 365, which is retiring Basic SMTP AUTH`);
    r.add(['ACCOUNT_BLOCKED'], 'Microsoft 365 security defaults, MFA or Conditional Access block password sign-in for SMTP');
  } else if (host && GOOGLE_HOST.test(host)) {
    r.add(['ACCOUNT_BLOCKED'], `the smart host ${host} is Google, which wants an app password for accounts with 2-Step Verification`);
    r.add(['PROVIDER_BASIC_AUTH_DISABLED'], `the smart host ${host} is Google, which has retired password sign-in for less secure apps`);
  } else {
    r.add(['ACCOUNT_BLOCKED'], 'an account that is locked, expired or under an MFA policy cannot use its password for SMTP');
  }
  r.add(['AUTH_ONLY_AFTER_TLS_NOT_USED'], 'many relays offer AUTH LOGIN only after STARTTLS');
}

/**
 * 2016/2017 ranking: status first, then what the mechanism implies. A 2017 (or a log line
 * after X-EXPS) means negotiation started, so the remote did offer X-EXPS: it is an Exchange
 * server, and "ExchangeServer chosen for a non-Exchange relay" is not a candidate.
 */
function rankAuthFailure(r: Ranking, status: string | undefined, mechanism: string | undefined, what: string, negotiated = false, host?: string): void {
  if (mechanismFamily(mechanism) === 'basic') {
    rankBasicAuthFailure(r, status, what, host);
    return;
  }
  if (status) r.add(causesForStatus(status, 'auth'), `${what} reports status ${status}`);
  r.add(EXCHANGE_AUTH_DEFAULT.filter((c) => !(negotiated && c === 'EXCHANGE_AUTH_TO_NON_EXCHANGE')), mechanism
    ? `${what} with mechanism ${mechanism}: Kerberos/Exchange Server authentication could not be set up`
    : `${what}, no mechanism named: Exchange Server (Kerberos) authentication is the usual one to fail this way`);
}

/** EventContext: what is known besides the event (a connector's settings). */
export interface EventContext {
  /** SmartHostAuthMechanism of the connector, used when the event names no %3 mechanism. */
  mechanism?: string;
  host?: string;
}

/** rankForEvent: the causes of one event. The event's own %3 mechanism wins over `ctx.mechanism`. */
export function rankForEvent(ev: ExchangeEvent, host?: string, ctx: EventContext = {}): RankedCause[] {
  const r = new Ranking();
  const p = ev.params;
  const mechanism = p.mechanism ?? ctx.mechanism;
  const where = p.targetHost ?? host ?? ctx.host;
  switch (ev.id) {
    case 2016:
      rankAuthFailure(r, p.status, mechanism, 'event 2016 (authentication could not be initialised)', false, where);
      break;
    case 2017:
      rankAuthFailure(r, p.status, mechanism, 'event 2017 (authentication failed during negotiation)', true, where);
      r.add(['NEGOTIATION_ABORTED'], 'Exchange cancels the AUTH exchange after a 2017');
      break;
    case 2003: {
      const resp = p.response;
      if (resp) r.addAll(rankForResponseText(resp, host ?? p.targetHost));
      r.add(['CREDENTIALS_REJECTED', 'ACCOUNT_BLOCKED', 'PROVIDER_BASIC_AUTH_DISABLED'], 'event 2003: the remote server answered the AUTH exchange with an error');
      break;
    }
    case 2015:
      r.add(['STARTTLS_HIDDEN', 'FIREWALL_SMTP_INSPECTION', 'HELO_INSTEAD_OF_EHLO'], 'event 2015: RequireTLS is set and the remote EHLO did not offer STARTTLS');
      break;
    case 2000:
      r.add(['DNS_FAILURE'], 'event 2000: the smart host name did not resolve');
      break;
    case 12014:
      r.add(['NO_CERT_FOR_FQDN', 'LOCAL_CERT_NO_PRIVATE_KEY'], 'event 12014: no certificate for the STARTTLS FQDN');
      break;
    case 12013:
    case 12024:
      r.add(['INTERNAL_TRANSPORT_CERT'], `event ${ev.id}: the internal transport certificate could not be loaded`);
      break;
    case 1035:
      if (p.status) r.add(causesForStatus(p.status, 'inbound'), `event 1035 reports status ${p.status}`);
      r.add(['INBOUND_AUTH_FAILED'], 'event 1035: a client failed to authenticate to this server (receive side)');
      break;
    case 1020:
      r.add(['NO_SUBMIT_RIGHT'], 'event 1020: valid credentials without the submit right');
      break;
  }
  return r.list;
}

/** Local (Exchange-generated) responses and what they mean (samples/exchange-local-responses.txt). */
const LOCAL_MEANINGS: readonly { match: RegExp; causes: CauseCode[]; because: string }[] = [
  { match: /Cannot achieve Exchange Server authentication/i, causes: ['EXCHANGE_AUTH_TO_NON_EXCHANGE', 'FIREWALL_SMTP_INSPECTION'], because: 'Exchange generated "Cannot achieve Exchange Server authentication": the remote EHLO lacks X-EXPS/X-ANONYMOUSTLS' },
  { match: /Cannot load Internal Transport Certificate/i, causes: ['INTERNAL_TRANSPORT_CERT'], because: 'Exchange generated "Cannot load Internal Transport Certificate"' },
  { match: /Require STARTTLS to do basic authentication/i, causes: ['STARTTLS_HIDDEN', 'FIREWALL_SMTP_INSPECTION', 'HELO_INSTEAD_OF_EHLO'], because: 'Exchange generated "Require STARTTLS to do basic authentication": BasicAuthRequireTLS and no STARTTLS in the EHLO reply' },
  { match: /Require basic authentication/i, causes: ['RELAY_NO_AUTH_LOGIN', 'AUTH_ONLY_AFTER_TLS_NOT_USED', 'HELO_INSTEAD_OF_EHLO', 'FIREWALL_SMTP_INSPECTION'], because: 'Exchange generated "Require basic authentication": the EHLO reply had no "AUTH ... LOGIN" token, so Exchange sent QUIT without trying AUTH' },
  { match: /STARTTLS is required to send mail/i, causes: ['STARTTLS_HIDDEN', 'FIREWALL_SMTP_INSPECTION', 'HELO_INSTEAD_OF_EHLO'], because: 'Exchange generated "STARTTLS is required to send mail": RequireTLS and no STARTTLS offered (event 2015)' },
  // Exchange's own 454 has no reason after it; a relay's ("...failure: <reason>") is its SASL backend.
  { match: /^(?:4\.7\.0 )?Temporary authentication failure$/i, causes: ['KERBEROS_NEGOTIATE_FAILED', 'CREDENTIAL_UNUSABLE', 'REMOTE_AUTH_TEMPFAIL'], because: '"454 4.7.0 Temporary authentication failure" is what Exchange queues after event 2016/2017 or with an empty credential (a relay sends it when its SASL backend is down)' },
  { match: /Connection dropped due to SocketError/i, causes: ['TLS_VERSION_MISMATCH', 'FIREWALL_SMTP_INSPECTION', 'PORT_465_IMPLICIT_TLS'], because: 'the connection dropped (SocketError), typically during the TLS handshake' },
  { match: /DNS query failed/i, causes: ['DNS_FAILURE'], because: 'the DNS lookup of the smart host failed' },
  { match: /Too many errors on this connection/i, causes: ['TOO_MANY_PROTOCOL_ERRORS'], because: 'the receiving server closed the session after repeated errors' },
  { match: /RESOLVER\.RST\.AuthRequired/i, causes: ['RECIPIENT_REQUIRES_AUTH'], because: 'RESOLVER.RST.AuthRequired: the recipient requires authenticated senders' },
];

/** Provider signature ids whose meaning is narrower than their finding code. */
const SIGNATURE_CAUSES: Record<string, CauseCode[]> = {
  'm365-smtp-auth-disabled-tenant': ['SMTP_AUTH_DISABLED_AT_PROVIDER', 'PROVIDER_BASIC_AUTH_DISABLED'],
  'm365-smtp-auth-disabled-mailbox': ['SMTP_AUTH_DISABLED_AT_PROVIDER', 'PROVIDER_BASIC_AUTH_DISABLED'],
  'm365-basic-auth-disabled': ['PROVIDER_BASIC_AUTH_DISABLED'],
  'm365-basic-auth-not-supported': ['PROVIDER_BASIC_AUTH_DISABLED'],
  'm365-conditional-access': ['ACCOUNT_BLOCKED', 'PROVIDER_BASIC_AUTH_DISABLED'],
  'm365-security-defaults': ['ACCOUNT_BLOCKED', 'PROVIDER_BASIC_AUTH_DISABLED'],
  'm365-account-locked': ['ACCOUNT_BLOCKED', 'CREDENTIALS_REJECTED'],
};

/** What each finding code of a provider signature means for the Exchange admin. */
export const FINDING_CAUSES: Partial<Record<FindingCode, CauseCode[]>> = {
  AUTH_CREDENTIALS_REJECTED: ['CREDENTIALS_REJECTED', 'ACCOUNT_BLOCKED'],
  AUTH_DISABLED_BY_PROVIDER: ['PROVIDER_BASIC_AUTH_DISABLED'],
  AUTH_APP_PASSWORD_REQUIRED: ['ACCOUNT_BLOCKED', 'CREDENTIALS_REJECTED'],
  AUTH_TEMPFAIL: ['REMOTE_AUTH_TEMPFAIL'],
  AUTH_MUST_STARTTLS: ['AUTH_ONLY_AFTER_TLS_NOT_USED', 'STARTTLS_HIDDEN'],
  AUTH_ENCRYPTION_REQUIRED: ['AUTH_ONLY_AFTER_TLS_NOT_USED'],
  AUTH_MECHANISM_TOO_WEAK: ['AUTH_ONLY_AFTER_TLS_NOT_USED'],
  AUTH_NO_COMMON_MECHANISM: ['RELAY_NO_AUTH_LOGIN'],
  AUTH_NOT_OFFERED: ['RELAY_NO_AUTH_LOGIN', 'AUTH_NOT_CONFIGURED'],
  AUTH_PROTOCOL_ERROR: ['NEGOTIATION_ABORTED'],
  TLS_VERSION_MISMATCH: ['TLS_VERSION_MISMATCH'],
  RELAY_DENIED: ['AUTH_NOT_CONFIGURED'],
  SENDER_REJECTED: ['SENDER_NOT_ALLOWED'],
  CLIENT_CERT_REJECTED: ['SENDER_CERT_REJECTED'],
  STARTTLS_REJECTED: ['REMOTE_TLS_UNAVAILABLE'],
};

/** rankForResponse: an SMTP response, local (Exchange's own wording) or from the relay. */
export function rankForResponse(resp: ResponseText, host?: string): RankedCause[] {
  const r = new Ranking();
  if (resp.code !== undefined && resp.code < 400) return r.list;
  const text = `${resp.enhanced ? `${resp.enhanced} ` : ''}${resp.text}`;
  const status = /Security status (\w+)/i.exec(text)?.[1];
  if (status) r.add(causesForStatus(status, 'tls'), `Exchange reports security status ${status} for the TLS handshake`);
  for (const l of LOCAL_MEANINGS) if (l.match.test(text)) r.add(l.causes, l.because);
  if (r.list.length > 0) return r.list;
  const sig = matchProviderSignature(toSmtpReply(resp), host);
  if (sig) {
    const because = sig.title.startsWith(sig.provider) ? sig.title : `${sig.provider}: ${sig.title}`;
    r.add(SIGNATURE_CAUSES[sig.id] ?? FINDING_CAUSES[sig.code] ?? ['REMOTE_REJECTED'], because, sig);
  } else if (resp.code === 535) r.add(['CREDENTIALS_REJECTED', 'ACCOUNT_BLOCKED'], 'the relay rejected the credentials (535)');
  else r.add(['REMOTE_REJECTED'], 'the relay answered with an error');
  return r.list;
}

/** rankForResponseText: as rankForResponse, for a response still in text form. */
export function rankForResponseText(text: string, host?: string): RankedCause[] {
  const code = /^\s*([2-5]\d\d)\b/.exec(text)?.[1];
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1];
  const resp: ResponseText = { text: text.replace(/^\s*[2-5]\d\d[ -]?(?:[245]\.\d{1,3}\.\d{1,3}\s*)?/, '').trim(), raw: text };
  if (code) resp.code = Number(code);
  if (enhanced) resp.enhanced = enhanced;
  return rankForResponse(resp, host);
}

/** rankForQueueError: the innermost response decides; a DNS layer is a DNS failure. */
export function rankForQueueError(q: QueueError, host?: string): RankedCause[] {
  const r = new Ranking();
  if (q.layers.some((l) => l.kind === 'dns')) r.add(['DNS_FAILURE'], 'the queue error is a DNS failure');
  if (q.response) r.addAll(rankForResponse(q.response, host ?? q.fqdn));
  return r.list;
}

/**
 * rankForSession: what a Send log session shows. Info lines with a status are the strongest
 * evidence; then Exchange's own decisions (QUIT after an EHLO without AUTH LOGIN); then
 * remote error replies.
 */
export function rankForSession(f: SendSessionFacts, host?: string): RankedCause[] {
  const r = new Ranking();
  const lastEhlo = f.ehloAfterTls ?? f.ehloBeforeTls;
  const exchangeAuth = offersExchangeAuth(lastEhlo) && !(f.authCommand && !f.authCommand.startsWith('X-EXPS'));
  if (f.tlsFailure) r.add(causesForStatus(f.tlsFailure, 'tls'), `the log shows "TLS negotiation failed with error ${f.tlsFailure}"`);
  if (f.authInitFailure) rankAuthFailure(r, f.authInitFailure, exchangeAuth ? 'ExchangeAuth' : undefined, `the log shows "Outbound Authentication failed to initialize with ${f.authInitFailure}" (event 2016)`);
  if (f.authFailure) rankAuthFailure(r, f.authFailure, exchangeAuth ? 'ExchangeAuth' : undefined, `the log shows "Outbound Authentication failed with ${f.authFailure}" (event 2017)`, true);
  if (f.tlsRequiredNotOffered) r.add(['STARTTLS_HIDDEN', 'FIREWALL_SMTP_INSPECTION'], 'the log shows RequireTLS and a remote without STARTTLS (event 2015)');
  if (f.quitAfterEhlo && lastEhlo) {
    const tokens = authTokens(lastEhlo);
    const legacy = lastEhlo.authLegacy.length > 0 ? ` (the legacy AUTH=${lastEhlo.authLegacy.join(' ')} line does not count)` : '';
    if (!lastEhlo.starttls && !f.starttlsSent && !tokens.includes('LOGIN')) {
      r.add(['STARTTLS_HIDDEN', 'AUTH_ONLY_AFTER_TLS_NOT_USED'], 'Exchange sent QUIT after an EHLO reply with neither STARTTLS nor AUTH LOGIN');
    } else if (!f.starttlsSent && lastEhlo.starttls && !tokens.includes('LOGIN')) {
      r.add(['AUTH_ONLY_AFTER_TLS_NOT_USED', 'RELAY_NO_AUTH_LOGIN'], 'Exchange sent QUIT without STARTTLS (IgnoreSTARTTLS) after an EHLO reply without AUTH LOGIN');
    } else if (!tokens.includes('LOGIN')) {
      r.add(['RELAY_NO_AUTH_LOGIN'], `Exchange sent QUIT after an EHLO reply whose AUTH line is "${tokens.length ? `AUTH ${tokens.join(' ')}` : 'absent'}"${legacy}: no LOGIN token, so no AUTH attempt ("451 5.7.3 Require basic authentication")`);
    }
  }
  if (f.heloOnly) r.add(['HELO_INSTEAD_OF_EHLO'], 'Exchange sent HELO, so no extensions were offered');
  for (const e of f.errorReplies) r.addAll(rankForResponseText(e, host ?? f.greetingHost));
  if (f.maskedKeywords.length > 0) {
    r.add(['FIREWALL_SMTP_INSPECTION'], `the EHLO reply contains masked verbs (${f.maskedKeywords.join(', ')}): a firewall inspects SMTP`);
    if (lastEhlo?.starttls) r.add(['TLS_VERSION_MISMATCH'], 'the TLS handshake that follows an inspected EHLO often fails');
  }
  if (f.disconnect && /SocketError/i.test(f.disconnect)) r.add(causesForStatus('SocketError', 'tls'), 'the session ended with SocketError');
  return r.list;
}
