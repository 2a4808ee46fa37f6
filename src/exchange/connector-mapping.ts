import { BASIC_RETIREMENT_ADVICE, connectorUsesBasicToM365 } from './basic-retirement.js';
import type { TargetInput } from '../config/target-schema.js';
import type { SendConnector, SmartHostAuthMechanism, TlsAuthLevel } from './connector-json.js';

/**
 * Send connector → probe targets. One target per smart host, probed the way Exchange would
 * talk to it (docs/domain.md, "Wire behaviour per SmartHostAuthMechanism"): the Exchange client profile, the
 * connector's port, its EHLO name, its TLS policy and its authentication policy.
 */

/** MappedTarget: the check flags for one smart host of a connector, and notes for the user. */
export interface MappedTarget {
  input: TargetInput;
  /** Things the probe cannot reproduce or the user should know (not errors). */
  notes: string[];
}

/** ConnectorMapping: every target of one connector, or why it has none. */
export interface ConnectorMapping {
  connector: SendConnector;
  targets: MappedTarget[];
  /** Set when the connector cannot be probed (e.g. DNS/MX routing without smart hosts). */
  skipped?: string;
  notes: string[];
}

export interface MappingOptions {
  /**
   * The password reference written for connectors with credentials. Default
   * `env:SMTP_PASS_<CONNECTOR>` (upper case, non-alphanumerics as `_`); the password itself
   * is never exported by Exchange and never written by smtprobe.
   */
  passwordRef?: (connector: SendConnector) => string;
}

/** AUTH policy per mechanism: Basic auth is SASL LOGIN only; the rest do not send credentials. */
const AUTH_POLICY: Record<SmartHostAuthMechanism, 'LOGIN' | 'none'> = {
  None: 'none',
  BasicAuth: 'LOGIN',
  BasicAuthRequireTLS: 'LOGIN',
  // X-EXPS (Kerberos / Exchange auth) is not something smtprobe performs; the Exchange client
  // profile checks that X-ANONYMOUSTLS / X-EXPS are offered instead.
  ExchangeServer: 'none',
  ExternalAuthoritative: 'none',
};

const VERIFY: Record<TlsAuthLevel, NonNullable<TargetInput['tlsVerify']>> = {
  EncryptionOnly: 'none',
  CertificateValidation: 'chain',
  DomainValidation: 'domain',
};

/** envName turns a connector name into an environment variable suffix ("Relay to M365" → RELAY_TO_M365). */
export function envSuffix(name: string): string {
  const s = name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  return s === '' ? 'CONNECTOR' : s;
}

/** defaultPasswordRef: `env:SMTP_PASS_<CONNECTOR>`. */
export function defaultPasswordRef(c: SendConnector): string {
  return `env:SMTP_PASS_${envSuffix(c.name)}`;
}

