/**
 * Finding codes: the stable vocabulary of smtprobe. Users script against these;
 * add new ones freely, never rename or remove one (docs/design.md, "Finding codes").
 */
export const CONNECTIVITY_CODES = [
  'DNS_NXDOMAIN', 'DNS_TIMEOUT', 'DNS_NO_ADDRESS', 'ICMP_NO_REPLY', 'ICMP_NOT_PERMITTED',
  'PATH_LOSS', 'HOP_RATE_LIMITED', 'TCP_REFUSED', 'TCP_TIMEOUT', 'TCP_RESET', 'HOST_UNREACHABLE',
] as const;

export const SMTP_CODES = [
  'BANNER_TIMEOUT', 'BANNER_REJECTED', 'NOT_SMTP', 'TLS_ON_CONNECT_EXPECTED', 'EHLO_REJECTED',
  'STARTTLS_NOT_OFFERED', 'STARTTLS_REJECTED', 'IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE',
  'CONNECTION_DROPPED', 'PROTOCOL_VIOLATION', 'PHASE_TIMEOUT',
] as const;

export const TLS_CODES = [
  'TLS_HANDSHAKE_FAILED', 'TLS_VERSION_MISMATCH', 'TLS_LEGACY_PROTOCOL', 'CERT_EXPIRED',
  'CERT_NOT_YET_VALID', 'CERT_EXPIRES_SOON', 'CERT_HOSTNAME_MISMATCH', 'CERT_SELF_SIGNED',
  'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE', 'CERT_WEAK_KEY', 'CERT_WEAK_SIGNATURE',
  'CLIENT_CERT_REQUIRED', 'CLIENT_CERT_REJECTED',
] as const;

export const AUTH_CODES = [
  'AUTH_NOT_OFFERED', 'AUTH_ONLY_AFTER_STARTTLS', 'AUTH_NO_COMMON_MECHANISM',
  'AUTH_CREDENTIALS_REJECTED', 'AUTH_TEMPFAIL', 'AUTH_ENCRYPTION_REQUIRED', 'AUTH_MECHANISM_TOO_WEAK',
  'AUTH_MUST_STARTTLS', 'AUTH_DISABLED_BY_PROVIDER', 'AUTH_APP_PASSWORD_REQUIRED',
  'AUTH_PLAINTEXT_REFUSED', 'AUTH_PROTOCOL_ERROR',
] as const;

export const RELAY_CODES = ['RELAY_DENIED', 'SENDER_REJECTED'] as const;

/**
 * Codes added after the first list (add-only, documented in the README):
 * - AUTH_PLAINTEXT_ADVERTISED: AUTH offered before TLS (credentials could go in clear).
 * - STARTTLS_AFTER_AUTH_POLICY: reserved for STARTTLS policy notes.
 * - AUTH_MECHANISM_NOT_ATTEMPTED: only NTLM/GSSAPI offered, detected but not attempted.
 * - CERT_VERIFY_FAILED: the certificate failed the configured check for a reason with no finer code.
 * - PROBE_INTERNAL_ERROR: smtprobe itself failed (a bug); verdict unknown.
 * - CLIENT_CERT_EXPIRED / CLIENT_CERT_EXPIRES_SOON / CLIENT_CERT_NO_CLIENT_AUTH / CLIENT_CERT_UNUSABLE:
 *   the client certificate smtprobe is configured to present is expired (or not yet valid),
 *   expires soon, lacks the clientAuth extended key usage, or cannot be used (malformed, weak key).
 * - GREYLISTED: MAIL or RCPT deferred by greylisting (a retry later is accepted).
 * - DNS_SERVER_REFUSED: the DNS server refused the query, or none listens at that address.
 * - PROBE_SLOW: the probe took longer than its --warn-ms / --crit-ms threshold (warning / critical).
 * - PROBE_INTERRUPTED: the user stopped the probe (SIGINT/SIGTERM) before it ended; verdict unknown.
 * - AUTH_SUSPENDED: AUTH withheld after repeated credential rejections (lockout protection).
 * - RELAY_NEXT_HOP_UNREACHABLE: the server accepted the session but could not reach the server it
 *   relays through (e.g. Dovecot submission's submission_relay_host), so it refused MAIL or RCPT.
 * - ICMP_DEGRADED: ICMP echo round-trip time or loss above --ping-warn / --ping-crit (check_ping's -w / -c).
 * - ADDRESS_INCONSISTENT: with --all-addresses, one address of the relay behaves unlike the
 *   others (fails where they pass, another certificate, TLS version or capabilities).
 */
export const EXTRA_CODES = [
  'AUTH_PLAINTEXT_ADVERTISED', 'AUTH_MECHANISM_NOT_ATTEMPTED', 'CERT_VERIFY_FAILED',
  'PROBE_INTERNAL_ERROR', 'CLIENT_CERT_EXPIRED', 'CLIENT_CERT_EXPIRES_SOON', 'CLIENT_CERT_NO_CLIENT_AUTH', 'CLIENT_CERT_UNUSABLE',
  'GREYLISTED', 'DNS_SERVER_REFUSED',
  'PROBE_SLOW',
  'PROBE_INTERRUPTED', 'AUTH_SUSPENDED',
  'RELAY_NEXT_HOP_UNREACHABLE',
  'ADDRESS_INCONSISTENT', 'ICMP_DEGRADED',
] as const;

/**
 * Modern authentication (OAuth 2.0 for SMTP AUTH):
 * - OAUTH_TOKEN_REQUEST_FAILED: the token endpoint refused or could not be reached; AUTH not attempted.
 * - AUTH_TOKEN_REJECTED: the SMTP server refused the bearer token (XOAUTH2/OAUTHBEARER).
 * - AUTH_BASIC_RETIREMENT: Basic auth (PLAIN/LOGIN) used against Microsoft 365, which retires it.
 */
export const OAUTH_CODES = ['OAUTH_TOKEN_REQUEST_FAILED', 'AUTH_TOKEN_REJECTED', 'AUTH_BASIC_RETIREMENT'] as const;

export const FINDING_CODES = [
  ...CONNECTIVITY_CODES, ...SMTP_CODES, ...TLS_CODES, ...AUTH_CODES, ...RELAY_CODES, ...EXTRA_CODES, ...OAUTH_CODES,
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/** isFindingCode narrows an arbitrary string (e.g. from a scenario file) to a FindingCode. */
export function isFindingCode(s: string): s is FindingCode {
  return (FINDING_CODES as readonly string[]).includes(s);
}
