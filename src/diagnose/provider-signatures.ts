import type { FindingCode } from '../model/finding-codes.js';
import type { ExchangeFix } from '../model/report.js';
import type { SmtpReply } from '../model/step-data.js';
import type { PublicTarget } from '../model/target.js';
import { replyText } from '../model/smtp-reply.js';
import { M365_MODERN_SIGNATURES } from './m365-modern-signatures.js';
import { credentialArg, psString, setSendConnector } from './powershell.js';

/**
 * ProviderSignature: a reply a known provider or MTA sends, and what it really means.
 * Signatures refine the code a step derived from the reply code alone (e.g. a 535 becomes
 * AUTH_DISABLED_BY_PROVIDER when Microsoft 365 says SMTP AUTH is off for the tenant).
 * Sources: docs/domain.md, "Provider reply signatures", and test/samples/provider-replies.txt.
 */
export interface ProviderSignature {
  /** Stable id, e.g. "m365-smtp-auth-disabled-tenant". */
  id: string;
  /** Who sends this reply, in words for the finding ("Microsoft 365", "Postfix"). */
  provider: string;
  match: (r: SmtpReply) => boolean;
  code: FindingCode;
  title: string;
  cause: string;
  fix: string[];
  /**
   * Only match when the probed host matches (for replies two providers share verbatim,
   * e.g. Postmark and Postfix both say "535 5.7.8 Error: authentication failed").
   */
  host?: RegExp;
  /**
   * Step codes that stay when this signature matches: the step knew more than the reply says
   * (a refusal on a plaintext session that wants STARTTLS before the AUTH the reply asks for).
   * The signature's words still explain it.
   */
  keepsStepCode?: readonly FindingCode[];
  /** The admin-language fix, when the provider's own setting is the remedy. */
  exchange?: (target: PublicTarget) => ExchangeFix;
}

/** MatchSpec: the declarative parts of a match; all given parts must hold. */
interface MatchSpec {
  code?: number | readonly number[];
  enhanced?: string | RegExp;
  /** Without an enhanced status (providers that send none, e.g. Amazon SES). */
  noEnhanced?: true;
  text?: RegExp;
}

/** matcher turns a MatchSpec into a predicate over a reply. */
function matcher(spec: MatchSpec): (r: SmtpReply) => boolean {
  return (r) => {
    if (spec.code !== undefined) {
      const codes = typeof spec.code === 'number' ? [spec.code] : spec.code;
      if (!codes.includes(r.code)) return false;
    }
    if (spec.noEnhanced && r.enhanced) return false;
    if (spec.enhanced !== undefined) {
      if (!r.enhanced) return false;
      if (typeof spec.enhanced === 'string' ? r.enhanced !== spec.enhanced : !spec.enhanced.test(r.enhanced)) return false;
    }
    // The enhanced status is part of the text too, so NDR-style fragments
    // ("5.7.57 SMTP; Client was not authenticated ...") match as well.
    return spec.text === undefined || spec.text.test(`${r.enhanced ?? ''} ${replyText(r)}`);
  };
}

type SignatureSpec = Omit<ProviderSignature, 'match'> & { when: MatchSpec };

function sig(spec: SignatureSpec): ProviderSignature {
  const { when, ...rest } = spec;
  return { ...rest, match: matcher(when) };
}

const M365 = 'Microsoft 365';
const GMAIL = 'Google (smtp.gmail.com)';
const GOOGLE_RELAY = 'Google Workspace SMTP relay';

const M365_RELAY_FIX = 'Or stop using SMTP AUTH: relay through <tenant>.mail.protection.outlook.com:25 with an inbound connector that trusts this server\'s IP address or certificate.';

/**
 * SIGNATURES: checked in order, first match wins, so specific texts come before the
 * generic RFC 4954 / RFC 3207 meanings at the end.
 */