/** slug: a target name without spaces (probes.yaml names are single tokens). */
export function slug(s: string): string {
  const out = s.trim().replace(/\s+/g, '-').replace(/[^\p{L}\p{N}._:-]+/gu, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return out === '' ? 'connector' : out;
}

/**
 * tlsPolicy: IgnoreSTARTTLS → never TLS; RequireTLS or BasicAuthRequireTLS → STARTTLS must
 * succeed; otherwise Exchange uses STARTTLS when offered (opportunistic). Exchange has no
 * implicit-TLS client, so `implicit` never appears (docs/domain.md, "Settings that change what goes on the wire").
 */
export function tlsPolicy(c: SendConnector): NonNullable<TargetInput['tls']> {
  if (c.ignoreStartTls) return 'none';
  if (c.requireTls || c.smartHostAuthMechanism === 'BasicAuthRequireTLS') return 'starttls';
  return 'starttls-optional';
}

/**
 * verifyPolicy: TlsAuthLevel → certificate check. Without a level Exchange encrypts without
 * validating (EncryptionOnly behaviour), so the probe must not fail a certificate Exchange accepts.
 */
export function verifyPolicy(c: SendConnector): NonNullable<TargetInput['tlsVerify']> {
  return c.tlsAuthLevel ? VERIFY[c.tlsAuthLevel] : 'none';
}

/** connectorNotes: settings of the connector that the probe reproduces only partly, in words. */
function connectorNotes(c: SendConnector): string[] {
  const notes: string[] = [];
  if (!c.enabled) notes.push(`connector "${c.name}" is disabled (Enabled $false); probing it anyway`);
  if (c.forceHelo) notes.push('ForceHELO is set: Exchange sends HELO, so it never sees STARTTLS or AUTH; the probe still sends EHLO to show what the relay offers');
  if (c.smartHostAuthMechanism === 'ExchangeServer') notes.push('SmartHostAuthMechanism ExchangeServer: smtprobe does not perform X-EXPS (Kerberos/Exchange auth); it checks that the relay offers X-ANONYMOUSTLS and X-EXPS');
  if ((c.smartHostAuthMechanism === 'BasicAuth' || c.smartHostAuthMechanism === 'BasicAuthRequireTLS') && !c.userName) {
    notes.push('Basic auth without AuthenticationCredential: Exchange fails locally with 454 4.7.0 Temporary authentication failure; give a user with --user');
  }
  if ((c.smartHostAuthMechanism === 'BasicAuth' || c.smartHostAuthMechanism === 'BasicAuthRequireTLS') && c.userName?.includes('\\')) {
    notes.push(`user "${c.userName}" is in DOMAIN\\user form: Exchange sends it verbatim in AUTH LOGIN, and most relays expect an address or UPN`);
  }
  if (c.tlsAuthLevel === 'DomainValidation' && !c.tlsDomain) notes.push('TlsAuthLevel DomainValidation needs TlsDomain on a smart-host connector');
  if (c.tlsAuthLevel && !c.requireTls) notes.push('TlsAuthLevel only applies with RequireTLS $true; Exchange ignores it here, the probe applies it');
  if (connectorUsesBasicToM365(c)) notes.push(BASIC_RETIREMENT_ADVICE);
  if (c.port === 465) notes.push('Port 465 is implicit TLS, which Exchange cannot speak: it will wait for a 220 greeting that never comes');
  return notes;
}

/**
 * mapConnector turns one connector into probe targets, one per smart host (docs/domain.md, "Exchange Send connector"):
 * SmartHosts → host, Port → port, Fqdn → ehlo, SmartHostAuthMechanism → auth (LOGIN for
 * Basic, none otherwise) with the Exchange client profile, IgnoreSTARTTLS/RequireTLS → tls,
 * TlsAuthLevel → tlsVerify, TlsDomain → tlsDomain, AuthenticationCredential.UserName → user
 * with a password *reference* (env:...), never a value.
 */
export function mapConnector(c: SendConnector, opts: MappingOptions = {}): ConnectorMapping {
  const notes = connectorNotes(c);
  if (c.smartHosts.length === 0) {
    const why = c.dnsRoutingEnabled === false
      ? 'no smart hosts listed'
      : 'uses DNS (MX) routing, no smart hosts — probe the MX hosts with `smtprobe check --mx <domain>`';
    return { connector: c, targets: [], skipped: why, notes };
  }
  const auth = AUTH_POLICY[c.smartHostAuthMechanism];
  const base = slug(c.name);
  const targets = c.smartHosts.map((h): MappedTarget => {
    const input: TargetInput = {
      name: c.smartHosts.length > 1 ? `${base}-${slug(h.host)}` : base,
      host: h.host,
      port: c.port,
      client: 'exchange',
      auth,
      tls: tlsPolicy(c),
      tlsVerify: verifyPolicy(c),
      labels: { connector: c.name, smartHostAuthMechanism: c.smartHostAuthMechanism },
      connectorName: c.name,
      smartHostAuthMechanism: c.smartHostAuthMechanism,
    };
    if (c.tlsDomain && !c.tlsDomain.includes('*')) input.tlsDomain = c.tlsDomain;
    if (c.fqdn) input.ehlo = c.fqdn;
    if (auth === 'LOGIN' && c.userName) {
      input.user = c.userName;
      input.password = (opts.passwordRef ?? defaultPasswordRef)(c);
    }
    return { input, notes: [...notes] };
  });
  return { connector: c, targets, notes };
}
