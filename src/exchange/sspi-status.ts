/**
 * SSPI `SecurityStatus` names as Exchange writes them in events 2016/2017/1035 and in the
 * protocol log ("Outbound Authentication failed with <status>", "TLS negotiation failed with
 * error <status>"), with what each means in plain words (docs/domain.md, "SSPI status names"; Win32 SEC_E_* codes).
 */
export const SSPI_STATUS_MEANINGS: Readonly<Record<string, string>> = {
  LogonDenied: 'the logon was refused (SEC_E_LOGON_DENIED): the account, its password, or the trust between domains was not accepted',
  UnknownCredentials: 'the credentials given to the security package are not recognised (SEC_E_UNKNOWN_CREDENTIALS): for Negotiate the user must be DOMAIN\\user',
  NoCredentials: 'no credentials are available to the security package (SEC_E_NO_CREDENTIALS): no user/password configured, or for TLS a certificate without a usable private key',
  TargetUnknown: 'the target SPN is unknown to Kerberos (SEC_E_TARGET_UNKNOWN): no account holds SMTPSVC/<host>, or the name in the remote greeting is not an AD host name',
  WrongPrincipal: 'the ticket was issued for a different principal (SEC_E_WRONG_PRINCIPAL): a duplicate SPN, or a name that points at another server (DNS alias, load balancer)',
  TimeSkew: 'the clocks of the two servers (or a domain controller) differ too much for Kerberos (SEC_E_TIME_SKEW, default tolerance 5 minutes)',
  NoAuthenticatingAuthority: 'no domain controller could be contacted to authenticate (SEC_E_NO_AUTHENTICATING_AUTHORITY)',
  KdcUnknownEncryptionType: 'the domain controller does not support any encryption type the account allows (SEC_E_KDC_UNKNOWN_ETYPE), e.g. RC4 disabled while the account has no AES keys',
  InvalidToken: 'the token handed to the security package is malformed (SEC_E_INVALID_TOKEN): in TLS usually no common protocol version or cipher, or a middlebox altering the handshake',
  UntrustedRoot: 'the certificate chain ends at a root this server does not trust (SEC_E_UNTRUSTED_ROOT)',
  CertExpired: 'a certificate in the exchange is expired (SEC_E_CERT_EXPIRED)',
  CertUnknown: 'a certificate could not be processed (SEC_E_CERT_UNKNOWN)',
  AlgorithmMismatch: 'client and server share no cipher suite or algorithm (SEC_E_ALGORITHM_MISMATCH)',
  TLS1_0NotSupported: 'the internal transport certificate cannot be used with the TLS version negotiated; Exchange reports this when its TLS-bound Exchange authentication cannot start',
  UnexpectedExchangeAuthBlob: 'the Exchange authentication (X-EXPS EXCHANGEAUTH) data from the other server could not be validated against its certificate',
  InternalError: 'the security package failed internally (SEC_E_INTERNAL_ERROR)',
  PackageNotFound: 'the security package (Kerberos/Negotiate/NTLM) is not available on this server (SEC_E_SECPKG_NOT_FOUND)',
  IllegalMessage: 'the other side sent an authentication message the security package could not parse (SEC_E_ILLEGAL_MESSAGE)',
  SocketError: 'the TCP connection was reset or dropped during the handshake',
  ContextExpired: 'the security context expired before authentication finished (SEC_E_CONTEXT_EXPIRED)',
  MessageAltered: 'the message was altered in transit (SEC_E_MESSAGE_ALTERED): a middlebox modifies the session',
  IncompleteMessage: 'the security package received a truncated message (SEC_E_INCOMPLETE_MESSAGE)',
};

