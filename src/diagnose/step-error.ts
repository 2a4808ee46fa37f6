import { AUTH_CODES, RELAY_CODES, type FindingCode } from '../model/finding-codes.js';
import type { StepName, StepResult } from '../model/report.js';
import { replyText } from '../model/smtp-reply.js';
import type { SmtpReply } from '../model/step-data.js';
import { CATALOG } from './catalog.js';
import { commandEvidence, replyEvidence, stepErrorEvidence } from './evidence.js';
import { matchProviderSignature } from './provider-signatures.js';
import { sameFamily, serverOf, signatureSoftware } from './server-identity.js';
import { statusSeverity, type FindingDraft, type RuleContext } from './rule.js';

/**
 * SIGNATURE_SCOPE: the codes a provider signature may turn a step's error into. A reply's
 * meaning depends on the command it answers: "530 Authentication required" after MAIL means
 * the relay wants AUTH, but the same code after AUTH keeps the step's own reading.
 */
const SIGNATURE_SCOPE: Partial<Record<StepName, ReadonlySet<FindingCode>>> = {
  auth: new Set<FindingCode>([...AUTH_CODES, 'TLS_VERSION_MISMATCH']),
  mail: new Set<FindingCode>([...RELAY_CODES, 'AUTH_MUST_STARTTLS', 'AUTH_DISABLED_BY_PROVIDER', 'TLS_VERSION_MISMATCH']),
  rcpt: new Set<FindingCode>([...RELAY_CODES, 'AUTH_MUST_STARTTLS', 'AUTH_DISABLED_BY_PROVIDER']),
  starttls: new Set<FindingCode>(['STARTTLS_REJECTED', 'TLS_VERSION_MISMATCH', 'CLIENT_CERT_REJECTED']),
  ehlo: new Set<FindingCode>(['TLS_VERSION_MISMATCH']),
  'ehlo-tls': new Set<FindingCode>(['TLS_VERSION_MISMATCH']),
  banner: new Set<FindingCode>(['TLS_VERSION_MISMATCH']),
};

/** Codes any dialogue step can end with; the finding names the step. */
const PHASE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(['PHASE_TIMEOUT', 'CONNECTION_DROPPED', 'PROTOCOL_VIOLATION']);

/** The SMTP verb each dialogue step sends, for quoting the command next to its reply. */
const STEP_VERB: Partial<Record<StepName, string>> = {
  ehlo: 'EHLO', 'ehlo-tls': 'EHLO', starttls: 'STARTTLS', auth: 'AUTH', mail: 'MAIL', rcpt: 'RCPT', quit: 'QUIT',
};

/**
 * stepReply returns the reply that made a step fail, from the step's typed data: the one
 * reply of most steps, the first refused recipient for RCPT.
 */
export function stepReply(ctx: RuleContext, step: StepName): SmtpReply | undefined {
  switch (step) {
    case 'banner': return ctx.data('banner')?.reply;
    case 'ehlo': return ctx.data('ehlo')?.reply;
    case 'ehlo-tls': return ctx.data('ehlo-tls')?.reply;
    case 'starttls': return ctx.data('starttls')?.reply;
    case 'auth': return ctx.data('auth')?.reply;
    case 'mail': return ctx.data('mail')?.reply;
    case 'rcpt': {
      const d = ctx.data('rcpt');
      return d?.rcpt?.find((r) => r.reply.code >= 400)?.reply ?? d?.reply;
    }
    case 'quit': return ctx.data('quit')?.reply;
    default: return undefined;
  }
}

/**
 * refineByReply builds the draft for a reply-caused failure: the provider signature's code
 * and words when one matches (and fits the step), else `fallback` with the catalog's words.
 */
