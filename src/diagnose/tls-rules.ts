import type { FindingCode } from '../model/finding-codes.js';
import type { CertProblem, CertSummary, TlsData } from '../model/step-data.js';
import { TLS_VERSIONS, type TlsVersion } from '../model/target.js';
import type { FindingDraft, Rule } from './rule.js';
import { stepErrorDraft } from './step-error.js';

/** Problems that make the certificate fail verification (rather than merely weaken it). */
const VERIFY_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_HOSTNAME_MISMATCH', 'CERT_SELF_SIGNED',
  'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE', 'CERT_VERIFY_FAILED',
]);

/** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
const LEGACY: ReadonlySet<TlsVersion> = new Set<TlsVersion>(['TLSv1', 'TLSv1.1']);

/** The checks each --tls-verify level enforces (Exchange: EncryptionOnly, CertificateValidation, DomainValidation). */
const VERIFY_LEVEL_WORDS: Record<TlsData['verify'], string> = {
  none: 'none (encryption only)',
  chain: 'chain (certificate validation, no name check)',
  domain: 'domain (chain and name)',
};

function certLine(c: CertSummary, i: number): string {
  return `certificate #${i}: ${c.subject}, issued by ${c.issuer}, valid ${c.validFrom} to ${c.validTo}`;
}

function problemEvidence(d: TlsData, p: CertProblem): string[] {
  const out = [p.detail];
  const cert = p.certIndex !== undefined ? d.chain[p.certIndex] : undefined;
  if (cert && p.certIndex !== undefined) out.push(certLine(cert, p.certIndex));
  if (p.code === 'CERT_HOSTNAME_MISMATCH') {
    out.push(`name checked: ${d.servername}`);
    const leaf = d.chain[0];
    if (leaf) out.push(`names in the certificate: ${leaf.san.length > 0 ? leaf.san.join(', ') : '(no SAN)'}`);
  }
  if (p.code === 'CERT_WEAK_KEY' && cert?.keyType) out.push(`key: ${cert.keyType}${cert.keyBits ? ` ${cert.keyBits} bits` : ''}`);
  if (p.code === 'CERT_WEAK_SIGNATURE' && cert?.signatureAlgorithm) out.push(`signature: ${cert.signatureAlgorithm}`);
  return out;
}

/**
 * One finding per certificate problem, several at once (expired AND wrong host gives both).
 * A verification problem the configured level does not enforce did not stop the session,
 * so it is a warning there.
 */
const certProblemsRule: Rule = {
  id: 'tls-cert-problems',
  apply(ctx) {
    const d = ctx.data('tls');
    if (!d?.problems) return [];
    return d.problems.map((p): FindingDraft => {
      const draft: FindingDraft = { code: p.code, step: 'tls', evidence: problemEvidence(d, p), severity: p.severity };
      if (VERIFY_CODES.has(p.code)) {
        draft.evidence.push(`verification level: ${VERIFY_LEVEL_WORDS[d.verify] ?? d.verify}`);
        if (d.verifyPassed) {
          draft.severity = 'warning';
          draft.causeNotes = ['The configured verification level does not enforce this check, so the session went on; a stricter client (or TlsAuthLevel) would refuse it.'];
        }
      }
      return draft;
    });
  },
};

