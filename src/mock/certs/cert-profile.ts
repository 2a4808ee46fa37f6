/**
 * CertProfile names one kind of server certificate the mock smart host can present, each
 * reproducing one certificate problem smtprobe diagnoses (or, for `valid`, none).
 *
 * - `valid`: 1 year from the test intermediate, SAN = the host names.
 * - `expired`: ended 30 days before `now`.
 * - `not-yet-valid`: starts 30 days after `now`.
 * - `wrong-host`: SAN is `wrong.invalid` (RFC 6761 reserves `.invalid`), not the host names.
 * - `wildcard`: SAN is `*.<parent of hostnames[0]>`.
 * - `self-signed`: signed by its own key, not by the test CA; the server sends it alone.
 * - `missing-intermediate`: valid leaf, but the server sends the leaf without the intermediate.
 * - `weak-key`: RSA 1024-bit leaf key.
 * - `sha1-signature`: leaf signed with sha1WithRSAEncryption.
 * - `expires-soon`: ends `days` (default 5) after `now`.
 */
export type CertProfile =
  | 'valid' | 'expired' | 'not-yet-valid' | 'wrong-host' | 'wildcard' | 'self-signed'
  | 'missing-intermediate' | 'weak-key' | 'sha1-signature' | 'expires-soon';

/** CERT_PROFILES lists every CertProfile, for scenario validation and table-driven tests. */
export const CERT_PROFILES: readonly CertProfile[] = [
  'valid', 'expired', 'not-yet-valid', 'wrong-host', 'wildcard', 'self-signed',
  'missing-intermediate', 'weak-key', 'sha1-signature', 'expires-soon',
];

/**
 * SUBJECT_PATTERN: the distinguished names a leaf may be issued with (`certificateSubject`):
 * `KEY=value` pairs joined by ", " as a report prints them ("C=US, O=Contoso, CN=mail.contoso.com"),
 * with the common attribute types only and no escaped or multi-valued parts, so a name read
 * from a report is issued exactly and prints back the same.
 */
export const SUBJECT_PATTERN = /^(?:CN|O|OU|C|ST|L|DC)=[^,+=\\\r\n\u0000"<>;#]+(?:, (?:CN|O|OU|C|ST|L|DC)=[^,+=\\\r\n\u0000"<>;#]+)*$/;

/** isCertProfile narrows a string (e.g. from a scenario file) to a CertProfile. */
export function isCertProfile(s: string): s is CertProfile {
  return (CERT_PROFILES as readonly string[]).includes(s);
}

/**
 * PROFILES_NEEDING_SECLEVEL_0 are the profiles whose certificate OpenSSL 3 may refuse to load
 * into a server context: SHA-1 at Node's default security level 1 ("ca md too weak"), RSA 1024
 * at level 2 ("ee key too small"). A server presenting them must set
 * `ciphers: 'DEFAULT:@SECLEVEL=0'` in its secure context.
 */
export const PROFILES_NEEDING_SECLEVEL_0: readonly CertProfile[] = ['weak-key', 'sha1-signature'];