export function refineByReply(
  ctx: RuleContext,
  step: StepName,
  reply: SmtpReply,
  fallback: FindingCode,
  evidence: string[] = [],
): FindingDraft {
  const verb = STEP_VERB[step];
  const quoted = [...evidence, ...(verb ? commandEvidence(ctx, verb) : []), ...replyEvidence(ctx, reply)];
  const found = matchProviderSignature(reply, ctx.target.host);
  // A signature written for one server's wording does not explain another server's reply.
  const mine = found ? signatureSoftware(found.provider) : undefined;
  const server = mine ? serverOf(ctx) : undefined;
  const sig = found && !(mine && server && !sameFamily(mine, server.software)) ? found : undefined;
  if (!sig || !SIGNATURE_SCOPE[step]?.has(sig.code)) return { code: fallback, step, evidence: quoted };
  const draft: FindingDraft = {
    code: sig.keepsStepCode?.includes(fallback) ? fallback : sig.code,
    step,
    evidence: [...quoted, `reply signature: ${sig.provider} (${sig.id})`],
    title: sig.title,
    cause: sig.cause,
    fix: sig.fix,
    replaceFix: true,
    signature: sig,
  };
  const ex = sig.exchange?.(ctx.target);
  if (ex) draft.exchange = ex;
  return draft;
}

/** Steps whose 4xx replies are transient refusals of this one attempt (greylisting, throttling, a backend down). */
const TRANSIENT_STEPS: ReadonlySet<StepName> = new Set<StepName>(['auth', 'mail', 'rcpt']);

/** Codes a 4xx does not make transient: the same answer comes on every retry until a setting changes. */
const PERSISTENT: ReadonlySet<FindingCode> = new Set<FindingCode>(['TLS_VERSION_MISMATCH', 'CLIENT_CERT_REQUIRED', 'CLIENT_CERT_REJECTED']);

/**
 * isTransient: a 4xx reply to AUTH, MAIL or RCPT (RFC 5321 §4.2.1 "transient negative"). Not
 * for codes that stay broken however often the sender retries (Microsoft 365 answers TLS 1.0
 * with 421 4.7.66 every time).
 */
function isTransient(step: StepName, reply: SmtpReply, code: FindingCode): boolean {
  return TRANSIENT_STEPS.has(step) && reply.code >= 400 && reply.code < 500 && !PERSISTENT.has(code);
}

/** Steps that can only run before a TLS handshake: a refusal there is never about a client certificate. */
const BEFORE_TLS: ReadonlySet<StepName> = new Set<StepName>(['dns', 'icmp', 'path', 'tcp', 'starttls', 'tls', 'tls-scan']);

/** A refusal text that says the client's certificate was checked and found wanting (rather than missing). */
const CERT_REFUSED = /(?:not|could not be|failed to be) (?:verified|trusted|validated)|untrusted|invalid|verif\w* fail|validation fail|rejected|expired|revoked|unknown (?:ca|issuer)/i;

/**
 * clientCertDraft: a refusal after a completed TLS handshake that names a certificate. Many
 * servers finish the handshake without one and refuse the next command instead (Postfix
 * smtpd_tls_req_ccert: "421 4.7.1 ... No client certificate presented"; Exim ACLs with
 * `verify = certificate`; Exchange "454 4.7.5 Certificate validation failure"), so the reply
 * to EHLO, AUTH or MAIL is the evidence, not the handshake.
 */
function clientCertDraft(ctx: RuleContext, step: StepName, reply: SmtpReply, evidence: string[]): FindingDraft | undefined {
  if (BEFORE_TLS.has(step) || reply.code < 400) return undefined;
  const tls = ctx.data('tls');
  if (!tls?.protocol) return undefined;
  const text = replyText(reply);
  if (!/\bcertificate\b|\bccert\b/i.test(text)) return undefined;
  const sent = tls.clientCertSent || ctx.target.hasClientCert;
  const code: FindingCode = sent || CERT_REFUSED.test(text) ? 'CLIENT_CERT_REJECTED' : 'CLIENT_CERT_REQUIRED';
  const verb = STEP_VERB[step];
  return {
    code,
    step,
    evidence: [...evidence, ...(verb ? commandEvidence(ctx, verb) : []), ...replyEvidence(ctx, reply), `TLS handshake completed (${tls.protocol}); client certificate sent: ${sent ? 'yes' : 'no'}`],
    cause: code === 'CLIENT_CERT_REQUIRED'
      ? 'The TLS handshake completed, but the server refuses to go on without a client certificate: it checks for one after the handshake (Postfix smtpd_tls_req_ccert, an Exim ACL with verify = certificate, an Exchange receive connector for certificate-authenticated partners). Nothing about the EHLO name or the password is wrong.'
      : 'The TLS handshake completed with a client certificate, but the server does not accept it: its issuer is not trusted there, it has expired, or it does not carry the name the server expects.',
  };
}