/** The handshake itself failed, or verification failed with a code the problems don't already carry. */
const tlsErrorRule: Rule = {
  id: 'tls-error',
  apply(ctx) {
    const r = ctx.result('tls');
    if (!r?.error) return [];
    const d = ctx.data('tls');
    if (d?.problems?.some((p) => p.code === r.error?.code)) return [];
    const evidence: string[] = [];
    if (d?.alert) evidence.push(`TLS alert from the server: ${d.alert}`);
    if (d?.protocol) evidence.push(`protocol: ${d.protocol}`);
    if (r.error.code === 'CLIENT_CERT_REQUIRED' || r.error.code === 'CLIENT_CERT_REJECTED') {
      evidence.push(`client certificate sent: ${d?.clientCertSent ? 'yes' : 'no'}`);
    }
    const scan = ctx.data('tls-scan');
    if (scan?.versions && (r.error.code === 'TLS_VERSION_MISMATCH' || r.error.code === 'TLS_HANDSHAKE_FAILED')) {
      evidence.push(`server accepts: ${versionList(TLS_VERSIONS.filter((v) => scan.versions.some((x) => x.version === v && x.accepted)))}`);
    }
    const min = ctx.target.tlsMin;
    const max = ctx.target.tlsMax;
    if (min || max) evidence.push(`client allows: ${min ?? 'any'} to ${max ?? 'any'}`);
    const draft = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    if (d?.alert && /internal[_ ]?error/i.test(d.alert) && (r.error.code === 'TLS_HANDSHAKE_FAILED' || r.error.code === 'TLS_VERSION_MISMATCH')) {
      // The server's own TLS broke (it said so with internal_error): nothing on the client helps.
      draft.code = 'TLS_HANDSHAKE_FAILED';
      draft.cause = 'The server aborted the handshake with an internal_error alert: its own TLS setup failed (a certificate or key it cannot read or use, a broken pki/ssl configuration, an entropy or library failure), not anything this client offered.';
      draft.fix = ['Fix TLS on the server: check that its certificate and key are readable by the daemon and belong together, and read its log at the time of this probe.'];
      draft.replaceFix = true;
    }
    if (r.error.code === 'NOT_SMTP') {
      draft.cause = 'A TLS handshake was expected (implicit TLS) but the server answered in plaintext: this port speaks SMTP with STARTTLS.';
      draft.fix = ['Probe with --tls starttls (ports 587 and 25 use STARTTLS; 465 uses implicit TLS).'];
      draft.replaceFix = true;
    }
    return [draft];
  },
};

/** A negotiated TLS 1.0/1.1 session means the server still accepts them. */
const legacyNegotiatedRule: Rule = {
  id: 'tls-legacy-negotiated',
  apply(ctx) {
    const p = ctx.data('tls')?.protocol;
    if (!p || !LEGACY.has(p as TlsVersion)) return [];
    return [{ code: 'TLS_LEGACY_PROTOCOL', step: 'tls', evidence: [`negotiated protocol: ${p}`] }];
  },
};

function versionList(vs: readonly TlsVersion[]): string {
  return vs.length > 0 ? vs.join(', ') : '(none)';
}

/** The version scan: legacy versions accepted; none of the allowed versions accepted. */
const tlsScanRule: Rule = {
  id: 'tls-scan',
  apply(ctx) {
    const r = ctx.result('tls-scan');
    const d = ctx.data('tls-scan');
    const out: FindingDraft[] = [];
    if (d?.versions) {
      const accepted = TLS_VERSIONS.filter((v) => d.versions.some((x) => x.version === v && x.accepted));
      const scanned = `server accepts: ${versionList(accepted)}`;
      const legacy = accepted.filter((v) => LEGACY.has(v));
      if (legacy.length > 0) out.push({ code: 'TLS_LEGACY_PROTOCOL', step: 'tls-scan', evidence: [scanned] });
      const allowed = d.allowed ?? [];
      if (accepted.length > 0 && allowed.length > 0 && !accepted.some((v) => allowed.includes(v))) {
        out.push({
          code: 'TLS_VERSION_MISMATCH',
          step: 'tls-scan',
          evidence: [scanned, `client allows: ${versionList(allowed)}`],
          causeNotes: [`The server accepts ${versionList(accepted)}; this client allows only ${versionList(allowed)}.`],
        });
      }
    }
    const err = r ? stepErrorDraft(ctx, r) : undefined;
    if (err && !out.some((f) => f.code === err.code)) out.push(err);
    return out;
  },
};

/** TLS_RULES: handshake, certificate problems, protocol versions. */
export const TLS_RULES: readonly Rule[] = [tlsErrorRule, certProblemsRule, legacyNegotiatedRule, tlsScanRule];
