import type { Finding, StepResult, TranscriptLine } from '../model/report.js';
import { STEP_NAMES } from '../model/report.js';
import type { PublicTarget } from '../model/target.js';
import { AUTH_RULES } from './auth-rules.js';
import { CATALOG } from './catalog.js';
import { CLIENT_CERT_RULES } from './client-cert-rules.js';
import { CONNECTIVITY_RULES } from './connectivity-rules.js';
import { uniq } from './evidence.js';
import { EXCHANGE_BEHAVIOUR } from './exchange-behaviour.js';
import { EXCHANGE_PROFILE_RULES } from './exchange-profile-rules.js';
import { exchangeFixFor } from './exchange-remediation.js';
import { OAUTH_RULES } from './oauth-rules.js';
import { RELAY_RULES } from './relay-rules.js';
import { makeContext, type FindingDraft, type Rule, type RuleContext } from './rule.js';
import { serverOf, type ServerIdentity } from './server-identity.js';
import { remediesFor } from './server-remedies.js';
import { RUN_RULES } from './run-rules.js';
import { SMTP_RULES } from './smtp-rules.js';
import { stepErrorDraft } from './step-error.js';
import { TIMING_RULES } from './timing-rules.js';
import { TLS_RULES } from './tls-rules.js';
import { SEVERITY_RANK } from './verdict.js';

export { pathVerdict, verdictOf } from './verdict.js';
export { matchProviderSignature, SIGNATURES, type ProviderSignature } from './provider-signatures.js';
export { CATALOG, type CatalogEntry } from './catalog.js';
export { identifyServer, type ServerIdentity, type ServerSoftware } from './server-identity.js';

/** DiagnoseInput: the parts of a Report that diagnosis reads (a Report itself fits). */
export interface DiagnoseInput {
  target: PublicTarget;
  steps: StepResult[];
  transcript: TranscriptLine[];
}

/** RULES: every rule, by concern, in step order. */
export const RULES: readonly Rule[] = [
  ...CONNECTIVITY_RULES, ...SMTP_RULES, ...TLS_RULES, ...CLIENT_CERT_RULES, ...AUTH_RULES, ...RELAY_RULES, ...EXCHANGE_PROFILE_RULES, ...OAUTH_RULES, ...TIMING_RULES, ...RUN_RULES,
];

/**
 * safetyNet: every step error becomes a finding even when no rule claimed the step (a
 * step added later, a code in an unexpected place), and a failed step without an error is
 * a bug in smtprobe, never silently "ok".
 */
function safetyNet(ctx: RuleContext, drafts: readonly FindingDraft[]): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const r of ctx.steps) {
    if (drafts.some((d) => d.step === r.step)) continue;
    if (r.error) {
      // AUTH withheld after a failed certificate check: the TLS findings explain it.
      if (r.step === 'auth' && ctx.data('auth')?.skipped === 'cert-check-failed') continue;
      const d = stepErrorDraft(ctx, r);
      if (d) out.push(d);
    } else if (r.status === 'fail') {
      out.push({ code: 'PROBE_INTERNAL_ERROR', step: r.step, evidence: [`${r.step}: failed without an error code`] });
    }
  }
  return out;
}

/**
 * applyRule runs one rule. A rule that throws has a bug (or met data it did not expect, e.g.
 * from an old recorded report); that must not cost the other findings or crash a monitoring
 * loop, so it becomes PROBE_INTERNAL_ERROR (verdict unknown) naming the rule.
 */
function applyRule(rule: Rule, ctx: RuleContext): FindingDraft[] {
  try {
    return rule.apply(ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [{ code: 'PROBE_INTERNAL_ERROR', evidence: [`diagnosis rule ${rule.id} failed: ${message}`] }];
  }
}

/** merge folds two drafts of the same code into one: worst severity, all the evidence. */
function merge(a: FindingDraft, b: FindingDraft): FindingDraft {
  const sevA = a.severity ?? CATALOG[a.code].severity;
  const sevB = b.severity ?? CATALOG[b.code].severity;
  const m: FindingDraft = {
    ...b,
    ...a,
    severity: SEVERITY_RANK[sevB] > SEVERITY_RANK[sevA] ? sevB : sevA,
    evidence: [...a.evidence, ...b.evidence],
    causeNotes: [...(a.causeNotes ?? []), ...(b.causeNotes ?? [])],
    fix: [...(a.fix ?? []), ...(b.fix ?? [])],
    replaceFix: (a.replaceFix ?? false) || (b.replaceFix ?? false),
  };
  return m;
}

/**
 * finalize fills a draft from the catalog and the Exchange tables into a Finding. When the
 * server software is known, its own fix lines come first (and what identified it is quoted).
 */
function finalize(d: FindingDraft, ctx: RuleContext, server: ServerIdentity | undefined): Finding {
  const entry = CATALOG[d.code];
  const notes = [...(d.causeNotes ?? [])];
  if (ctx.target.client === 'exchange') {
    const behaviour = EXCHANGE_BEHAVIOUR[d.code];
    if (behaviour) notes.push(behaviour);
  }
  const generic = d.replaceFix && d.fix && d.fix.length > 0 ? d.fix : [...(d.fix ?? []), ...entry.fix];
  const own = server && !d.passedThrough ? remediesFor(d.code, server.software).map((l) => `${server.name}: ${l}`) : [];
  const fix = [...own, ...generic];
  const evidence = own.length > 0 && server ? [...d.evidence, `server: ${server.name} (${server.evidence})`] : d.evidence;
  const finding: Finding = {
    code: d.code,
    severity: d.severity ?? entry.severity,
    title: d.title ?? entry.title,
    evidence: uniq(evidence),
    cause: uniq([d.cause ?? entry.cause, ...notes]).join(' '),
    fix: uniq(fix),
  };
  const exchange = d.exchange ?? exchangeFixFor(d.code, ctx);
  if (exchange) finding.exchange = exchange;
  if (d.step) finding.step = d.step;
  return finding;
}

function stepIndex(f: Finding): number {
  return f.step ? STEP_NAMES.indexOf(f.step) : STEP_NAMES.length;
}

/**
 * diagnose turns a probe's steps and transcript into findings: pure (same input, same
 * output), one finding per code, most severe first, then in step order.
 */
export function diagnose(input: DiagnoseInput): Finding[] {
  const ctx = makeContext(input.target, input.steps, input.transcript);
  const drafts = RULES.flatMap((rule) => applyRule(rule, ctx));
  drafts.push(...safetyNet(ctx, drafts));
  const byCode = new Map<FindingDraft['code'], FindingDraft>();
  for (const d of drafts) {
    const seen = byCode.get(d.code);
    byCode.set(d.code, seen ? merge(seen, d) : d);
  }
  const server = serverOf(ctx);
  const findings = [...byCode.values()].map((d) => finalize(d, ctx, server));
  // Array.prototype.sort is stable (ES2019), so equal findings keep rule order.
  return findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || stepIndex(a) - stepIndex(b));
}
