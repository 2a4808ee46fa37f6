import { credentialArg, psString } from '../diagnose/powershell.js';
import type { FindingCode } from '../model/finding-codes.js';
import type { ExchangeFix, StepName } from '../model/report.js';

/**
 * Root causes of Exchange smart-host failures (docs/domain.md, "Root causes" rows 1–14, plus the
 * relatives of event 2016). A cause is what the admin must change; `explain` ranks them for
 * an event, a queue error or a protocol log, and `explain --probe` checks them on the wire.
 * Codes are stable (scripts read `--json`): add, never rename.
 */
export const CAUSE_CODES = [
  'EXCHANGE_AUTH_TO_NON_EXCHANGE', 'KERBEROS_NEGOTIATE_FAILED', 'KERBEROS_CLOCK_SKEW', 'KERBEROS_SPN',
  'KERBEROS_DC_UNREACHABLE', 'KERBEROS_LOGON_DENIED', 'KERBEROS_ENCTYPE', 'CREDENTIAL_UNUSABLE',
  'INTERNAL_TRANSPORT_CERT', 'RELAY_NO_AUTH_LOGIN', 'AUTH_ONLY_AFTER_TLS_NOT_USED', 'STARTTLS_HIDDEN',
  'HELO_INSTEAD_OF_EHLO', 'FIREWALL_SMTP_INSPECTION', 'TLS_VERSION_MISMATCH', 'LOCAL_CERT_NO_PRIVATE_KEY',
  'REMOTE_CERT_UNTRUSTED', 'PORT_465_IMPLICIT_TLS', 'CREDENTIALS_REJECTED', 'ACCOUNT_BLOCKED',
  'PROVIDER_BASIC_AUTH_DISABLED', 'SMTP_AUTH_DISABLED_AT_PROVIDER', 'REMOTE_AUTH_TEMPFAIL', 'NEGOTIATION_ABORTED',
  'AUTH_NOT_CONFIGURED', 'SENDER_NOT_ALLOWED', 'SENDER_CERT_REJECTED', 'REMOTE_TLS_UNAVAILABLE', 'DNS_FAILURE',
  'NO_CERT_FOR_FQDN', 'LOCAL_SSPI_FAILURE', 'INBOUND_AUTH_FAILED', 'INBOUND_EXCHANGEAUTH_MISMATCH',
  'NO_SUBMIT_RIGHT', 'RECIPIENT_REQUIRES_AUTH', 'TOO_MANY_PROTOCOL_ERRORS', 'REMOTE_REJECTED',
  'BASIC_CREDENTIAL_UNUSABLE',
] as const;
export type CauseCode = (typeof CAUSE_CODES)[number];

/** Evidence grade of a cause, as docs/domain.md grades it. */
export type Basis = 'doc' | 'code' | 'obs' | 'guess';

/** What the admin's input tells about the setting: the connector name and user when known. */
export interface CauseContext {
  connector?: string;
  user?: string;
  /** Smart host name (or address) involved. */
  host?: string;
  /** EHLO name (connector Fqdn) involved. */
  ehlo?: string;
}

/**
 * Capability checks that a probe's EHLO answers directly (no finding code exists for them):
 * they read the EHLO data of the Report.
 */
export type CapabilityCheck = 'x-exps-missing' | 'login-missing' | 'starttls-missing' | 'masked-verbs' | 'auth-only-after-tls';

/**
 * CauseChecks: how a probe of the smart host confirms or rules out a cause. A cause whose
 * proof lives only on the Exchange server (clocks, SPNs, local certificates) has no probe
 * check and stays `unknown`; `manual` says what to run there.
 */
export interface CauseChecks {
  /** Finding codes that prove the cause when a probe produces them. */
  confirmedBy: FindingCode[];
  /** Steps that, when all passed without a confirming finding, rule the cause out. */
  ruledOutBy: StepName[];
  capability?: CapabilityCheck;
  /** Commands or checks to run on the Exchange server. */
  manual: string[];
}

/** CauseSpec: one catalog entry. */
export interface CauseSpec {
  title: string;
  /** What happens, in plain words. */
  why: string;
  fix: (c: CauseContext) => string[];
  exchange?: (c: CauseContext) => ExchangeFix;
  checks: CauseChecks;
  basis: Basis;
  /** Row of the "Root causes" table in docs/domain.md, when the cause is one of its rows. */
  row?: number;
}

const conn = (c: CauseContext): string => psString(c.connector ?? '<connector name>');
const set = (c: CauseContext, params: string): string => `Set-SendConnector ${conn(c)} ${params}`;
const spn = (c: CauseContext): string => `SMTPSVC/${c.host ?? '<smart host>'}`;

const KERBEROS_MANUAL = [
  'w32tm /stripchart /computer:<domain controller> /samples:3',
  'setspn -Q SMTPSVC/<remote server FQDN>',
  'nltest /dsgetdc:<domain>',
  'klist purge -li 0x3e7  (then retry; purges the SYSTEM ticket cache)',
];

