import type { FindingCode } from '../model/finding-codes.js';

/**
 * EXCHANGE_BEHAVIOUR: what Exchange's Send connector (2013+) does on the wire when it meets
 * the situation a finding describes — the local reply it queues, the event it logs — so an
 * admin recognises their queue error in our finding. Facts from docs/domain.md ("Exchange Send connector", "Event 2016 and its relatives") and
 * samples/exchange-local-responses.txt. Appended to the cause with `--client exchange`.
 */
export const EXCHANGE_BEHAVIOUR: Partial<Record<FindingCode, string>> = {
  AUTH_NO_COMMON_MECHANISM:
    'Exchange (SmartHostAuthMechanism BasicAuth/BasicAuthRequireTLS) looks only for the token LOGIN on the EHLO "AUTH" line after STARTTLS ("AUTH=LOGIN" legacy lines are ignored); without it, it sends QUIT without trying AUTH and queues the local reply "451 5.7.3 Require basic authentication" — no 535 ever appears, and the queue shows: 451 4.4.0 Primary target IP address responded with: "451 5.7.3 Require basic authentication."',
  AUTH_NOT_OFFERED:
    'Exchange with BasicAuth finds no "AUTH LOGIN" in the EHLO reply, sends QUIT and queues "451 5.7.3 Require basic authentication" (no 535 ever appears).',
  AUTH_ONLY_AFTER_STARTTLS:
    'When Exchange does not reach TLS (IgnoreSTARTTLS $true, or the handshake failed) it sees no AUTH LOGIN before TLS, sends QUIT and queues "451 5.7.3 Require basic authentication".',
  STARTTLS_NOT_OFFERED:
    'With SmartHostAuthMechanism BasicAuthRequireTLS, Exchange stops with "451 5.7.3 Require STARTTLS to do basic authentication"; with RequireTLS $true it logs event 2015 and queues "451 5.7.3 STARTTLS is required to send mail". A firewall ESMTP inspection that masks verbs as "XXXA" causes exactly this.',
  EHLO_REJECTED:
    'After a 5xx to EHLO, Exchange falls back to HELO, so it sees no STARTTLS and no AUTH: "451 5.7.3 Require STARTTLS to do basic authentication" or "451 5.7.3 Require basic authentication".',
  IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE:
    'Exchange connects, waits for a 220 greeting that an implicit-TLS port never sends, and fails with a timeout / SocketError.',
  TLS_ON_CONNECT_EXPECTED:
    'Exchange has no implicit-TLS client: on this port it waits for a 220 greeting that never comes and fails with a timeout / SocketError.',
  BANNER_TIMEOUT:
    'Exchange waits for the 220 greeting too and fails the same way; on port 465 this is the implicit-TLS trap (Exchange has no implicit-TLS client).',
  TLS_VERSION_MISMATCH:
    'Exchange logs "TLS negotiation failed with error SocketError" (or InvalidToken) and queues "421 4.4.2 Connection dropped due to SocketError" or "451 4.4.0 Security status InvalidToken"; Microsoft 365 answers TLS 1.0/1.1 with "421 4.7.66". Old Exchange on old Windows speaks only TLS 1.0 until the SCHANNEL TLS 1.2 client is enabled.',
  TLS_HANDSHAKE_FAILED:
    'Exchange logs "TLS negotiation failed with error <status>" and queues "421 4.4.2 Connection dropped due to SocketError" or "451 4.4.0 Security status InvalidToken".',
  CERT_EXPIRED:
    'With RequireTLS and TlsAuthLevel CertificateValidation or DomainValidation, Exchange drops the session after logging "Received certificate" (status CertExpired); with EncryptionOnly it carries on.',
  CERT_NOT_YET_VALID:
    'With TlsAuthLevel CertificateValidation or DomainValidation, Exchange refuses this certificate after "Received certificate"; check the Exchange server\'s clock too.',
  CERT_UNTRUSTED_ROOT:
    'With TlsAuthLevel CertificateValidation or DomainValidation, Exchange refuses this certificate (status UntrustedRoot) unless the root is in the server\'s Trusted Root store.',
  CERT_SELF_SIGNED:
    'With TlsAuthLevel CertificateValidation or DomainValidation, Exchange refuses a self-signed certificate (status UntrustedRoot) unless it is in the server\'s Trusted Root store.',
  CERT_CHAIN_INCOMPLETE:
    'Windows may fetch the missing intermediate itself (AIA) when it has Internet access; an isolated Exchange server refuses the chain with CertificateValidation or DomainValidation.',
  CERT_HOSTNAME_MISMATCH:
    'With TlsAuthLevel DomainValidation, Exchange checks the certificate against TlsDomain (no "*" wildcard allowed there) and refuses it (status WrongPrincipal); CertificateValidation does not check the name.',
  CLIENT_CERT_REQUIRED:
    'Exchange presents the certificate that matches the connector Fqdn (or TlsCertificateName); a certificate without a usable private key fails with "TLS negotiation failed with error NoCredentials".',
  CLIENT_CERT_REJECTED:
    'Exchange presents the certificate that matches the connector Fqdn (or TlsCertificateName); pin the one the relay trusts.',
  AUTH_CREDENTIALS_REJECTED:
    'Exchange logs event 2003 (not 2016) with this reply. It sends the user name verbatim (no DOMAIN\\ handling) and truncates each password character to one byte, so a non-ASCII password always fails.',
  AUTH_APP_PASSWORD_REQUIRED:
    'Exchange logs event 2003 with this reply; store the app password in the connector credential.',
  AUTH_DISABLED_BY_PROVIDER:
    'Exchange logs event 2003 with this reply; no connector setting changes it — the provider-side switch or a connector relay does.',
  AUTH_TEMPFAIL:
    'Exchange queues "454 4.7.0 Temporary authentication failure" and retries; the same local reply also appears when the connector credential has an empty user name or password.',
  AUTH_MECHANISM_NOT_ATTEMPTED:
    'Exchange uses NTLM/Kerberos only with SmartHostAuthMechanism ExchangeServer (X-ANONYMOUSTLS then X-EXPS GSSAPI); failures there show as events 2016/2017 (LogonDenied, TargetUnknown, TimeSkew). Against a non-Exchange relay, ExchangeServer ends in "451 5.7.3 Cannot achieve Exchange Server authentication".',
  AUTH_MUST_STARTTLS:
    'Exchange issues STARTTLS whenever it is offered unless IgnoreSTARTTLS is set; this reply means it was not used.',
  AUTH_PLAINTEXT_ADVERTISED:
    'With SmartHostAuthMechanism BasicAuth (without RequireTLS) and IgnoreSTARTTLS, Exchange would send the password in clear here; BasicAuthRequireTLS prevents that.',
};
