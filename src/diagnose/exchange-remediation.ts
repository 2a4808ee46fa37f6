import type { FindingCode } from '../model/finding-codes.js';
import type { ExchangeFix } from '../model/report.js';
import type { TlsVersion } from '../model/target.js';
import { credentialArg, psString, setSendConnector } from './powershell.js';
import type { RuleContext } from './rule.js';
import { inspectionHints } from './smtp-rules.js';

/**
 * Exchange remediation: for each finding code that an Exchange admin fixes with a Send
 * connector setting (docs/domain.md, "Exchange Send connector" and "Root causes"), the setting and the exact PowerShell line, using
 * the connector's name when the target came from a connector, else `"<connector name>"`.
 * Codes whose fix lies only on the relay have no entry.
 */
type Remedy = (ctx: RuleContext) => ExchangeFix | undefined;

/** The STARTTLS port to suggest instead of the one probed. */
function starttlsPort(port: number): number {
  return port === 587 ? 25 : 587;
}

const port: Remedy = (ctx) => ({
  setting: 'Port',
  command: setSendConnector(ctx.target, `-Port ${starttlsPort(ctx.target.port)}`),
});

/** Only for port 465 (implicit TLS): Exchange cannot speak it, so 587 is the answer. */
const portIfImplicit: Remedy = (ctx) => (ctx.target.port === 465 || ctx.target.tls === 'implicit' ? port(ctx) : undefined);

const requireTlsAuth: Remedy = (ctx) => ({
  setting: 'SmartHostAuthMechanism',
  command: setSendConnector(ctx.target, '-SmartHostAuthMechanism BasicAuthRequireTLS -IgnoreSTARTTLS $false'),
});

const credential: Remedy = (ctx) => ({
  setting: 'AuthenticationCredential',
  command: setSendConnector(ctx.target, `-AuthenticationCredential ${credentialArg(ctx.target.user)}`),
});

/** For certificate failures the relay must fix, EncryptionOnly keeps mail flowing meanwhile. */
const encryptionOnlyStopGap: Remedy = (ctx) => ({
  setting: 'TlsAuthLevel',
  command: setSendConnector(ctx.target, '-RequireTLS $true -TlsAuthLevel EncryptionOnly  # stop-gap only, until the relay\'s certificate is fixed'),
});

const trustRoot: Remedy = () => ({
  setting: 'Trusted Root Certification Authorities (local computer)',
  command: 'Import-Certificate -FilePath "C:\\certs\\relay-root.cer" -CertStoreLocation Cert:\\LocalMachine\\Root',
});

/** The name to put in TlsDomain: a non-wildcard name the presented certificate covers. */
function certName(ctx: RuleContext): string {
  const leaf = ctx.data('tls')?.chain?.[0];
  // SANs may come as "DNS:name" (Node's subjectaltname form); IP entries cannot be a TlsDomain.
  const names = (leaf?.san ?? []).filter((n) => !/^IP( Address)?:/i.test(n)).map((n) => n.replace(/^DNS:/i, '').trim());
  return names.find((n) => n !== '' && !n.includes('*')) ?? '<name on the relay certificate>';
}

const LEGACY_MAX: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1'];

/**
 * SCHANNEL's TLS 1.2 client switch is a server setting, not a connector one; it is the fix
 * when the Exchange side is the old one (client capped below TLS 1.2).
 */
const schannelTls12: Remedy = (ctx) => {
  const max = ctx.target.tlsMax;
  if (max === undefined || !LEGACY_MAX.includes(max)) return undefined;
  const key = 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client';
  return {
    setting: 'SCHANNEL TLS 1.2 client (server-wide; reboot after)',
    command: `$k = '${key}'; New-Item $k -Force | Out-Null; Set-ItemProperty $k -Name Enabled -Value 1 -Type DWord; Set-ItemProperty $k -Name DisabledByDefault -Value 0 -Type DWord`,
  };
};