export const SIGNATURES: readonly ProviderSignature[] = [
  ...M365_MODERN_SIGNATURES,
  // ── Microsoft 365 / Exchange Online ──────────────────────────────────────────
  sig({
    id: 'm365-smtp-auth-disabled-tenant', provider: M365, code: 'AUTH_DISABLED_BY_PROVIDER',
    when: { code: 535, text: /SmtpClientAuthentication is disabled for the Tenant/i },
    title: 'SMTP AUTH is disabled for the whole Microsoft 365 tenant',
    cause: 'Microsoft 365 has authenticated SMTP (SMTP AUTH) turned off for the tenant, the default for tenants since 2020; the password was not even checked.',
    fix: [
      'Exchange Online PowerShell: Set-TransportConfig -SmtpClientAuthenticationDisabled $false (whole tenant), or keep it off and enable just this mailbox: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false.',
      M365_RELAY_FIX,
      'See https://aka.ms/smtp_auth_disabled.',
    ],
    exchange: () => ({ setting: 'SmtpClientAuthenticationDisabled (Exchange Online, tenant)', command: 'Set-TransportConfig -SmtpClientAuthenticationDisabled $false' }),
  }),
  sig({
    id: 'm365-smtp-auth-disabled-mailbox', provider: M365, code: 'AUTH_DISABLED_BY_PROVIDER',
    when: { code: 535, text: /SmtpClientAuthentication is disabled for the Mailbox/i },
    title: 'SMTP AUTH is disabled for this Microsoft 365 mailbox',
    cause: 'Microsoft 365 has SMTP AUTH turned off for this mailbox; the password was not even checked.',
    fix: [
      'Exchange Online PowerShell: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (or $null to follow the tenant setting).',
      M365_RELAY_FIX,
      'See https://aka.ms/smtp_auth_disabled.',
    ],
    exchange: (t) => ({
      setting: 'SmtpClientAuthenticationDisabled (Exchange Online, mailbox)',
      command: `Set-CASMailbox -Identity ${psString(t.user ?? '<mailbox>')} -SmtpClientAuthenticationDisabled $false`,
    }),
  }),
  sig({
    id: 'm365-basic-auth-disabled', provider: M365, code: 'AUTH_DISABLED_BY_PROVIDER',
    when: { code: 535, text: /basic authentication is disabled/i },
    title: 'Microsoft 365 blocks basic authentication for SMTP',
    cause: 'An authentication policy (or Microsoft\'s Basic-auth retirement for SMTP AUTH) blocks password authentication for this account; the password was not even checked.',
    fix: [
      'Check the account\'s authentication policy: Get-AuthenticationPolicy | Format-List Name,AllowBasicAuthSmtp; allow SMTP basic auth for this account if policy permits (Set-AuthenticationPolicy <policy> -AllowBasicAuthSmtp).',
      'Longer term: OAuth 2.0 (XOAUTH2) for SMTP AUTH, or a connector relay. ' + M365_RELAY_FIX,
      'Microsoft disables Basic SMTP AUTH by default for existing tenants at the end of 2026; plan the move.',
    ],
    exchange: () => ({ setting: 'AllowBasicAuthSmtp (Exchange Online authentication policy)', command: 'Set-AuthenticationPolicy -Identity "<policy name>" -AllowBasicAuthSmtp' }),
  }),
  sig({
    id: 'm365-basic-auth-not-supported', provider: M365, code: 'AUTH_DISABLED_BY_PROVIDER',
    when: { text: /5\.7\.30|Basic authentication is not supported for Client Submission/i },
    title: 'Microsoft 365 no longer accepts basic authentication for client submission',
    cause: 'Basic (password) authentication for SMTP client submission is not supported for this tenant any more.',
    fix: ['Move to OAuth 2.0 (XOAUTH2) for SMTP AUTH, or relay via a connector.', M365_RELAY_FIX],
  }),
  sig({
    id: 'm365-conditional-access', provider: M365, code: 'AUTH_DISABLED_BY_PROVIDER',
    when: { code: 535, text: /did not meet the criteria to be authenticated/i },
    title: 'Microsoft 365 Conditional Access / MFA blocks this sign-in',
    cause: 'A Conditional Access policy, MFA requirement or sign-in risk rule blocks password sign-in for this account from here.',
    fix: [
      'Check the account\'s sign-in log in Entra ID; exclude the service account (or this location) from the blocking policy.',
      M365_RELAY_FIX,
    ],
  }),
  sig({
    id: 'm365-security-defaults', provider: M365, code: 'AUTH_DISABLED_BY_PROVIDER',
    when: { code: 535, text: /security defaults/i },
    title: 'Microsoft 365 security defaults block SMTP basic authentication',
    cause: 'The tenant\'s security defaults block legacy (basic) authentication, including SMTP AUTH.',
    fix: [
      'Turn security defaults off and replace them with Conditional Access that excludes the service account, or stop using SMTP AUTH.',
      M365_RELAY_FIX,
    ],
  }),
  sig({
    id: 'm365-account-locked', provider: M365, code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /account is locked/i },
    title: 'Microsoft 365 account locked',
    cause: 'The account is locked after too many failed sign-ins (often an old password still configured somewhere).',
    fix: ['Wait for the lockout to end or unlock the account; find and fix every client still using an old password.'],
  }),
  sig({
    id: 'm365-credentials-incorrect', provider: M365, code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /credentials were incorrect/i },
    title: 'Microsoft 365 rejected the user name or password',
    cause: 'The user name or password is wrong.',
    fix: ['Use the full UPN (user@domain) as the user name and re-enter the password.'],
  }),
  sig({
    id: 'm365-5.7.139-other', provider: M365, code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, enhanced: '5.7.139' },
    title: 'Microsoft 365 refused the sign-in',
    cause: 'Microsoft 365 refused the sign-in (5.7.139); the reply text names the policy or reason.',
    fix: ['Read the reply text and the account\'s Entra ID sign-in log.'],
  }),
  sig({
    id: 'm365-auth-unsuccessful', provider: `${M365} / Exchange`, code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, enhanced: '5.7.3', text: /Authentication unsuccessful/i },
    title: 'Microsoft 365 / Exchange: authentication unsuccessful',
    cause: 'Wrong user name or password, an unlicensed mailbox, or a failed OAuth token.',
    fix: [
      'Use the full UPN as the user name and re-enter the password.',
      'Check that the mailbox is licensed and SMTP AUTH is enabled for it (Get-CASMailbox <mailbox> | Format-List SmtpClientAuthenticationDisabled).',
    ],
  }),
  sig({
    id: 'm365-client-not-authenticated', provider: M365, code: 'RELAY_DENIED',
    when: { enhanced: '5.7.57' },
    title: 'Microsoft 365: client not authenticated',
    cause: 'MAIL FROM came before a successful AUTH; Microsoft 365 does not accept anonymous mail on the submission endpoint.',
    fix: ['Authenticate before MAIL FROM (SMTP AUTH enabled for the mailbox), or relay via a connector.', M365_RELAY_FIX],
  }),
  sig({
    id: 'm365-send-as-denied', provider: M365, code: 'SENDER_REJECTED',
    when: { text: /5\.7\.60|SendAsDenied|send as this sender/i },
    title: 'Microsoft 365: no permission to send as this sender',
    cause: 'The MAIL FROM/From address differs from the authenticated mailbox, and the mailbox lacks Send As rights on it.',
    fix: [
      'Send from the authenticated mailbox\'s own address, or grant Send As: Add-RecipientPermission <from address> -AccessRights SendAs -Trustee <mailbox>.',
    ],
  }),
  sig({
    id: 'm365-tls-legacy-refused', provider: M365, code: 'TLS_VERSION_MISMATCH',
    when: { text: /4\.7\.66|TLS 1\.0 and 1\.1 are not supported/i },
    title: 'Microsoft 365 refuses TLS 1.0/1.1',
    cause: 'The client negotiated TLS 1.0 or 1.1; Microsoft 365 accepts SMTP AUTH only over TLS 1.2 or later.',
    fix: [
      'Enable the TLS 1.2 client on the sender (Windows: SCHANNEL TLS 1.2 Client Enabled=1, DisabledByDefault=0, .NET SchUseStrongCrypto=1), then reboot.',
      'See https://aka.ms/smtp_auth_tls.',
    ],
  }),
  sig({
    id: 'm365-tenant-attribution-relay-denied', provider: M365, code: 'RELAY_DENIED',
    when: { text: /5\.7\.64|TenantAttribution/i },
    title: 'Microsoft 365: relay denied (no matching inbound connector)',
    cause: 'Microsoft 365 could not attribute this connection to the tenant: no inbound connector matches this server\'s public IP address or certificate name.',
    fix: ['In the Exchange admin center, check the inbound connector (from your organization\'s email server): the sending public IP, or the certificate subject (TlsSenderCertificateName) this server presents.'],
  }),
  // ── Exchange on-premises as the relay (its receive connector's replies) ─────
  sig({
    id: 'exchange-unrecognized-auth-type', provider: 'Microsoft Exchange', code: 'AUTH_NO_COMMON_MECHANISM',
    when: { code: 504, text: /Unrecognized authentication type/i },
    title: 'Exchange relay does not accept this mechanism',
    cause: 'The Exchange receive connector does not accept the mechanism used (it offers what its AuthMechanism setting allows).',
    fix: ['Use a mechanism the receive connector advertises (usually LOGIN after STARTTLS), or enable Basic auth on it (Set-ReceiveConnector -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS).'],
  }),
  sig({
    id: 'exchange-unable-to-relay', provider: 'Microsoft Exchange', code: 'RELAY_DENIED',
    when: { text: /5\.7\.54|Unable to relay/i },
    title: 'Exchange relay: unable to relay',
    cause: 'The Exchange server does not relay to non-accepted domains for this client (it is neither authenticated nor allowed by a relay receive connector).',
    fix: ['Authenticate, or allow this server on a dedicated relay receive connector (RemoteIPRanges, Ms-Exch-SMTP-Accept-Any-Recipient).'],
  }),
  sig({
    id: 'exchange-auth-cancelled', provider: 'Microsoft Exchange', code: 'AUTH_PROTOCOL_ERROR',
    when: { code: 501, text: /Authentication cancelled/i },
    title: 'Exchange relay: authentication cancelled',
    cause: 'The AUTH exchange was cancelled (the client sent "*" or a malformed response).',
    fix: ['Retry; if it repeats, force another mechanism (--auth LOGIN).'],
  }),
  sig({
    id: 'exchange-client-not-authenticated', provider: 'Microsoft Exchange', code: 'RELAY_DENIED',
    when: { code: 530, enhanced: '5.7.1', text: /not authenticated/i },
    title: 'Exchange relay: client was not authenticated',
    cause: 'The receive connector does not accept anonymous mail from this address.',
    fix: ['Authenticate, or allow this server\'s IP on a dedicated relay receive connector (RemoteIPRanges + AnonymousUsers with Ms-Exch-SMTP-Accept-Any-Recipient).'],
  }),
  sig({
    id: 'exchange-certificate-validation-failure', provider: 'Microsoft Exchange', code: 'CLIENT_CERT_REJECTED',
    when: { code: 454, enhanced: '4.7.5' },
    title: 'Exchange relay: certificate validation failure',
    cause: 'The Exchange server could not validate the certificate presented for this (domain-secured) session.',
    fix: ['Check the client certificate\'s chain, validity and name against what the relay expects.'],
  }),
  sig({
    id: 'exchange-security-subsystem', provider: 'Microsoft Exchange', code: 'STARTTLS_REJECTED',
    when: { code: 554, text: /Unable to initialize security subsystem/i },
    title: 'Exchange relay cannot start TLS',
    cause: 'The Exchange server cannot load a certificate for STARTTLS on this connector (missing, expired, or no private key).',
    fix: ['On the relay: Get-ExchangeCertificate; enable a valid certificate for SMTP (Enable-ExchangeCertificate -Services SMTP) matching the connector FQDN.'],
  }),
  // ── Google ────────────────────────────────────────────────────────────────────
  sig({
    id: 'gmail-bad-credentials', provider: GMAIL, code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /BadCredentials|Username and Password not accepted/i },
    title: 'Gmail rejected the user name or password',
    cause: 'Wrong password, or Google refuses the account\'s normal password for SMTP (accounts with 2-Step Verification need an app password; "less secure apps" sign-in is gone).',
    fix: ['Create an app password (requires 2-Step Verification) and use it, or switch to OAuth 2.0 (XOAUTH2).', 'Check the user name is the full Gmail/Workspace address.'],
  }),
  sig({
    id: 'gmail-app-password-required', provider: GMAIL, code: 'AUTH_APP_PASSWORD_REQUIRED',
    when: { code: 534, text: /Application-specific password|InvalidSecondFactor/i },
    title: 'Gmail requires an app password',
    cause: 'The account has 2-Step Verification, so Google refuses its normal password for SMTP.',
    fix: ['Create an app password at https://myaccount.google.com/apppasswords and use it as the SMTP password, or use OAuth 2.0 (XOAUTH2).'],
  }),
  sig({
    id: 'gmail-web-login-required', provider: GMAIL, code: 'AUTH_APP_PASSWORD_REQUIRED',
    when: { code: 534, text: /log in (with|via) your web browser|WebLoginRequired|5\.7\.14/i },
    title: 'Gmail blocked this sign-in',
    cause: 'Google blocked password sign-in from this client (suspicious sign-in, or password authentication not allowed).',
    fix: ['Sign in once in a browser from this network and confirm the activity; then use an app password or OAuth 2.0 (XOAUTH2).'],
  }),
  sig({
    id: 'gmail-must-starttls', provider: GMAIL, code: 'AUTH_MUST_STARTTLS',
    when: { code: 530, text: /STARTTLS.*gsmtp/i },
    title: 'Gmail requires STARTTLS first',
    cause: 'Gmail accepts AUTH and mail only after STARTTLS.',
    fix: ['Issue STARTTLS on 587 (or use implicit TLS on 465) before AUTH.'],
  }),
  sig({
    id: 'gmail-authentication-required', provider: GMAIL, code: 'RELAY_DENIED',
    when: { code: 530, text: /Authentication Required.*(WantAuthError|gsmtp)/i },
    title: 'Gmail requires authentication before MAIL FROM',
    cause: 'MAIL FROM came without a successful AUTH; smtp.gmail.com only accepts authenticated submission.',
    fix: ['Authenticate (app password or OAuth) before MAIL FROM, or use smtp-relay.gmail.com with an IP-based relay rule (Workspace).'],
  }),
  sig({
    id: 'gmail-too-many-login-attempts', provider: GMAIL, code: 'AUTH_TEMPFAIL',
    when: { code: 454, text: /Too many login attempts/i },
    title: 'Gmail is throttling logins',
    cause: 'Too many logins from this client or account in a short time.',
    fix: ['Back off and retry later; reuse one connection for several messages instead of logging in per message.'],
  }),
  sig({
    id: 'gmail-temporary-system-problem', provider: GMAIL, code: 'AUTH_TEMPFAIL',
    when: { code: 454, text: /temporary system problem/i },
    title: 'Gmail: temporary authentication problem',
    cause: 'Google could not check the credentials because of a problem on its side.',
    fix: ['Retry later.'],
  }),
  sig({
    id: 'google-relay-invalid-credentials', provider: GOOGLE_RELAY, code: 'RELAY_DENIED',
    when: { text: /Invalid credentials for relay/i },
    title: 'Google SMTP relay: this server is not allowed',
    cause: 'The Workspace SMTP relay service does not recognise this sender: the IP address is not registered, the sender domain is not in the tenant, or SMTP AUTH is required by the relay rule.',
    fix: ['In the Google Admin console (Apps › Google Workspace › Gmail › Routing › SMTP relay service), add this server\'s public IP and/or require SMTP AUTH, and allow the sender domains.'],
  }),
  sig({
    id: 'google-relay-denied', provider: GOOGLE_RELAY, code: 'RELAY_DENIED',
    when: { text: /Mail relay denied/i },
    title: 'Google SMTP relay denied',
    cause: 'The Workspace SMTP relay rule does not cover this server\'s IP address or sender domain.',
    fix: ['Add this server\'s public IP (or SMTP AUTH) to the Workspace SMTP relay rule and check the allowed sender domains.'],
  }),
  sig({
    id: 'google-relay-unmanaged-account', provider: GOOGLE_RELAY, code: 'RELAY_DENIED',
    when: { text: /relay isn't supported for unmanaged/i },
    title: 'Google SMTP relay refuses unmanaged accounts',
    cause: 'The authenticating account is not managed by the Workspace tenant.',
    fix: ['Authenticate with an account managed by the Workspace tenant that owns the relay rule.'],
  }),
  // ── Amazon SES ────────────────────────────────────────────────────────────────
  sig({
    id: 'ses-credentials-invalid', provider: 'Amazon SES', code: 'AUTH_CREDENTIALS_REJECTED',
    // SES sends no enhanced status; the RFC 4954 sample text differs in case and carries 5.7.8.
    when: { code: 535, noEnhanced: true, text: /Authentication Credentials Invalid/ },
    title: 'Amazon SES rejected the SMTP credentials',
    cause: 'The SMTP user name/password are wrong for this region: SES SMTP passwords are derived (SigV4) from an IAM secret per region; the raw IAM secret access key, or credentials made for another region, are rejected.',
    fix: [
      'Create SMTP credentials in the SES console for the same region as the endpoint (email-smtp.<region>.amazonaws.com), or derive the SMTP password from the IAM secret with the SigV4 algorithm for that region.',
      'The user name is the access key ID (AKIA...), not the IAM user name.',
    ],
  }),
  sig({
    id: 'ses-authentication-required', provider: 'Amazon SES', code: 'RELAY_DENIED',
    when: { code: 530, noEnhanced: true, text: /^\s*Authentication required\s*$/i },
    title: 'Amazon SES requires authentication',
    cause: 'MAIL FROM came without a successful AUTH; SES accepts only authenticated mail.',
    fix: ['Authenticate with SES SMTP credentials before MAIL FROM.'],
  }),
  sig({
    id: 'ses-identity-not-verified', provider: 'Amazon SES', code: 'SENDER_REJECTED',
    when: { code: 554, text: /Email address is not verified/i },
    title: 'Amazon SES: address not verified',
    cause: 'Not an AUTH problem: the sender (or, in the sandbox, the recipient) is not a verified identity in this region.',
    fix: ['Verify the sender domain/address in SES for this region; request production access to leave the sandbox.'],
  }),
  // ── SendGrid, Mailgun, Postmark ───────────────────────────────────────────────
  sig({
    id: 'sendgrid-bad-username-password', provider: 'SendGrid', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /Authentication failed: Bad username \/ password/i },
    title: 'SendGrid rejected the credentials',
    cause: 'SendGrid SMTP expects the literal user name "apikey" and an API key as the password; anything else is refused.',
    fix: ['Set the user name to apikey (literally) and the password to an API key with Mail Send permission.'],
    exchange: (t) => ({ setting: 'AuthenticationCredential', command: setSendConnector(t, `-AuthenticationCredential ${credentialArg('apikey')}`) }),
  }),
  sig({
    id: 'sendgrid-grant-revoked', provider: 'SendGrid', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /authorization grant is invalid, expired, or revoked/i },
    title: 'SendGrid API key invalid or revoked',
    cause: 'The API key used as the password was deleted, revoked or lacks Mail Send permission.',
    fix: ['Create a new API key with Mail Send permission and use it as the password (user name: apikey).'],
    exchange: (t) => ({ setting: 'AuthenticationCredential', command: setSendConnector(t, `-AuthenticationCredential ${credentialArg('apikey')}`) }),
  }),
  sig({
    id: 'sendgrid-unauthenticated-senders', provider: 'SendGrid', code: 'RELAY_DENIED',
    when: { code: 550, text: /Unauthenticated senders not allowed/i },
    title: 'SendGrid requires authentication',
    cause: 'MAIL FROM came without a successful AUTH.',
    fix: ['Authenticate with user apikey and an API key before MAIL FROM.'],
  }),
  sig({
    id: 'sendgrid-sender-identity', provider: 'SendGrid', code: 'SENDER_REJECTED',
    when: { code: 550, text: /does not match a verified Sender Identity/i },
    title: 'SendGrid: sender identity not verified',
    cause: 'The From address is not a verified Sender Identity (single sender or authenticated domain).',
    fix: ['Verify the sender address or authenticate the sending domain in SendGrid.'],
  }),
  sig({
    id: 'mailgun-bad-login', provider: 'Mailgun', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /Mailgun is not loving your login or password/i },
    title: 'Mailgun rejected the SMTP credentials',
    cause: 'Wrong domain SMTP login or password, or credentials of an EU domain used against the US endpoint (or the reverse).',
    fix: ['Reset the domain\'s SMTP password in Mailgun (Sending › Domain settings › SMTP credentials); use smtp.eu.mailgun.org for EU domains.'],
  }),
  sig({
    id: 'postmark-auth-failed', provider: 'Postmark', code: 'AUTH_CREDENTIALS_REJECTED',
    host: /(^|\.)postmarkapp\.com$/i,
    when: { code: 535, text: /authentication failed/i },
    title: 'Postmark rejected the SMTP credentials',
    cause: 'Postmark SMTP takes a Server API token as both user name and password; an Account token or another server\'s token is refused.',
    fix: ['Use the Server API token of the sending server as both user name and password.'],
  }),
  // ── Haraka ────────────────────────────────────────────────────────────────────
  sig({
    id: 'haraka-invalid-auth-string', provider: 'Haraka', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 504, text: /\bInvalid AUTH string\b/i },
    title: 'Haraka: empty user name or password',
    cause: 'Haraka\'s auth plugins answer 504 "Invalid AUTH string" when the user name or the password in the AUTH data is empty (or does not decode), before checking either: the credential sent had an empty part. It is not a mechanism problem.',
    fix: ['Give the client a non-empty user name and password (an empty password file or variable is sent as it is).'],
  }),
  sig({
    id: 'haraka-cannot-deliver', provider: 'Haraka', code: 'RELAY_DENIED',
    when: { code: 550, text: /\bI cannot deliver mail for </i },
    title: 'Haraka: no plugin accepted the recipient',
    cause: 'Haraka refuses a recipient that none of its rcpt plugins accepted: the domain is not one it receives for, and this session may not relay (it did not authenticate, and its address is not in the relay plugin\'s ACL).',
    fix: ['Authenticate before MAIL FROM (--user with --password-env/--password-file), or have the relay allow this address.'],
  }),
  // ── OpenSMTPD ─────────────────────────────────────────────────────────────────
  sig({
    id: 'opensmtpd-auth-first', provider: 'OpenSMTPD', code: 'RELAY_DENIED',
    when: { code: 530, text: /Must issue an AUTH command first/i },
    keepsStepCode: ['AUTH_MUST_STARTTLS'],
    title: 'OpenSMTPD: AUTH (after STARTTLS) required before MAIL',
    cause: 'The listener has auth (listen on ... auth <table>): OpenSMTPD refuses MAIL until the session has authenticated ("530 5.5.1 Invalid command: Must issue an AUTH command first"), and it offers AUTH only once the session is encrypted (STARTTLS, or smtps).',
    fix: ['Use STARTTLS, then AUTH (--user with --password-env/--password-file) before MAIL FROM.'],
  }),
  sig({
    id: 'opensmtpd-invalid-recipient', provider: 'OpenSMTPD', code: 'RELAY_DENIED',
    when: { code: 550, text: /Invalid recipient: </ },
    title: 'OpenSMTPD: no rule accepts this recipient',
    cause: 'OpenSMTPD answers "550 Invalid recipient" when no match rule in smtpd.conf accepts the envelope for this session (a match ... reject, or no rule for an unauthenticated client, this sender or this destination), and for a local user that does not exist. For relaying, the address is usually fine: the session is not one the rules let relay.',
    fix: ['Authenticate (--user) if the listener offers AUTH, or have a match rule cover this client (smtpd -n prints the configuration it reads).'],
  }),
  // ── Postfix, Exim ─────────────────────────────────────────────────────────────
  sig({
    id: 'postfix-invalid-mechanism', provider: 'Postfix (Cyrus/Dovecot SASL)', code: 'AUTH_NO_COMMON_MECHANISM',
    when: { code: 535, text: /Invalid authentication mechanism|no mechanism available/i },
    title: 'Postfix: mechanism not available',
    cause: 'The relay\'s SASL library does not support the mechanism used, although it may advertise it (mech_list / auth_mechanisms and the installed SASL plugins disagree).',
    fix: ['Align the advertised mechanisms with the installed ones (Cyrus: mech_list in smtpd.conf and the libsasl2-modules package; Dovecot: auth_mechanisms).'],
  }),
  sig({
    id: 'postfix-auth-failed', provider: 'Postfix (Cyrus/Dovecot SASL)', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /Error: authentication failed/i },
    title: 'Postfix rejected the credentials',
    cause: 'The relay\'s SASL backend rejected the user name or password (the text after "failed:" is the backend\'s reason).',
    fix: ['Check the user in the SASL database (sasldblistusers2, or Dovecot\'s passdb) and the realm/domain part of the user name.'],
  }),
  sig({
    id: 'postfix-auth-not-enabled', provider: 'Postfix', code: 'AUTH_NOT_OFFERED',
    when: { code: 503, text: /authentication not enabled/i },
    title: 'Postfix: AUTH not enabled on this port',
    cause: 'SMTP AUTH is disabled on this Postfix service.',
    fix: ['Enable it for the submission service (master.cf: -o smtpd_sasl_auth_enable=yes), or use port 587.'],
  }),
  sig({
    id: 'postfix-auth-aborted', provider: 'Postfix', code: 'AUTH_PROTOCOL_ERROR',
    when: { code: 501, text: /Authentication aborted/i },
    title: 'Postfix: authentication aborted',
    cause: 'The AUTH exchange was aborted (the client sent "*" or an invalid response).',
    fix: ['Retry; if it repeats, force another mechanism (--auth LOGIN or --auth PLAIN).'],
  }),
  sig({
    id: 'postfix-relay-access-denied', provider: 'Postfix', code: 'RELAY_DENIED',
    when: { text: /Relay access denied/i },
    title: 'Postfix: relay access denied',
    cause: 'The recipient is not local to the relay, and this client is neither authenticated nor in mynetworks.',
    fix: ['Authenticate, or add this server to mynetworks / permit_sasl_authenticated in smtpd_relay_restrictions.'],
  }),
  sig({
    id: 'postfix-sender-rejected', provider: 'Postfix', code: 'SENDER_REJECTED',
    when: { text: /Sender address rejected/i },
    title: 'Postfix: sender address rejected',
    cause: 'The relay\'s sender restrictions refuse this MAIL FROM (e.g. not owned by the authenticated user).',
    fix: ['Send from an address the account owns (smtpd_sender_login_maps), or adjust smtpd_sender_restrictions.'],
  }),
  sig({
    id: 'exim-auth-not-advertised', provider: 'Exim', code: 'AUTH_NOT_OFFERED',
    when: { code: 503, text: /AUTH command used when not advertised/i },
    title: 'Exim: AUTH not offered here',
    cause: 'The relay does not offer AUTH to this client (often only over TLS: auth_advertise_hosts / server_advertise_condition).',
    fix: ['Use STARTTLS before AUTH, or enable the authenticator for this host and port on the relay.'],
  }),
  sig({
    id: 'exim-relay-not-permitted', provider: 'Exim', code: 'RELAY_DENIED',
    when: { text: /relay not permitted/i },
    title: 'Exim: relay not permitted',
    cause: 'The relay only relays for authenticated clients or hosts in relay_from_hosts.',
    fix: ['Authenticate, or add this server to relay_from_hosts on the relay.'],
  }),
  sig({
    id: 'exim-incorrect-authentication-data', provider: 'Exim', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535, text: /Incorrect authentication data/i },
    title: 'Exim rejected the credentials',
    cause: 'The relay\'s authenticator rejected the user name or password.',
    fix: ['Check the user and password in the relay\'s authenticator data source; check the user name format (full address or local part).'],
  }),
  // ── Generic meanings (RFC 4954, RFC 3207, RFC 3463) ───────────────────────────
  sig({
    id: 'rfc3207-tls-not-available', provider: 'RFC 3207', code: 'STARTTLS_REJECTED',
    when: { code: 454, text: /TLS not available/i },
    title: 'STARTTLS temporarily unavailable',
    cause: 'The server answered STARTTLS with 454 (RFC 3207 §4): it cannot start TLS right now, usually because it cannot load its certificate or key.',
    fix: ['Check the relay\'s TLS certificate/key files and its logs.'],
  }),
  sig({
    id: 'rfc3207-syntax-error', provider: 'RFC 3207', code: 'STARTTLS_REJECTED',
    when: { code: 501, text: /no parameters allowed/i },
    title: 'STARTTLS syntax error',
    cause: 'The server rejected the STARTTLS command as malformed (RFC 3207 §4: 501, no parameters allowed).',
    fix: ['Check for a middlebox altering the command.'],
  }),
  sig({
    id: 'rfc3207-must-starttls', provider: 'RFC 3207', code: 'AUTH_MUST_STARTTLS',
    when: { code: [530, 451, 550], text: /Must issue a STARTTLS/i },
    title: 'Server requires STARTTLS first',
    cause: 'The server accepts AUTH and mail only on an encrypted session (RFC 3207 §4: 530 "Must issue a STARTTLS command first").',
    fix: ['Issue STARTTLS before AUTH and MAIL.'],
  }),
  sig({
    id: 'rfc4954-password-transition', provider: 'RFC 4954', code: 'AUTH_TEMPFAIL',
    when: { text: /4\.7\.12|password transition/i },
    title: 'Password transition needed',
    cause: 'The server needs the user to authenticate once with PLAIN (over TLS) before it accepts this mechanism (RFC 4954 §6: 432 4.7.12).',
    fix: ['Authenticate once with --auth PLAIN over TLS, then retry the original mechanism.'],
  }),
  sig({
    id: 'rfc4954-tempfail', provider: 'RFC 4954', code: 'AUTH_TEMPFAIL',
    when: { code: 454, text: /Temporary authentication failure/i },
    title: 'Temporary authentication failure',
    cause: 'The server could not check the credentials right now (RFC 4954 §6: 454 4.7.0): the backend that checks passwords is down, misconfigured or throttling.',
    fix: ['Check the relay\'s authentication backend and its logs for this login; retry later.'],
  }),
  sig({
    id: 'rfc4954-mechanism-too-weak', provider: 'RFC 4954', code: 'AUTH_MECHANISM_TOO_WEAK',
    when: { code: 534 },
    title: 'Mechanism too weak',
    cause: 'The server refuses this mechanism under its security policy (RFC 4954 §6: 534 5.7.9).',
    fix: ['Use a stronger mechanism the server offers, or authenticate over TLS.'],
  }),
  sig({
    id: 'rfc4954-encryption-required', provider: 'RFC 4954', code: 'AUTH_ENCRYPTION_REQUIRED',
    when: { code: 538 },
    title: 'Encryption required for this mechanism',
    cause: 'The server accepts this mechanism only over an encrypted connection (RFC 4954 §6: 538 5.7.11).',
    fix: ['Authenticate after STARTTLS (or on implicit TLS).'],
  }),
  sig({
    id: 'rfc4954-line-too-long', provider: 'RFC 4954', code: 'AUTH_PROTOCOL_ERROR',
    when: { code: 500, enhanced: '5.5.6' },
    title: 'AUTH line too long',
    cause: 'An AUTH line exceeded the server\'s limit (RFC 4954 §4: 500 5.5.6), typically a long OAuth token or Kerberos ticket.',
    fix: ['Raise the relay\'s line length limit for AUTH, or use a mechanism with shorter responses.'],
  }),
  sig({
    id: 'rfc4954-unrecognized-mechanism', provider: 'RFC 4954', code: 'AUTH_NO_COMMON_MECHANISM',
    when: { code: 504 },
    title: 'Mechanism not supported by the server',
    cause: 'The server does not support the mechanism used (RFC 4954 §4: 504 5.5.4), though the client chose or was told to use it.',
    fix: ['Use one of the mechanisms the server advertises after STARTTLS.'],
  }),
  sig({
    id: 'rfc4954-authentication-required', provider: 'RFC 4954', code: 'RELAY_DENIED',
    when: { code: [530, 550], text: /Authentication required|AuthRequired/i },
    title: 'Server requires authentication',
    cause: 'The server accepts mail only from authenticated clients (RFC 4954 §6: 530 5.7.0) and this session had not authenticated.',
    fix: ['Authenticate before MAIL FROM (--user with --password-env/--password-file), or have the relay allow this address.'],
  }),
  sig({
    id: 'rfc4954-credentials-invalid', provider: 'RFC 4954', code: 'AUTH_CREDENTIALS_REJECTED',
    when: { code: 535 },
    title: 'Credentials rejected',
    cause: 'The server rejected the user name or password (RFC 4954 §6: 535 5.7.8).',
    fix: ['Check the user name format the server expects and re-enter the password.'],
  }),
  sig({
    id: 'rfc3463-relay-denied', provider: 'RFC 3463', code: 'RELAY_DENIED',
    when: { code: [550, 551, 553, 554], enhanced: '5.7.1', text: /relay/i },
    title: 'Relay denied',
    cause: 'The server refuses to relay for this client (5.7.1, delivery not authorized).',
    fix: ['Authenticate, or have the relay allow this server\'s address.'],
  }),
];

/**
 * matchProviderSignature finds what a reply means, provider first, RFC meaning last.
 * `host` (the probed host) enables signatures for replies that several providers share
 * verbatim; without it those are skipped.
 */
export function matchProviderSignature(reply: SmtpReply, host?: string): ProviderSignature | undefined {
  return SIGNATURES.find((s) => (s.host === undefined || (host !== undefined && s.host.test(host))) && s.match(reply));
}
