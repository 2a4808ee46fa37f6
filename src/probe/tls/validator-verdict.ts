import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { CertProblem, ValidatorVerdict } from '../../model/step-data.js';
import type { TlsVerify } from '../../model/target.js';
import { verifyPasses, type ChainAnalysis } from './cert-analysis.js';
import type { NameVerdict, RememberedAcceptance } from './verdict-memory.js';

/**
 * OpenSSL's verify errors (X509_V_ERR_*, as Node names them in `authorizationError`), in words.
 * The ones not listed are shown by their name.
 */
const OPENSSL_REASONS: Record<string, string> = {
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate could not be found',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'no path to a trusted root: an issuer is neither sent nor trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the leaf\'s issuer is neither sent nor trusted',
  CERT_SIGNATURE_FAILURE: 'a certificate signature does not verify',
  CERT_NOT_YET_VALID: 'a certificate of the path is not yet valid',
  CERT_HAS_EXPIRED: 'a certificate of the path has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends at a self-signed root that is not trusted',
  CERT_CHAIN_TOO_LONG: 'the chain is too long',
  INVALID_CA: 'a certificate acting as a CA is not one',
  PATH_LENGTH_EXCEEDED: 'a CA\'s path length constraint is exceeded',
  INVALID_PURPOSE: 'a certificate is not for TLS server authentication',
  CERT_UNTRUSTED: 'the root is not trusted for this purpose',
  CERT_REJECTED: 'the root is marked to reject this purpose',
  UNHANDLED_CRITICAL_EXTENSION: 'a certificate has a critical extension OpenSSL cannot process',
  PERMITTED_VIOLATION: 'a name is outside a CA\'s permitted name constraints',
  EXCLUDED_VIOLATION: 'a name is inside a CA\'s excluded name constraints',
  SUBTREE_MINMAX: 'a name constraint uses minimum/maximum, which is not supported',
  UNSUPPORTED_CONSTRAINT_TYPE: 'a name constraint has an unsupported type',
  UNSUPPORTED_CONSTRAINT_SYNTAX: 'a name constraint has an unsupported syntax',
  UNSUPPORTED_NAME_SYNTAX: 'a name has an unsupported syntax',
  NAME_CONSTRAINTS_WITHOUT_SANS: 'a name-constrained chain has a leaf without subjectAltName',
  CA_KEY_TOO_SMALL: 'a CA key is too small for OpenSSL\'s security level',
  EE_KEY_TOO_SMALL: 'the leaf key is too small for OpenSSL\'s security level',
  CA_MD_TOO_WEAK: 'a certificate is signed with a digest too weak for OpenSSL\'s security level',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'a certificate has a malformed notBefore date',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'a certificate has a malformed notAfter date',
  INVALID_EXTENSION: 'a certificate has an invalid extension',
  INVALID_NON_CA: 'a non-CA certificate has CA-only properties',
  KEYUSAGE_NO_CERTSIGN: 'an issuer\'s key usage does not allow signing certificates',
  AKID_SKID_MISMATCH: 'an authority key identifier does not match its issuer',
};

/**
 * validatorVerdict: what the established validators say of the server's certificate —
 * OpenSSL's RFC 5280 path validation, run by Node during the handshake against the context's
 * trust store (`authorized`/`authorizationError`), and, for the `domain` level, Node's
 * `tls.checkServerIdentity` (RFC 6125) for the name.
 *
 * @param nodeView the leaf as Node already converted it during the handshake (the argument
 *   of its checkServerIdentity hook, given only when OpenSSL accepted); else it is converted here.
 */
export function validatorVerdict(socket: tls.TLSSocket, leaf: X509Certificate | undefined, servername: string, nodeView?: tls.PeerCertificate): ValidatorVerdict {
  const v: ValidatorVerdict = { engine: 'openssl', version: process.versions.openssl, chainAccepted: socket.authorized };
  if (!socket.authorized) v.error = String(socket.authorizationError ?? 'UNKNOWN');
  if (!leaf) {
    v.hostnameAccepted = false;
    v.hostnameError = 'no certificate';
    return v;
  }
  return withName(v, nameVerdict(leaf, servername, nodeView));
}

/**
 * recalledVerdict: OpenSSL's remembered acceptance of the chain the server presented (the same
 * bytes: see VerdictMemory), with Node's name check — remembered per name as well.
 */
export function recalledVerdict(r: RememberedAcceptance, leaf: X509Certificate, servername: string): ValidatorVerdict {
  let name = r.names.get(servername);
  if (!name) {
    name = nameVerdict(leaf, servername);
    r.names.set(servername, name);
  }
  return withName({ engine: 'openssl', version: r.version, chainAccepted: true, verifiedAt: new Date(r.verifiedAt).toISOString() }, name);
}

/** nameVerdict: Node's tls.checkServerIdentity (RFC 6125) on the leaf for the name asked. */
export function nameVerdict(leaf: X509Certificate, servername: string, nodeView?: tls.PeerCertificate): NameVerdict {
  try {
    const err = tls.checkServerIdentity(servername.replace(/^\[|\]$/g, ''), nodeView ?? leaf.toLegacyObject());
    return err ? { accepted: false, error: err.message } : { accepted: true };
  } catch (err) {
    return { accepted: false, error: (err as Error).message };
  }
}

function withName(v: ValidatorVerdict, name: NameVerdict): ValidatorVerdict {
  v.hostnameAccepted = name.accepted;
  if (name.error !== undefined) v.hostnameError = name.error;
  return v;
}

/** GateVerdict: the certificate verdict both judges agree on. */
export interface GateVerdict {
  problems: CertProblem[];
  verifyPassed: boolean;
  /** Chain trusted and valid by both judges (the name aside). */
  authorized: boolean;
}

/**
 * gate: the certificate passes the configured level only when our analysis finds no failing
 * problem AND the validator accepts (chain; and name for `domain`). Our analysis names every
 * problem; when the validator rejects for a reason our analysis has no failing problem for,
 * its own reason is added as CERT_VERIFY_FAILED (or CERT_HOSTNAME_MISMATCH for the name), so
 * the verdict never passes on our word alone.
 */
export function gate(analysis: ChainAnalysis, validator: ValidatorVerdict | undefined, verify: TlsVerify): GateVerdict {
  const problems = [...analysis.problems];
  if (validator && !validator.chainAccepted && verifyPasses(problems, 'chain')) {
    const code = validator.error ?? 'UNKNOWN';
    problems.push({ code: 'CERT_VERIFY_FAILED', severity: 'critical', detail: `OpenSSL rejects the chain: ${code} (${OPENSSL_REASONS[code] ?? 'see OpenSSL\'s verify documentation'})` });
  }
  if (validator && verify === 'domain' && validator.hostnameAccepted === false && !problems.some((p) => p.code === 'CERT_HOSTNAME_MISMATCH')) {
    problems.push({ code: 'CERT_HOSTNAME_MISMATCH', severity: 'critical', certIndex: 0, detail: `Node's name check rejects the certificate: ${validator.hostnameError ?? 'no reason given'}` });
  }
  const authorized = verifyPasses(problems, 'chain') && (validator?.chainAccepted ?? false);
  const verifyPassed = verify === 'none' || (verifyPasses(problems, verify) && validator !== undefined
    && validator.chainAccepted && (verify !== 'domain' || validator.hostnameAccepted === true));
  return { problems, verifyPassed, authorized };
}
