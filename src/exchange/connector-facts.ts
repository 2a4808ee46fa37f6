import type { RankedCause } from './cause-ranking.js';
import { mechanismFamily } from './cause-ranking.js';
import type { CauseCode } from './causes.js';
import type { SendConnector } from './connector-json.js';

/**
 * A Send connector's exported settings are facts, not guesses: a cause that needs another
 * setting (Kerberos on a Basic-auth connector, IgnoreSTARTTLS on one that has it off, port
 * 465 on a connector using 587) cannot be the cause, whatever the input's wording suggests.
 */

/** ExcludedCause: a cause the connector's settings rule out, and the setting that does. */
export interface ExcludedCause {
  code: CauseCode;
  because: string;
}

const KERBEROS_CAUSES: ReadonlySet<CauseCode> = new Set<CauseCode>([
  'KERBEROS_NEGOTIATE_FAILED', 'KERBEROS_CLOCK_SKEW', 'KERBEROS_SPN', 'KERBEROS_DC_UNREACHABLE',
  'KERBEROS_LOGON_DENIED', 'KERBEROS_ENCTYPE', 'EXCHANGE_AUTH_TO_NON_EXCHANGE',
]);

const BASIC_CAUSES: ReadonlySet<CauseCode> = new Set<CauseCode>([
  'BASIC_CREDENTIAL_UNUSABLE', 'RELAY_NO_AUTH_LOGIN', 'AUTH_ONLY_AFTER_TLS_NOT_USED', 'CREDENTIALS_REJECTED',
]);

/** Events that are about the internal transport certificate itself, whatever the connector does. */
const CERT_EVENTS = new Set([12013, 12024]);

/** excludedBy: the connector setting that contradicts a cause, or undefined when none does. */
function excludedBy(code: CauseCode, c: SendConnector, eventId: number | undefined): string | undefined {
  const mech = c.smartHostAuthMechanism;
  const fam = mechanismFamily(mech);
  const named = `SmartHostAuthMechanism is ${mech}`;
  if (fam !== 'kerberos' && KERBEROS_CAUSES.has(code)) return `${named}: the connector does no Exchange Server (Kerberos) authentication`;
  if (fam !== 'kerberos' && code === 'INTERNAL_TRANSPORT_CERT' && !CERT_EVENTS.has(eventId ?? 0)) return `${named}: the internal transport certificate only matters for Exchange Server authentication`;
  if (fam === 'kerberos' && BASIC_CAUSES.has(code)) return `${named}: the connector does not use Basic (LOGIN) authentication`;
  if (fam === undefined && (BASIC_CAUSES.has(code) || code === 'CREDENTIAL_UNUSABLE')) return `${named}: the connector sends no credential`;
  if (fam === 'basic' && code === 'CREDENTIAL_UNUSABLE') return `${named}: the Basic-auth form of this cause (BASIC_CREDENTIAL_UNUSABLE) applies instead`;
  if (fam === 'basic' && c.userName && code === 'AUTH_NOT_CONFIGURED') return `${named} with user ${c.userName}: the connector does authenticate`;
  if (code === 'AUTH_ONLY_AFTER_TLS_NOT_USED' && mech === 'BasicAuthRequireTLS' && !c.ignoreStartTls) {
    return 'SmartHostAuthMechanism is BasicAuthRequireTLS and IgnoreSTARTTLS is $false: Exchange always starts TLS before AUTH, so a failing TLS would be the cause, not this';
  }
  if (code === 'PORT_465_IMPLICIT_TLS' && c.port !== 465) return `the connector's Port is ${c.port}, not 465`;
  if (code === 'STARTTLS_HIDDEN' && !c.requireTls && mech !== 'BasicAuthRequireTLS') return 'neither RequireTLS nor BasicAuthRequireTLS is set: Exchange does not insist on STARTTLS';
  if (code === 'REMOTE_CERT_UNTRUSTED' && (!c.requireTls || c.tlsAuthLevel === 'EncryptionOnly' || c.tlsAuthLevel === undefined)) {
    return `the connector does not check the smart host's certificate (RequireTLS ${c.requireTls ? '$true' : '$false'}, TlsAuthLevel ${c.tlsAuthLevel ?? 'unset'})`;
  }
  return undefined;
}

/** Why a kept cause is still a candidate, in the connector's own terms. */
function annotate(rc: RankedCause, c: SendConnector): RankedCause {
  if (rc.code === 'BASIC_CREDENTIAL_UNUSABLE' && c.userName) {
    return { ...rc, because: `${rc.because}; the connector has user ${c.userName}, so its stored password (or the user name's form) is the suspect` };
  }
  if (rc.code === 'BASIC_CREDENTIAL_UNUSABLE' && !c.userName) {
    return { ...rc, because: `${rc.because}; the connector export shows no user name: no credential is configured` };
  }
  return rc;
}

/**
 * applyConnectorFacts: the ranked causes a connector's settings allow, in their order, plus
 * the ones they rule out (shown to the admin so the omission is not silent). The Basic-auth
 * credential cause replaces the Negotiate one on a Basic-auth connector.
 */
export function applyConnectorFacts(ranked: readonly RankedCause[], c: SendConnector, eventId?: number): { kept: RankedCause[]; excluded: ExcludedCause[] } {
  const kept: RankedCause[] = [];
  const excluded: ExcludedCause[] = [];
  for (const rc of ranked) {
    if (rc.code === 'CREDENTIAL_UNUSABLE' && mechanismFamily(c.smartHostAuthMechanism) === 'basic' && !ranked.some((x) => x.code === 'BASIC_CREDENTIAL_UNUSABLE')) {
      if (!kept.some((k) => k.code === 'BASIC_CREDENTIAL_UNUSABLE')) kept.push(annotate({ ...rc, code: 'BASIC_CREDENTIAL_UNUSABLE' }, c));
      continue;
    }
    const why = excludedBy(rc.code, c, eventId);
    if (why) excluded.push({ code: rc.code, because: why });
    else kept.push(annotate(rc, c));
  }
  return { kept, excluded };
}