/**
 * opensmtpdNoClientCertDraft: OpenSMTPD's `listen on ... tls-require verify` completes the
 * handshake without a client certificate, then closes the session without a reply to the first
 * command (its log: "smtp disconnected reason=no-client-cert"). A TLS 1.3 CertificateRequest is
 * encrypted, so the handshake cannot show it; the silent close after it, on a server identified
 * as OpenSMTPD, is the evidence.
 */
function opensmtpdNoClientCertDraft(ctx: RuleContext, r: StepResult, evidence: string[]): FindingDraft | undefined {
  if (r.step !== 'ehlo-tls' || r.error?.code !== 'CONNECTION_DROPPED') return undefined;
  const tls = ctx.data('tls');
  if (!tls?.protocol || tls.clientCertSent || ctx.target.hasClientCert || serverOf(ctx)?.software !== 'opensmtpd') return undefined;
  return {
    code: 'CLIENT_CERT_REQUIRED',
    step: r.step,
    evidence: [...evidence, `TLS handshake completed (${tls.protocol}); client certificate sent: no; then the server closed the connection without a reply`],
    cause: 'OpenSMTPD completes the TLS handshake on a listener with tls-require verify even without a client certificate, then closes the session without a word when none came (its log says "reason=no-client-cert"). Nothing about the EHLO name or the password is wrong.',
  };
}

/** Greylisting replies (Postfix postgrey/policyd, Exim greylist ACLs, rspamd, milter-greylist). */
const GREYLIST = /gr[ae]y-?list|postgrey|try again (?:later|in \d+)|deferred (?:for|by) (?:\d+|policy)|please retry later|temporarily rejected\. try again/i;

/** greylistDraft: a 4xx to MAIL or RCPT that says it is greylisting — not a relay refusal. */
function greylistDraft(ctx: RuleContext, step: StepName, reply: SmtpReply, evidence: string[]): FindingDraft | undefined {
  if ((step !== 'mail' && step !== 'rcpt') || reply.code < 400 || reply.code >= 500 || !GREYLIST.test(replyText(reply))) return undefined;
  const verb = STEP_VERB[step];
  return { code: 'GREYLISTED', step, severity: 'warning', evidence: [...evidence, ...(verb ? commandEvidence(ctx, verb) : []), ...replyEvidence(ctx, reply)] };
}

/**
 * stepErrorDraft: the default finding for a step's error — its code, its message, and the
 * reply (refined by provider signature) when the failure came from one.
 */
export function stepErrorDraft(ctx: RuleContext, r: StepResult, evidence: string[] = []): FindingDraft | undefined {
  if (!r.error) return undefined;
  const base = [...stepErrorEvidence(r), ...evidence];
  const reply = stepReply(ctx, r.step);
  const draft = opensmtpdNoClientCertDraft(ctx, r, base) ?? (reply ? clientCertDraft(ctx, r.step, reply, base) ?? greylistDraft(ctx, r.step, reply, base) : undefined) ?? (reply && reply.code >= 400
    ? refineByReply(ctx, r.step, reply, r.error.code, base)
    : { code: r.error.code, step: r.step, evidence: base });
  if (PHASE_CODES.has(r.error.code)) draft.causeNotes = [`It happened during the ${r.step} step.`];
  if (reply && draft.code !== 'GREYLISTED' && isTransient(r.step, reply, draft.code)) {
    draft.severity = 'warning';
    draft.causeNotes = [...(draft.causeNotes ?? []), `The reply is transient (${reply.code}, RFC 5321 §4.2.1): a sender queues and retries, so mail is delayed rather than refused — unless it persists.`];
  }
  const sev = statusSeverity(r);
  if (sev && draft.severity === undefined) draft.severity = sev;
  // A step that failed is never just a note, whatever the code's usual weight.
  if (r.status === 'fail' && draft.severity === undefined && CATALOG[draft.code].severity === 'info') draft.severity = 'warning';
  return draft;
}
