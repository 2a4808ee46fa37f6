import { AUTH_CODES, RELAY_CODES, type FindingCode } from '../model/finding-codes.js';
import type { StepName, StepResult } from '../model/report.js';
import type { SmtpReply } from '../model/step-data.js';
import { CATALOG } from './catalog.js';
import { commandEvidence, replyEvidence, stepErrorEvidence } from './evidence.js';
import { matchProviderSignature } from './provider-signatures.js';
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
  const sig = matchProviderSignature(reply, ctx.target.host);
  if (!sig || !SIGNATURE_SCOPE[step]?.has(sig.code)) return { code: fallback, step, evidence: quoted };
  const draft: FindingDraft = {
    code: sig.code,
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

/**
 * isTransient: a 4xx reply to AUTH, MAIL or RCPT (RFC 5321 §4.2.1 "transient negative"). Not
 * for codes that stay broken however often the sender retries (Microsoft 365 answers TLS 1.0
 * with 421 4.7.66 every time).
 */
function isTransient(step: StepName, reply: SmtpReply, code: FindingCode): boolean {
  return TRANSIENT_STEPS.has(step) && reply.code >= 400 && reply.code < 500 && code !== 'TLS_VERSION_MISMATCH';
}

/**
 * stepErrorDraft: the default finding for a step's error — its code, its message, and the
 * reply (refined by provider signature) when the failure came from one.
 */
export function stepErrorDraft(ctx: RuleContext, r: StepResult, evidence: string[] = []): FindingDraft | undefined {
  if (!r.error) return undefined;
  const base = [...stepErrorEvidence(r), ...evidence];
  const reply = stepReply(ctx, r.step);
  const draft = reply && reply.code >= 400
    ? refineByReply(ctx, r.step, reply, r.error.code, base)
    : { code: r.error.code, step: r.step, evidence: base };
  if (PHASE_CODES.has(r.error.code)) draft.causeNotes = [`It happened during the ${r.step} step.`];
  if (reply && isTransient(r.step, reply, draft.code)) {
    draft.severity = 'warning';
    draft.causeNotes = [...(draft.causeNotes ?? []), `The reply is transient (${reply.code}, RFC 5321 §4.2.1): a sender queues and retries, so mail is delayed rather than refused — unless it persists.`];
  }
  const sev = statusSeverity(r);
  if (sev && draft.severity === undefined) draft.severity = sev;
  // A step that failed is never just a note, whatever the code's usual weight.
  if (r.status === 'fail' && draft.severity === undefined && CATALOG[draft.code].severity === 'info') draft.severity = 'warning';
  return draft;
}