/** MECHANISM_MEANINGS: the %3 mechanism names of events 2016/2017. */
export const MECHANISM_MEANINGS: Readonly<Record<string, string>> = {
  None: 'no authentication',
  Login: 'SASL LOGIN (Basic authentication: user name and password, base64)',
  Gssapi: 'Kerberos via X-EXPS GSSAPI (Exchange Server authentication)',
  Ntlm: 'NTLM via X-EXPS (Exchange Server authentication)',
  ExchangeAuth: 'X-EXPS EXCHANGEAUTH: Exchange Server authentication bound to the TLS session (SHA256), with Kerberos underneath',
};

/** statusMeaning: plain words for a status name, or undefined when unknown. */
export function statusMeaning(status: string): string | undefined {
  return SSPI_STATUS_MEANINGS[status];
}

/**
 * The Win32 names and numbers of the same statuses (an event forwarded by a monitoring tool,
 * or copied from a KB article, shows SEC_E_LOGON_DENIED or 0x8009030C instead of LogonDenied).
 */
const WIN32_STATUS: Readonly<Record<string, string>> = {
  SEC_E_LOGON_DENIED: 'LogonDenied', '0x8009030c': 'LogonDenied',
  SEC_E_UNKNOWN_CREDENTIALS: 'UnknownCredentials', '0x8009030d': 'UnknownCredentials',
  SEC_E_NO_CREDENTIALS: 'NoCredentials', '0x8009030e': 'NoCredentials',
  SEC_E_TARGET_UNKNOWN: 'TargetUnknown', '0x80090303': 'TargetUnknown',
  SEC_E_WRONG_PRINCIPAL: 'WrongPrincipal', '0x80090322': 'WrongPrincipal',
  SEC_E_TIME_SKEW: 'TimeSkew', '0x80090324': 'TimeSkew',
  SEC_E_NO_AUTHENTICATING_AUTHORITY: 'NoAuthenticatingAuthority', '0x80090311': 'NoAuthenticatingAuthority',
  SEC_E_KDC_UNKNOWN_ETYPE: 'KdcUnknownEncryptionType', '0x80090342': 'KdcUnknownEncryptionType',
  SEC_E_INVALID_TOKEN: 'InvalidToken', '0x80090308': 'InvalidToken',
  SEC_E_UNTRUSTED_ROOT: 'UntrustedRoot', '0x80090325': 'UntrustedRoot',
  SEC_E_CERT_EXPIRED: 'CertExpired', '0x80090328': 'CertExpired',
  SEC_E_CERT_UNKNOWN: 'CertUnknown', '0x80090327': 'CertUnknown',
  SEC_E_ALGORITHM_MISMATCH: 'AlgorithmMismatch', '0x80090331': 'AlgorithmMismatch',
  SEC_E_INTERNAL_ERROR: 'InternalError', '0x80090304': 'InternalError',
  SEC_E_SECPKG_NOT_FOUND: 'PackageNotFound', '0x80090305': 'PackageNotFound',
  SEC_E_ILLEGAL_MESSAGE: 'IllegalMessage', '0x80090326': 'IllegalMessage',
  SEC_E_CONTEXT_EXPIRED: 'ContextExpired', '0x80090317': 'ContextExpired',
  SEC_E_MESSAGE_ALTERED: 'MessageAltered', '0x8009030f': 'MessageAltered',
  SEC_E_INCOMPLETE_MESSAGE: 'IncompleteMessage', '0x80090318': 'IncompleteMessage',
};

/** canonicalStatus matches a status name (or its Win32 name or number) case-insensitively to its canonical spelling. */
export function canonicalStatus(s: string): string {
  const win32 = Object.entries(WIN32_STATUS).find(([k]) => k.toLowerCase() === s.toLowerCase())?.[1];
  if (win32) return win32;
  const hit = Object.keys(SSPI_STATUS_MEANINGS).find((k) => k.toLowerCase() === s.toLowerCase());
  return hit ?? s;
}

/** canonicalMechanism: "exchangeauth" → "ExchangeAuth" and so on. */
export function canonicalMechanism(s: string): string {
  const hit = Object.keys(MECHANISM_MEANINGS).find((k) => k.toLowerCase() === s.toLowerCase());
  return hit ?? s;
}