/** EXCHANGE_REMEDIATION: finding code → the Send connector (or server) fix. */
export const EXCHANGE_REMEDIATION: Partial<Record<FindingCode, Remedy>> = {
  DNS_NXDOMAIN: (ctx) => ({
    setting: 'SmartHosts',
    command: setSendConnector(ctx.target, `-SmartHosts ${psString('<smart host FQDN>')} -DNSRoutingEnabled $false`),
  }),
  DNS_NO_ADDRESS: (ctx) => ({
    setting: 'SmartHosts',
    command: setSendConnector(ctx.target, `-SmartHosts ${psString('<smart host FQDN>')} -DNSRoutingEnabled $false`),
  }),
  TCP_REFUSED: port,
  TCP_TIMEOUT: port,
  BANNER_TIMEOUT: portIfImplicit,
  NOT_SMTP: port,
  TLS_ON_CONNECT_EXPECTED: (ctx) => ({ setting: 'Port', command: setSendConnector(ctx.target, '-Port 587') }),
  IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE: (ctx) => ({ setting: 'Port', command: setSendConnector(ctx.target, '-Port 587') }),
  EHLO_REJECTED: (ctx) => ({
    setting: 'Fqdn',
    command: setSendConnector(ctx.target, `-Fqdn ${psString('<public FQDN of this server>')}`),
  }),
  // Not offered on 25 usually means "use submission"; on 587 the relay itself lacks TLS, and a
  // firewall masking the verb is fixed on the firewall — no connector setting helps then.
  STARTTLS_NOT_OFFERED: (ctx) => (ctx.target.port === 587 || inspectionHints(ctx).length > 0 ? undefined : port(ctx)),
  TLS_VERSION_MISMATCH: schannelTls12,
  TLS_HANDSHAKE_FAILED: schannelTls12,
  CERT_HOSTNAME_MISMATCH: (ctx) => ({
    setting: 'TlsDomain',
    command: setSendConnector(ctx.target, `-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain ${psString(certName(ctx))}`),
  }),
  CERT_UNTRUSTED_ROOT: trustRoot,
  CERT_SELF_SIGNED: trustRoot,
  CERT_CHAIN_INCOMPLETE: () => ({
    setting: 'Intermediate Certification Authorities (local computer)',
    command: 'Import-Certificate -FilePath "C:\\certs\\relay-intermediate.cer" -CertStoreLocation Cert:\\LocalMachine\\CA',
  }),
  CERT_EXPIRED: encryptionOnlyStopGap,
  CERT_NOT_YET_VALID: encryptionOnlyStopGap,
  CERT_VERIFY_FAILED: encryptionOnlyStopGap,
  CLIENT_CERT_REQUIRED: (ctx) => ({
    setting: 'TlsCertificateName',
    command: setSendConnector(ctx.target, `-TlsCertificateName ${psString('<I>CN=<issuer><S>CN=<subject>')}`),
  }),
  CLIENT_CERT_REJECTED: (ctx) => ({
    setting: 'TlsCertificateName',
    command: setSendConnector(ctx.target, `-TlsCertificateName ${psString('<I>CN=<issuer><S>CN=<subject>')}`),
  }),
  AUTH_NOT_OFFERED: (ctx) => (ctx.target.port === 25
    ? port(ctx)
    : {
      setting: 'SmartHostAuthMechanism',
      command: setSendConnector(ctx.target, '-SmartHostAuthMechanism None  # only if the relay accepts this server by IP address'),
    }),
  AUTH_ONLY_AFTER_STARTTLS: (ctx) => ({
    setting: 'IgnoreSTARTTLS',
    command: setSendConnector(ctx.target, '-IgnoreSTARTTLS $false -SmartHostAuthMechanism BasicAuthRequireTLS'),
  }),
  AUTH_MUST_STARTTLS: requireTlsAuth,
  AUTH_ENCRYPTION_REQUIRED: requireTlsAuth,
  AUTH_PLAINTEXT_REFUSED: requireTlsAuth,
  AUTH_PLAINTEXT_ADVERTISED: requireTlsAuth,
  AUTH_CREDENTIALS_REJECTED: credential,
  AUTH_APP_PASSWORD_REQUIRED: credential,
  AUTH_DISABLED_BY_PROVIDER: (ctx) => ({
    setting: 'SmtpClientAuthenticationDisabled (Exchange Online, mailbox)',
    command: `Set-CASMailbox -Identity ${psString(ctx.target.user ?? '<mailbox>')} -SmtpClientAuthenticationDisabled $false`,
  }),
  RELAY_DENIED: (ctx) => (ctx.data('auth')?.attempted
    ? undefined
    : {
      setting: 'SmartHostAuthMechanism',
      command: setSendConnector(ctx.target, `-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential ${credentialArg(ctx.target.user)}`),
    }),
};

/** exchangeFixFor looks up the remediation of one code for this report. */
export function exchangeFixFor(code: FindingCode, ctx: RuleContext): ExchangeFix | undefined {
  return EXCHANGE_REMEDIATION[code]?.(ctx);
}
