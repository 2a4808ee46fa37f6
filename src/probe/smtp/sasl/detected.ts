import { DETECTED_ONLY_MECHANISMS } from '../../../model/target.js';

/** DetectedMechanism: a mechanism smtprobe recognises when offered but does not run. */
export type DetectedMechanism = (typeof DETECTED_ONLY_MECHANISMS)[number];

/**
 * Why each recognised mechanism is not attempted: both need a Windows/Kerberos security
 * context (MS-SMTPNTLM; RFC 4752, which Exchange wraps as `X-EXPS GSSAPI` with SPN
 * `SMTPSVC/<host>`), which a probe cannot hold without domain credentials.
 */
export const DETECTED_MECHANISM_NOTES: Readonly<Record<DetectedMechanism, string>> = {
  NTLM: 'NTLM (MS-SMTPNTLM) needs a Windows security context; detected, not attempted',
  GSSAPI: 'GSSAPI (RFC 4752) needs a Kerberos ticket for SMTPSVC/<host>; detected, not attempted',
};

/** isDetectedOnly: whether `name` is a mechanism recognised but never attempted. */
export function isDetectedOnly(name: string): name is DetectedMechanism {
  return (DETECTED_ONLY_MECHANISMS as readonly string[]).includes(name.toUpperCase());
}