const none = (manual: string[] = []): CauseChecks => ({ confirmedBy: [], ruledOutBy: [], manual });

/** CAUSES: the catalog (the mapped type makes a missing entry a compile error). */
export const CAUSES: { readonly [C in CauseCode]: CauseSpec } = {
  EXCHANGE_AUTH_TO_NON_EXCHANGE: {
    row: 1, basis: 'obs',
    title: 'SmartHostAuthMechanism is ExchangeServer, but the smart host is not an Exchange server of this organisation',
    why: 'Exchange Server authentication needs X-ANONYMOUSTLS and X-EXPS from the remote EHLO; a third-party relay or cloud service never offers them, so Exchange gives up locally with "451 5.7.3 Cannot achieve Exchange Server authentication" before sending any credential.',
    fix: (c) => [
      `Use Basic authentication over TLS: ${set(c, `-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential ${credentialArg(c.user)}`)}`,
      `Or, when the relay accepts this server by IP address: ${set(c, '-SmartHostAuthMechanism None')}`,
    ],
    exchange: (c) => ({ setting: 'SmartHostAuthMechanism', command: set(c, `-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential ${credentialArg(c.user)}`) }),
    checks: { confirmedBy: [], ruledOutBy: [], capability: 'x-exps-missing', manual: ['Get-SendConnector | Format-List Name,SmartHosts,SmartHostAuthMechanism'] },
  },
  KERBEROS_NEGOTIATE_FAILED: {
    row: 2, basis: 'doc',
    title: 'Kerberos (Negotiate) authentication to the other Exchange server failed',
    why: 'Exchange Server authentication (X-EXPS GSSAPI/EXCHANGEAUTH) needs a Kerberos ticket for SMTPSVC/<remote host>: clock skew, a missing or duplicate SPN, a greeting name that is not the AD host name, an unreachable domain controller, a broken trust or an encryption-type mismatch each stop it. Exchange then QUITs and queues the mail with 454 4.7.0.',
    fix: (c) => [
      'Read the status in event 2016/2017 (or the protocol log line "Outbound Authentication failed ... with <status>") and follow that status\'s cause.',
      `Check time sync (w32tm /query /status), the SPN (setspn -Q ${spn(c)}), domain controller reachability (nltest /dsgetdc:<domain>) and Kerberos ports (88 TCP/UDP) from this server.`,
      'Make sure no firewall between the servers inspects SMTP: it must pass X-ANONYMOUSTLS, X-EXPS and the GSSAPI exchange unchanged.',
    ],
    checks: none(KERBEROS_MANUAL),
  },
  KERBEROS_CLOCK_SKEW: {
    row: 2, basis: 'doc',
    title: 'Clock skew between the Exchange servers or a domain controller',
    why: 'Kerberos refuses tickets when clocks differ by more than the allowed skew (5 minutes by default), so the authentication context cannot be created.',
    fix: () => [
      'Sync time from the domain hierarchy: w32tm /resync /rediscover (on both servers); check the PDC emulator\'s time source.',
      'Compare: w32tm /stripchart /computer:<other server> /samples:3',
    ],
    checks: none(['w32tm /query /status', 'w32tm /stripchart /computer:<other server> /samples:3']),
  },
  KERBEROS_SPN: {
    row: 2, basis: 'doc',
    title: 'SPN SMTPSVC/<host> missing or duplicated, or the greeting name is not the AD host name',
    why: 'Exchange asks Kerberos for a ticket to SMTPSVC/ plus the first word of the remote greeting. If no computer account holds that SPN (a greeting name that is a DNS alias or load-balancer name), or two accounts hold it, the ticket cannot be issued or is issued for the wrong server.',
    fix: (c) => [
      `Check the SPN: setspn -Q ${spn(c)} (exactly one computer account must hold it); find duplicates with setspn -X.`,
      'Make the remote receive connector greet with the server\'s real AD FQDN (Set-ReceiveConnector <connector> -Fqdn <server FQDN>), or register the SPN on the server account (setspn -S SMTPSVC/<name> <server>).',
    ],
    checks: none([`setspn -Q SMTPSVC/<remote host>`, 'setspn -X']),
  },
  KERBEROS_DC_UNREACHABLE: {
    row: 2, basis: 'doc',
    title: 'No domain controller (or trusted domain) reachable for Kerberos',
    why: 'The Kerberos package found no domain controller able to authenticate: DC down or unreachable (ports 88/389/445), site/DNS misconfiguration, or a trust path that does not work.',
    fix: () => [
      'nltest /dsgetdc:<domain> and nltest /sc_verify:<domain> from this server; fix DNS/site configuration or the trust.',
      'Open Kerberos (88 TCP/UDP) and LDAP (389) between this server and its domain controllers.',
    ],
    checks: none(['nltest /dsgetdc:<domain>', 'nltest /sc_verify:<domain>']),
  },
  KERBEROS_LOGON_DENIED: {
    row: 2, basis: 'obs',
    title: 'Logon denied: broken trust or secure channel, or an account not allowed to log on',
    why: 'The domain refused the logon for the server\'s computer account (or the configured account): typically a broken trust between forests/domains, a broken secure channel, or replication that has not delivered a changed password.',
    fix: () => [
      'Test-ComputerSecureChannel -Verbose on both servers (-Repair to fix); nltest /trusted_domains and nltest /sc_verify:<other domain> for cross-domain trusts.',
      'repadmin /replsummary to check replication; check that the server accounts are enabled.',
    ],
    checks: none(['Test-ComputerSecureChannel -Verbose', 'nltest /sc_verify:<domain>', 'repadmin /replsummary']),
  },
  KERBEROS_ENCTYPE: {
    row: 2, basis: 'obs',
    title: 'Kerberos encryption type mismatch',
    why: 'The domain controller and the accounts involved share no Kerberos encryption type (e.g. RC4 disabled by policy while an old account has only RC4 keys), so no ticket is issued.',
    fix: () => [
      'Check msDS-SupportedEncryptionTypes on the server accounts and the policy "Network security: Configure encryption types allowed for Kerberos"; allow AES on both sides.',
      'Reset the computer account password (Reset-ComputerMachinePassword) so AES keys exist, then klist purge -li 0x3e7.',
    ],
    checks: none(['Get-ADComputer <server> -Properties msDS-SupportedEncryptionTypes']),
  },
  CREDENTIAL_UNUSABLE: {
    row: 3, basis: 'code',
    title: 'The connector\'s credential is missing or unusable',
    why: 'The connector has no user name/password (Exchange then fails locally with "454 4.7.0 Temporary authentication failure" without sending AUTH), or — for Negotiate — the user is not in DOMAIN\\user form, so the security package cannot use it.',
    fix: (c) => [
      `Re-enter the credential: ${set(c, `-AuthenticationCredential ${credentialArg(c.user)}`)}`,
      'For ExchangeServer/Negotiate use DOMAIN\\user; for Basic auth use the form the relay expects (UPN, address, API key id).',
    ],
    exchange: (c) => ({ setting: 'AuthenticationCredential', command: set(c, `-AuthenticationCredential ${credentialArg(c.user)}`) }),
    checks: { confirmedBy: [], ruledOutBy: [], manual: ['Get-SendConnector <name> | Format-List AuthenticationCredential,SmartHostAuthMechanism'] },
  },
  BASIC_CREDENTIAL_UNUSABLE: {
    row: 3, basis: 'code',
    title: 'The connector\'s Basic-auth credential is missing, or cannot be used on this server',
    why: 'With mechanism Login, starting authentication only means reading the stored user name and password and base64-encoding them; nothing has been sent to the smart host yet. Event 2016 says that failed: no credential is configured, or the stored one cannot be decrypted on this server (set on another server, before a reinstall or rename, or by a different service identity), or the user name is empty.',
    fix: (c) => [
      `Re-enter the credential on this server: ${set(c, `-AuthenticationCredential ${credentialArg(c.user)}`)}`,
      'Use the user name form the smart host expects (Microsoft 365 and Gmail: the full mailbox address; SendGrid: apikey; Amazon SES: the SMTP credential key id); DOMAIN\\user is only for Exchange Server authentication.',
      'Then restart the transport service (Restart-Service MSExchangeTransport) and retry the queue (Retry-Queue -Identity <queue>).',
    ],
    exchange: (c) => ({ setting: 'AuthenticationCredential', command: set(c, `-AuthenticationCredential ${credentialArg(c.user)}`) }),
    checks: { confirmedBy: [], ruledOutBy: [], manual: ['Get-SendConnector <name> | Format-List SmartHostAuthMechanism,AuthenticationCredential'] },
  },
  INTERNAL_TRANSPORT_CERT: {
    row: 4, basis: 'code',
    title: 'Internal transport certificate missing, expired or not enabled for SMTP',
    why: 'Exchange Server authentication and X-ANONYMOUSTLS use the server\'s internal transport certificate. When it is missing, expired or lacks its private key, Exchange cannot start them ("Cannot load Internal Transport Certificate", events 12013/12024, status TLS1_0NotSupported).',
    fix: () => [
      'Get-TransportService | Format-List Name,InternalTransportCertificateThumbprint; Get-ExchangeCertificate | Format-List Thumbprint,Services,NotAfter,HasPrivateKey',
      'Renew it (New-ExchangeCertificate) or enable a valid one for SMTP: Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP; then restart MSExchangeTransport.',
    ],
    exchange: () => ({ setting: 'Internal transport certificate (server)', command: 'Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP' }),
    checks: none(['Get-TransportService | Format-List Name,InternalTransportCertificateThumbprint', 'Get-ExchangeCertificate | Format-List Thumbprint,Services,NotAfter,HasPrivateKey']),
  },
  RELAY_NO_AUTH_LOGIN: {
    row: 5, basis: 'obs',
    title: 'The relay does not offer AUTH LOGIN, the only mechanism Exchange uses for Basic auth',
    why: 'Exchange\'s Basic authentication is SASL LOGIN only. It looks for the token LOGIN in the EHLO "AUTH" line (a legacy "AUTH=LOGIN" line does not count); when the relay offers only PLAIN or CRAM-MD5, Exchange sends QUIT without trying AUTH and queues the mail with "451 5.7.3 Require basic authentication" — no 535 ever appears.',
    fix: (c) => [
      'Enable LOGIN on the relay: Postfix with Cyrus SASL: mech_list: PLAIN LOGIN in smtpd.conf; Postfix/Dovecot SASL: auth_mechanisms = plain login; Exchange receive connector: -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS.',
      `Or stop authenticating: have the relay accept this server by IP address, then ${set(c, '-SmartHostAuthMechanism None')}`,
    ],
    checks: { confirmedBy: [], ruledOutBy: [], capability: 'login-missing', manual: [] },
  },
  AUTH_ONLY_AFTER_TLS_NOT_USED: {
    row: 6, basis: 'code',
    title: 'The relay offers AUTH only after STARTTLS, but Exchange does not use TLS (IgnoreSTARTTLS, or TLS failed)',
    why: 'Many relays list AUTH only on the encrypted session (Postfix smtpd_tls_auth_only). With IgnoreSTARTTLS set, or when TLS fails, Exchange sees no AUTH LOGIN and gives up with "451 5.7.3 Require basic authentication"; a relay asked anyway answers "530 Must issue a STARTTLS command first".',
    fix: (c) => [
      `Let Exchange use STARTTLS: ${set(c, '-IgnoreSTARTTLS $false -SmartHostAuthMechanism BasicAuthRequireTLS')}`,
      'If TLS itself fails, fix that first (see the TLS causes).',
    ],
    exchange: (c) => ({ setting: 'IgnoreSTARTTLS', command: set(c, '-IgnoreSTARTTLS $false -SmartHostAuthMechanism BasicAuthRequireTLS') }),
    checks: { confirmedBy: ['AUTH_ONLY_AFTER_STARTTLS', 'AUTH_MUST_STARTTLS', 'AUTH_ENCRYPTION_REQUIRED'], ruledOutBy: [], capability: 'auth-only-after-tls', manual: ['Get-SendConnector <name> | Format-List IgnoreSTARTTLS,RequireTLS'] },
  },
  STARTTLS_HIDDEN: {
    row: 7, basis: 'code',
    title: 'STARTTLS is not offered on this port, or something hides it',
    why: 'BasicAuthRequireTLS and RequireTLS need STARTTLS in the EHLO reply. It is missing when the port has no TLS, or when a firewall\'s SMTP/ESMTP inspection strips it (Cisco masks verbs as "XXXA"); Exchange then fails with "451 5.7.3 Require STARTTLS to do basic authentication" or "STARTTLS is required to send mail" (event 2015).',
    fix: (c) => [
      `Use the relay's TLS port: ${set(c, '-Port 587')} (or 25 where the relay offers STARTTLS there).`,
      'Disable SMTP/ESMTP inspection on firewalls between Exchange and the relay (Cisco ASA: no inspect esmtp).',
      'On the relay, enable STARTTLS for this port.',
    ],
    exchange: (c) => ({ setting: 'Port', command: set(c, '-Port 587') }),
    checks: { confirmedBy: ['STARTTLS_NOT_OFFERED'], ruledOutBy: ['starttls'], capability: 'starttls-missing', manual: [] },
  },
  HELO_INSTEAD_OF_EHLO: {
    basis: 'code',
    title: 'Exchange sends HELO (ForceHELO, or EHLO refused), so it sees no STARTTLS and no AUTH',
    why: 'With ForceHELO set, or when the relay answers EHLO with a 5xx, Exchange falls back to HELO, which carries no extensions: no STARTTLS and no AUTH, so Basic authentication cannot start.',
    fix: (c) => [
      `${set(c, '-ForceHELO $false')}`,
      `If the relay refuses EHLO, send a resolvable FQDN: ${set(c, '-Fqdn "<public FQDN of this server>"')}`,
    ],
    exchange: (c) => ({ setting: 'ForceHELO', command: set(c, '-ForceHELO $false') }),
    checks: { confirmedBy: ['EHLO_REJECTED'], ruledOutBy: ['ehlo'], manual: ['Get-SendConnector <name> | Format-List ForceHELO,Fqdn'] },
  },
  FIREWALL_SMTP_INSPECTION: {
    row: 7, basis: 'obs',
    title: 'A firewall inspects SMTP and alters the session (masked verbs, STARTTLS or X-EXPS removed)',
    why: 'SMTP "fixup"/ESMTP inspection on firewalls replaces extensions it does not know with X characters ("XXXA"), drops STARTTLS or X-EXPS, and can break the TLS handshake that follows.',
    fix: () => [
      'Disable SMTP/ESMTP inspection for traffic between Exchange and the relay (Cisco ASA/PIX: policy-map global_policy → class inspection_default → no inspect esmtp).',
      'Compare the EHLO reply seen from inside and from the relay\'s own network.',
    ],
    checks: { confirmedBy: [], ruledOutBy: [], capability: 'masked-verbs', manual: [] },
  },
  TLS_VERSION_MISMATCH: {
    row: 8, basis: 'obs',
    title: 'TLS version or cipher mismatch between Exchange and the relay',
    why: 'Exchange 2007/2010, or Exchange on an unpatched Windows, speaks only TLS 1.0 (or old ciphers) while the relay requires TLS 1.2+: the handshake fails ("TLS negotiation failed with error SocketError/InvalidToken", "421 4.4.2 Connection dropped due to SocketError", Microsoft 365 "421 4.7.66").',
    fix: () => [
      'Enable the TLS 1.2 client in SCHANNEL: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client Enabled=1, DisabledByDefault=0; and .NET strong crypto (HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319 SchUseStrongCrypto=1, and the Wow6432Node key); install current updates; reboot.',
      'Probe as old Exchange would: smtprobe check <relay> --client exchange --exchange-tls 1.0 --tls-scan',
    ],
    exchange: () => ({
      setting: 'SCHANNEL TLS 1.2 client (server-wide; reboot after)',
      command: "$k = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client'; New-Item $k -Force | Out-Null; Set-ItemProperty $k -Name Enabled -Value 1 -Type DWord; Set-ItemProperty $k -Name DisabledByDefault -Value 0 -Type DWord",
    }),
    checks: { confirmedBy: ['TLS_VERSION_MISMATCH', 'TLS_HANDSHAKE_FAILED'], ruledOutBy: ['tls'], manual: ['Get-ItemProperty "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client"'] },
  },
  LOCAL_CERT_NO_PRIVATE_KEY: {
    row: 9, basis: 'obs',
    title: 'The certificate Exchange presents for TLS has no usable private key (or the wrong one is chosen)',
    why: 'For outbound TLS Exchange picks a certificate matching the connector Fqdn (or TlsCertificateName). If that certificate has no private key, or the transport service cannot read it, the handshake fails with "TLS negotiation failed with error NoCredentials".',
    fix: (c) => [
      'Get-ExchangeCertificate | Format-List Thumbprint,Subject,CertificateDomains,HasPrivateKey,Services,NotAfter — the chosen certificate must have HasPrivateKey True.',
      'Re-import it with its key (or certutil -repairstore my <serial>), and let NETWORK SERVICE read the key.',
      `Pin the right certificate: ${set(c, '-TlsCertificateName "<I><issuer DN><S><subject DN>"')}, or set Fqdn to a name the good certificate covers.`,
    ],
    exchange: (c) => ({ setting: 'TlsCertificateName', command: set(c, '-TlsCertificateName "<I><issuer DN><S><subject DN>"') }),
    checks: none(['Get-ExchangeCertificate | Format-List Thumbprint,Subject,HasPrivateKey,Services']),
  },
  REMOTE_CERT_UNTRUSTED: {
    row: 10, basis: 'guess',
    title: 'The relay\'s certificate fails the connector\'s TLS check (untrusted, expired, or wrong name)',
    why: 'With RequireTLS and TlsAuthLevel CertificateValidation or DomainValidation, Exchange drops the session when the relay\'s chain does not build to a trusted root, a certificate is expired or revoked-status unknown, or the name does not match TlsDomain.',
    fix: (c) => [
      'Install the relay\'s root/intermediate CA in the local computer store, and let the server reach the CRL/OCSP URLs.',
      `Match the name on the certificate: ${set(c, '-TlsAuthLevel DomainValidation -TlsDomain "<name on the relay certificate>"')}`,
    ],
    exchange: (c) => ({ setting: 'TlsDomain', command: set(c, '-TlsAuthLevel DomainValidation -TlsDomain "<name on the relay certificate>"') }),
    checks: {
      confirmedBy: ['CERT_UNTRUSTED_ROOT', 'CERT_SELF_SIGNED', 'CERT_CHAIN_INCOMPLETE', 'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_HOSTNAME_MISMATCH', 'CERT_VERIFY_FAILED'],
      ruledOutBy: ['tls'],
      manual: [],
    },
  },
  PORT_465_IMPLICIT_TLS: {
    row: 11, basis: 'guess',
    title: 'The connector points at port 465 (implicit TLS), which Exchange cannot speak',
    why: 'Exchange only does STARTTLS. On 465 the relay waits for a TLS handshake while Exchange waits for the 220 greeting, until the connection times out or drops.',
    fix: (c) => [`${set(c, '-Port 587')} (or 25/2525/2587 where the provider offers STARTTLS).`],
    exchange: (c) => ({ setting: 'Port', command: set(c, '-Port 587') }),
    checks: { confirmedBy: ['IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE', 'TLS_ON_CONNECT_EXPECTED', 'BANNER_TIMEOUT'], ruledOutBy: ['banner'], manual: ['Get-SendConnector <name> | Format-List Port'] },
  },
  CREDENTIALS_REJECTED: {
    row: 12, basis: 'doc',
    title: 'The relay rejected the user name or password',
    why: 'The relay answers the AUTH exchange with 535 when the password is wrong or the user name is not in the form the provider expects. Exchange sends the user name verbatim and each password character as one byte, so a non-ASCII password never works. A refusal by the relay shows as event 2003; a 2016 with mechanism Login means the stored credential did not even get that far, and re-entering it in the right form fixes both.',
    fix: (c) => [
      `Re-enter the credential: ${set(c, `-AuthenticationCredential ${credentialArg(c.user)}`)}`,
      'Use the user name form the provider expects: the full address/UPN (Microsoft 365, Gmail), "apikey" (SendGrid), the SMTP credential key id (Amazon SES); DOMAIN\\user matters only for Negotiate.',
      'Use an ASCII-only password.',
    ],
    exchange: (c) => ({ setting: 'AuthenticationCredential', command: set(c, `-AuthenticationCredential ${credentialArg(c.user)}`) }),
    checks: { confirmedBy: ['AUTH_CREDENTIALS_REJECTED'], ruledOutBy: ['auth'], manual: [] },
  },
  ACCOUNT_BLOCKED: {
    row: 13, basis: 'doc',
    title: 'The account cannot sign in with its password here (expired, locked, MFA/Conditional Access, app password needed)',
    why: 'The password may be right but the account is not allowed to use it for SMTP: password expired or changed, account locked after retries, an MFA/Conditional Access/security-defaults policy, or a provider that wants an app password.',
    fix: (c) => [
      'Use a dedicated service account with a non-expiring password excluded from MFA/Conditional Access, or an app password where the provider offers one.',
      `Then re-enter it: ${set(c, `-AuthenticationCredential ${credentialArg(c.user)}`)}`,
    ],
    exchange: (c) => ({ setting: 'AuthenticationCredential', command: set(c, `-AuthenticationCredential ${credentialArg(c.user)}`) }),
    checks: { confirmedBy: ['AUTH_APP_PASSWORD_REQUIRED', 'AUTH_DISABLED_BY_PROVIDER', 'AUTH_CREDENTIALS_REJECTED'], ruledOutBy: ['auth'], manual: [] },
  },
  PROVIDER_BASIC_AUTH_DISABLED: {
    row: 14, basis: 'doc',
    title: 'The provider no longer accepts Basic authentication (OAuth required)',
    why: 'Exchange\'s Send connector can only do Basic (LOGIN) authentication, never OAuth. Microsoft 365 is retiring Basic SMTP AUTH (disabled by default for existing tenants at the end of 2026), and policies can block it already ("535 5.7.139 ... basic authentication is disabled", "550 5.7.30").',
    fix: (c) => [
      `Relay to Microsoft 365 without SMTP AUTH: create an inbound connector in Exchange Online that trusts this server's IP address or certificate, then ${set(c, '-SmartHosts "<tenant>.mail.protection.outlook.com" -Port 25 -SmartHostAuthMechanism None -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain "mail.protection.outlook.com"')}`,
      'Or relay through another service that accepts Basic authentication.',
    ],
    exchange: (c) => ({ setting: 'SmartHosts / SmartHostAuthMechanism', command: set(c, '-SmartHosts "<tenant>.mail.protection.outlook.com" -Port 25 -SmartHostAuthMechanism None -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain "mail.protection.outlook.com"') }),
    checks: { confirmedBy: ['AUTH_DISABLED_BY_PROVIDER'], ruledOutBy: ['auth'], manual: [] },
  },
  SMTP_AUTH_DISABLED_AT_PROVIDER: {
    basis: 'doc',
    title: 'SMTP AUTH is turned off at the provider for this tenant or mailbox',
    why: 'Microsoft 365 has SMTP client authentication disabled (the default for tenants since 2020), so the password is not even checked.',
    fix: (c) => [
      `Exchange Online PowerShell: Set-CASMailbox -Identity ${psString(c.user ?? '<mailbox>')} -SmtpClientAuthenticationDisabled $false (or Set-TransportConfig -SmtpClientAuthenticationDisabled $false for the tenant).`,
      'Plan for the end of Basic SMTP AUTH: relay via <tenant>.mail.protection.outlook.com with an inbound connector instead.',
    ],
    exchange: (c) => ({ setting: 'SmtpClientAuthenticationDisabled (Exchange Online, mailbox)', command: `Set-CASMailbox -Identity ${psString(c.user ?? '<mailbox>')} -SmtpClientAuthenticationDisabled $false` }),
    checks: { confirmedBy: ['AUTH_DISABLED_BY_PROVIDER'], ruledOutBy: ['auth'], manual: [] },
  },
  REMOTE_AUTH_TEMPFAIL: {
    basis: 'doc',
    title: 'The relay could not check the credentials right now (temporary failure)',
    why: 'A relay answers 454 4.7.0 when its SASL backend (saslauthd, Dovecot auth, a directory) is down, or when it throttles logins ("Too many login attempts").',
    fix: () => ['Check the relay\'s SASL backend and logs; for throttling, wait and reduce connection churn (fewer parallel connections on the connector).'],
    checks: { confirmedBy: ['AUTH_TEMPFAIL'], ruledOutBy: ['auth'], manual: [] },
  },
  NEGOTIATION_ABORTED: {
    basis: 'code',
    title: 'The AUTH exchange was cancelled mid-way',
    why: 'The client cancelled the SASL exchange (sent "*") because its security package failed during negotiation (Exchange logs "Outbound Authentication failed with <status>" and event 2017), or sent data the server could not parse.',
    fix: () => ['Look for event 2017 on the sending Exchange server and follow the status it names.'],
    checks: { confirmedBy: ['AUTH_PROTOCOL_ERROR'], ruledOutBy: ['auth'], manual: [] },
  },
  AUTH_NOT_CONFIGURED: {
    basis: 'doc',
    title: 'The relay requires authentication (or an allowed IP address), and Exchange sent none',
    why: 'The relay refuses mail from unauthenticated clients it does not know by address ("530 5.7.57 Client not authenticated", "550 5.7.1 ... not authenticated", "Mail relay denied").',
    fix: (c) => [
      `Authenticate: ${set(c, `-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential ${credentialArg(c.user)}`)}`,
      'Or register this server\'s public IP address in the relay\'s allow-list (Google Workspace SMTP relay rule, Exchange Online inbound connector).',
    ],
    exchange: (c) => ({ setting: 'SmartHostAuthMechanism', command: set(c, `-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential ${credentialArg(c.user)}`) }),
    checks: { confirmedBy: ['RELAY_DENIED', 'AUTH_NOT_OFFERED'], ruledOutBy: ['auth'], manual: [] },
  },
  SENDER_NOT_ALLOWED: {
    basis: 'doc',
    title: 'The relay does not let this account send as this sender',
    why: 'The MAIL FROM/From address is not one the authenticated account may use (Send As rights, verified sender identity, sandbox).',
    fix: () => ['Grant the account Send As on the address (Exchange Online: Add-RecipientPermission <address> -AccessRights SendAs -Trustee <account>), or verify the sender identity at the provider.'],
    checks: { confirmedBy: ['SENDER_REJECTED'], ruledOutBy: [], manual: [] },
  },
  SENDER_CERT_REJECTED: {
    basis: 'doc',
    title: 'The receiving server could not validate this server\'s certificate',
    why: 'For domain-secured or certificate-based connectors the receiving server checks the certificate Exchange presents; an untrusted, expired or wrongly named certificate fails ("454 4.7.5 Certificate validation failure").',
    fix: (c) => [`Present a certificate the receiver trusts: ${set(c, '-TlsCertificateName "<I><issuer DN><S><subject DN>"')}`],
    exchange: (c) => ({ setting: 'TlsCertificateName', command: set(c, '-TlsCertificateName "<I><issuer DN><S><subject DN>"') }),
    checks: { confirmedBy: ['CLIENT_CERT_REJECTED', 'CLIENT_CERT_REQUIRED'], ruledOutBy: [], manual: [] },
  },
  REMOTE_TLS_UNAVAILABLE: {
    basis: 'doc',
    title: 'The relay cannot start TLS (its certificate is missing or unusable)',
    why: 'The relay offers STARTTLS but fails to start it ("454 TLS not available", Exchange "554 5.7.3 Unable to initialize security subsystem"): it cannot load a certificate or key for this name.',
    fix: () => ['On the relay: install a valid certificate with its key for the name it greets with (Exchange: Enable-ExchangeCertificate -Services SMTP for the receive connector FQDN).'],
    checks: { confirmedBy: ['STARTTLS_REJECTED'], ruledOutBy: ['starttls'], manual: [] },
  },
  DNS_FAILURE: {
    basis: 'doc',
    title: 'Exchange cannot resolve the smart host (DNS failure)',
    why: 'The transport service\'s DNS lookup of the smart host failed (event 2000, "451 4.4.0 DNS query failed"): a wrong name, a resolver that cannot answer, or external DNS settings on the transport service that cannot see an internal name.',
    fix: (c) => [
      `Resolve-DnsName ${c.host ?? '<smart host>'} on the Exchange server, with the DNS servers the transport service uses (Get-TransportService | Format-List *DNS*).`,
      `Correct the name: ${set(c, '-SmartHosts "<smart host FQDN>" -DNSRoutingEnabled $false')}, or ${set(c, '-UseExternalDNSServersEnabled $false')} for internal names.`,
    ],
    exchange: (c) => ({ setting: 'SmartHosts', command: set(c, '-SmartHosts "<smart host FQDN>" -DNSRoutingEnabled $false') }),
    checks: { confirmedBy: ['DNS_NXDOMAIN', 'DNS_NO_ADDRESS', 'DNS_TIMEOUT', 'DNS_SERVER_REFUSED'], ruledOutBy: ['dns'], manual: [] },
  },
  NO_CERT_FOR_FQDN: {
    basis: 'doc',
    title: 'No certificate matches the FQDN used for STARTTLS',
    why: 'Exchange looks for a certificate whose subject or SAN matches the connector\'s Fqdn (or the server FQDN); with none in the local computer store, it cannot offer or use STARTTLS under that name (event 12014).',
    fix: (c) => [
      'Get-ExchangeCertificate | Format-List Thumbprint,CertificateDomains,Services,NotAfter — find one covering the name, then Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP.',
      `Or set the connector's Fqdn to a name a valid certificate covers: ${set(c, '-Fqdn "<name on the certificate>"')}`,
    ],
    exchange: (c) => ({ setting: 'Fqdn', command: set(c, '-Fqdn "<name on the certificate>"') }),
    checks: none(['Get-ExchangeCertificate | Format-List Thumbprint,CertificateDomains,Services,NotAfter']),
  },
  LOCAL_SSPI_FAILURE: {
    basis: 'guess',
    title: 'The Windows security subsystem on the Exchange server failed',
    why: 'The security package itself failed or is missing (InternalError, PackageNotFound): an OS problem, not a setting of the connector.',
    fix: () => ['Check the System event log for LSA/Kerberos errors, install current updates, and restart the server if the package is missing.'],
    checks: none(['Get-WinEvent -LogName System -MaxEvents 50 | Where-Object ProviderName -match "Kerberos|LSA|Schannel"']),
  },
  INBOUND_AUTH_FAILED: {
    basis: 'doc',
    title: 'A client failed to authenticate to this Exchange server (receive side)',
    why: 'Event 1035 is about inbound SMTP: a device, application or attacker at the source IP sent credentials that were refused by this receive connector.',
    fix: () => [
      'Identify the client at the source IP; correct its user name/password, or block it if it is not yours.',
      'Get-ReceiveConnector | Format-List Name,AuthMechanism,RemoteIPRanges to see which connector took the session.',
    ],
    checks: none(['Get-ReceiveConnector | Format-List Name,AuthMechanism,RemoteIPRanges']),
  },
  INBOUND_EXCHANGEAUTH_MISMATCH: {
    basis: 'guess',
    title: 'Exchange authentication from another server could not be validated (receive side)',
    why: 'The sending server\'s X-EXPS EXCHANGEAUTH data did not match what this server expects: its internal transport certificate is new, expired or unknown here, it belongs to another organisation, or a load balancer/NAT makes the session arrive on the wrong connector.',
    fix: () => [
      'On the source server: Get-ExchangeCertificate / Get-TransportService | Format-List InternalTransportCertificateThumbprint; renew or re-enable the certificate and let AD replicate.',
      'Make intra-organisation SMTP go server to server, not through a load balancer or NAT.',
    ],
    checks: none(['Get-TransportService | Format-List Name,InternalTransportCertificateThumbprint']),
  },
  NO_SUBMIT_RIGHT: {
    basis: 'doc',
    title: 'The account authenticated but may not submit mail on this receive connector',
    why: 'The credentials were valid, but the account lacks the ms-Exch-SMTP-Submit right on the receive connector (event 1020), so authentication is failed.',
    fix: () => ['Add-ADPermission -Identity "<receive connector>" -User "<account>" -ExtendedRights ms-Exch-SMTP-Submit (or use a connector whose PermissionGroups include this account\'s group).'],
    checks: none(['Get-ADPermission -Identity "<receive connector>" | Where-Object ExtendedRights -like "*Submit*"']),
  },
  RECIPIENT_REQUIRES_AUTH: {
    basis: 'doc',
    title: 'The recipient accepts mail only from authenticated senders',
    why: '"RESOLVER.RST.AuthRequired": the recipient (often a distribution group) is set to require sender authentication, and this message arrived anonymously.',
    fix: () => ['Set-DistributionGroup <group> -RequireSenderAuthenticationEnabled $false (or Set-Mailbox for a mailbox), or send the message authenticated.'],
    checks: none(['Get-Recipient <address> | Format-List RequireSenderAuthenticationEnabled']),
  },
  TOO_MANY_PROTOCOL_ERRORS: {
    basis: 'doc',
    title: 'The receiving server closed the session after too many errors',
    why: 'An Exchange receive connector drops a session after MaxProtocolErrors failed commands (e.g. repeated failed AUTH attempts).',
    fix: () => ['Read the protocol log of the session for the commands that failed and fix those; the limit is Set-ReceiveConnector -MaxProtocolErrors.'],
    checks: none(),
  },
  REMOTE_REJECTED: {
    basis: 'doc',
    title: 'The relay refused the session with an error of its own',
    why: 'The relay answered with an error that is not an Exchange-side failure; its text says why.',
    fix: () => ['Read the relay\'s reply text and its logs for this session.'],
    checks: none(),
  },
};
