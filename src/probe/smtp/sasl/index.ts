import { ATTEMPTABLE_MECHANISMS, type ClientProfile, type MechanismName } from '../../../model/target.js';
import { CramMd5Mechanism } from './cram-md5.js';
import { LoginMechanism } from './login.js';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { OauthBearerMechanism } from './oauthbearer.js';
import { PlainMechanism } from './plain.js';
import { Xoauth2Mechanism } from './xoauth2.js';

export type { SaslCredentials, SaslMechanism, SaslStep, ServerInfo } from './mechanism.js';
export { DETECTED_MECHANISM_NOTES, isDetectedOnly } from './detected.js';

/** One constructor per mechanism: a table, not a switch on built strings (docs/design.md, "Code conventions"). */
const MECHANISMS: Readonly<Record<MechanismName, new (creds: SaslCredentials) => SaslMechanism>> = {
  PLAIN: PlainMechanism,
  LOGIN: LoginMechanism,
  'CRAM-MD5': CramMd5Mechanism,
  XOAUTH2: Xoauth2Mechanism,
  OAUTHBEARER: OauthBearerMechanism,
};

/** What each mechanism needs from the user. */
const NEEDS: Readonly<Record<MechanismName, 'password' | 'token'>> = {
  PLAIN: 'password',
  LOGIN: 'password',
  'CRAM-MD5': 'password',
  XOAUTH2: 'token',
  OAUTHBEARER: 'token',
};

/**
 * Preference for `--auth auto`, strongest first. A token (the user went to the trouble of
 * getting one) beats a password; OAUTHBEARER is the standard form of XOAUTH2. Among password
 * mechanisms CRAM-MD5 keeps the password off the wire; PLAIN comes before LOGIN because it
 * takes one round trip instead of two (both are equally exposed, and both need TLS).
 */
const PREFERENCE: readonly MechanismName[] = ['OAUTHBEARER', 'XOAUTH2', 'CRAM-MD5', 'PLAIN', 'LOGIN'];

/** createMechanism: a fresh mechanism object for one AUTH exchange. */
export function createMechanism(name: MechanismName, creds: SaslCredentials): SaslMechanism {
  return new MECHANISMS[name](creds);
}

/**
 * MechanismChoice: the outcome of negotiation. `usable` lists the offered mechanisms
 * smtprobe can run under the profile, in preference order, whatever the credentials;
 * `detectedOnly` the offered ones it cannot run (NTLM, GSSAPI, SCRAM-*, ...), in offer order;
 * `mechanism` is the one to use, or `reason` says why there is none.
 */
export interface MechanismChoice {
  mechanism?: MechanismName;
  usable: MechanismName[];
  detectedOnly: string[];
  reason?: 'not-offered' | 'no-common-mechanism' | 'no-credentials';
}

/**
 * chooseMechanism picks the SASL mechanism for AUTH.
 * - `offered`: mechanisms from the EHLO `AUTH` line (Capabilities.auth; for the `exchange`
 *   profile never authLegacy, since Exchange ignores `AUTH=` lines).
 * - `policy`: `auto` takes the strongest usable one the credentials allow (PREFERENCE);
 *   a named mechanism is used only if offered.
 * - `profile`: `exchange` behaves as Exchange's Send connector (docs/domain.md): only LOGIN, and only
 *   when the token LOGIN is on the AUTH line.
 * Reasons are checked in the order no-credentials, not-offered, no-common-mechanism.
 */
export function chooseMechanism(
  offered: string[],
  policy: 'auto' | MechanismName,
  creds: { hasPassword: boolean; hasToken: boolean },
  profile: ClientProfile,
): MechanismChoice {
  const names = [...new Set(offered.map((m) => m.toUpperCase()))];
  const attemptable = new Set<string>(ATTEMPTABLE_MECHANISMS);
  const detectedOnly = names.filter((m) => !attemptable.has(m));
  const allowed: readonly MechanismName[] = profile === 'exchange' ? ['LOGIN'] : PREFERENCE;
  const usable = allowed.filter((m) => names.includes(m));
  const choice: MechanismChoice = { usable, detectedOnly };

  const has = (m: MechanismName): boolean => (NEEDS[m] === 'password' ? creds.hasPassword : creds.hasToken);
  if (!creds.hasPassword && !creds.hasToken) return { ...choice, reason: 'no-credentials' };
  if (names.length === 0) return { ...choice, reason: 'not-offered' };

  if (policy !== 'auto') {
    if (!usable.includes(policy)) return { ...choice, reason: 'no-common-mechanism' };
    return has(policy) ? { ...choice, mechanism: policy } : { ...choice, reason: 'no-credentials' };
  }
  const mechanism = usable.find(has);
  return mechanism === undefined ? { ...choice, reason: 'no-common-mechanism' } : { ...choice, mechanism };
}
