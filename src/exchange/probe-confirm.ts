import { ConfigError } from '../config/config-error.js';
import type { TargetInput } from '../config/target-schema.js';
import type { Report, StepResultOf } from '../model/report.js';
import type { Capabilities } from '../model/step-data.js';
import type { FindingCode } from '../model/finding-codes.js';
import { FINDING_CAUSES, type RankedCause } from './cause-ranking.js';
import { CAUSE_CODES, CAUSES, type CapabilityCheck, type CauseCode } from './causes.js';
import { applyConnectorFacts } from './connector-facts.js';
import type { SendConnector } from './connector-json.js';
import { buildCause, type ExplainedCause, type Explanation } from './explain.js';

/**
 * `explain --probe`: probe the smart host the input names, with the same mechanism and EHLO
 * name Exchange used, and mark each ranked cause confirmed, ruled out or unknown from what
 * the probe saw (the Report's findings and EHLO capabilities). Causes whose proof lives only
 * on the Exchange server (clocks, SPNs, local certificates) stay unknown, with what to run there.
 */

export type CheckVerdict = 'confirmed' | 'ruled-out' | 'unknown';

export interface CauseCheckResult {
  verdict: CheckVerdict;
  /** What in the probe's report decided it. */
  evidence: string[];
}

export type CheckedCause = ExplainedCause & { probe: CauseCheckResult };

/** ConfirmPlan: the check input derived from the explanation, and what the user should know about it. */
export interface ConfirmPlan {
  input: TargetInput;
  notes: string[];
}

/** Mechanisms of event 2016/2017 that are Kerberos/Exchange auth, which smtprobe does not perform. */
const EXCHANGE_AUTH_MECHANISMS = new Set(['ExchangeAuth', 'Gssapi', 'Ntlm']);

function splitEndpoint(ep: unknown): { host: string; port: number } | undefined {
  if (typeof ep !== 'string') return undefined;
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(ep.trim());
  if (!m?.[1] || m[1].includes('*')) return undefined;
  return { host: m[1], port: Number(m[2]) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' && !v.includes('*') && !/[<>]/.test(v) ? v : undefined);

/**
 * planConfirmProbe derives the probe from the explanation: host from the Kerberos target,
 * 2003's remote host, the queue's next hop or the log's remote endpoint; port from an
 * endpoint (else Exchange's default 25); EHLO name from the log; the Exchange client profile;
 * LOGIN only when the connector does Basic auth. `overrides` (check flags in camelCase) win.
 */
export function planConfirmProbe(expl: Explanation, overrides: Record<string, unknown> = {}): ConfirmPlan {
  const p = expl.parameters;
  const notes: string[] = [];
  const endpoint = splitEndpoint(p.remoteEndpoint) ?? splitEndpoint(p.lastEndpoint);
  const host = str(overrides.host) ?? str(p.targetHost) ?? endpoint?.host ?? str(p.greetingHost) ?? str(p.fqdn) ?? str(p.ip);
  if (!host) throw new ConfigError('host', 'the input names no smart host to probe; give one with --host');
  const input: TargetInput = { host, client: 'exchange', tls: 'starttls-optional', tlsVerify: 'none' };
  if (endpoint && !overrides.port) input.port = endpoint.port;
  else if (!overrides.port) {
    input.port = 25;
    notes.push('port: the input does not say; probing 25 (the Send connector default) — pass --port 587 for a submission relay');
  }
  const ehlo = str(p.ehloName);
  if (ehlo) input.ehlo = ehlo;
  const connector = str(p.connector);
  if (connector) input.connectorName = connector;
  const mechanism = typeof p.mechanism === 'string' ? p.mechanism : undefined;
  const user = str(overrides.user);
  if (mechanism && EXCHANGE_AUTH_MECHANISMS.has(mechanism)) {
    input.auth = 'none';
    notes.push(`mechanism ${mechanism}: smtprobe does not perform Kerberos/Exchange authentication; it checks what the server offers (X-ANONYMOUSTLS, X-EXPS)`);
  } else if (mechanism === 'Login' || user) {
    input.auth = 'LOGIN';
    if (!user) notes.push('mechanism Login: give --user and --password-env/--password-file to test the credential itself');
  } else input.auth = 'none';
  notes.push('the probe runs from this machine, not from the Exchange server: firewalls, DNS and TLS settings on the Exchange side may differ');
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (input as Record<string, unknown>)[k] = v;
  return { input, notes };
}

const MASKED = /^X{3,}[A-Z]?$/;

function ehloCaps(report: Report, step: 'ehlo' | 'ehlo-tls'): Capabilities | undefined {
  const r = report.steps.find((s): s is StepResultOf<'ehlo' | 'ehlo-tls'> => s.step === step && s.status !== 'skip');
  return r?.data?.capabilities;
}

const authOf = (c: Capabilities): string => (c.auth.length ? `AUTH ${c.auth.join(' ')}` : 'no AUTH line');

/** capabilityVerdict reads the EHLO replies the probe saw. */
function capabilityVerdict(check: CapabilityCheck, report: Report): CauseCheckResult | undefined {
  const before = ehloCaps(report, 'ehlo');
  const after = ehloCaps(report, 'ehlo-tls');
  const last = after ?? before;
  if (!last) return undefined;
  const where = after ? 'after STARTTLS' : 'before TLS';
  switch (check) {
    case 'x-exps-missing': {
      const has = [before, after].some((c) => c && ('X-EXPS' in c.keywords || 'X-ANONYMOUSTLS' in c.keywords));
      return has
        ? { verdict: 'ruled-out', evidence: ['the server offers X-EXPS/X-ANONYMOUSTLS: it is an Exchange server'] }
        : { verdict: 'confirmed', evidence: [`no X-EXPS or X-ANONYMOUSTLS in the EHLO reply (${Object.keys(last.keywords).join(' ') || 'no extensions'})`] };
    }
    case 'login-missing':
      return last.auth.includes('LOGIN')
        ? { verdict: 'ruled-out', evidence: [`${where}: ${authOf(last)} includes LOGIN`] }
        : { verdict: 'confirmed', evidence: [`${where}: ${authOf(last)} — no LOGIN token${last.authLegacy.length ? ` (AUTH=${last.authLegacy.join(' ')} does not count)` : ''}`] };
    case 'starttls-missing':
      if (!before) return undefined;
      return before.starttls
        ? { verdict: 'ruled-out', evidence: ['STARTTLS is offered in the EHLO reply'] }
        : { verdict: 'confirmed', evidence: ['STARTTLS is not in the EHLO reply'] };
    case 'masked-verbs': {
      const masked = [before, after].flatMap((c) => (c ? Object.keys(c.keywords).filter((k) => MASKED.test(k)) : []));
      // Absence from here proves nothing about the path from the Exchange server.
      return masked.length > 0 ? { verdict: 'confirmed', evidence: [`masked EHLO keywords: ${masked.join(' ')}`] } : undefined;
    }
    case 'auth-only-after-tls':
      if (!before) return undefined;
      if (before.auth.includes('LOGIN')) return { verdict: 'ruled-out', evidence: [`before TLS: ${authOf(before)} already includes LOGIN`] };
      if (after?.auth.includes('LOGIN')) return { verdict: 'confirmed', evidence: [`before TLS: ${authOf(before)}; after STARTTLS: ${authOf(after)}`] };
      return undefined;
  }
}

/** meansCause: a finding that, for an Exchange admin, means this cause (the cause itself does not list it). */
function meansCause(code: FindingCode, cause: CauseCode): boolean {
  return (FINDING_CAUSES[code] ?? []).includes(cause);
}

/**
 * judgeCause: one cause against one report — the findings the cause lists, then what the
 * EHLO replies show, then findings that mean the cause.
 */
export function judgeCause(cause: ExplainedCause, report: Report): CauseCheckResult {
  const { checks } = cause;
  const hits = report.findings.filter((f) => checks.confirmedBy.includes(f.code));
  if (hits.length > 0) return { verdict: 'confirmed', evidence: hits.map((f) => `${f.code}: ${f.title}`) };
  if (checks.capability) {
    const v = capabilityVerdict(checks.capability, report);
    if (v) return v;
  }
  const meant = report.findings.filter((f) => f.severity !== 'info' && meansCause(f.code, cause.code));
  if (meant.length > 0) return { verdict: 'confirmed', evidence: meant.map((f) => `${f.code}: ${f.title}`) };
  if (checks.ruledOutBy.length > 0) {
    const passed = checks.ruledOutBy.every((name) => report.steps.some((s) => s.step === name && s.status === 'pass'));
    if (passed) return { verdict: 'ruled-out', evidence: [`${checks.ruledOutBy.join(', ')} passed`] };
  }
  const manual = checks.manual.length > 0 ? [`check on the Exchange server: ${checks.manual.join('; ')}`] : ['the probe cannot see this from here'];
  return { verdict: 'unknown', evidence: manual };
}

const ORDER: Record<CheckVerdict, number> = { confirmed: 0, unknown: 1, 'ruled-out': 2 };

/**
 * probeFoundCauses: causes the probe's own failures prove that the input did not put on the
 * list (the input rarely tells everything: an event 2016 cannot know that the provider has
 * switched SMTP AUTH off). A connector's settings still rule out what they contradict.
 */
function probeFoundCauses(expl: Explanation, report: Report, connector?: SendConnector): ExplainedCause[] {
  const listed = new Set<CauseCode>([...expl.causes.map((c) => c.code), ...(expl.excluded ?? []).map((x) => x.code)]);
  const found: RankedCause[] = [];
  for (const f of report.findings) {
    if (f.severity === 'info') continue;
    const codes = [...(FINDING_CAUSES[f.code] ?? []), ...CAUSE_CODES.filter((c) => CAUSES[c].checks.confirmedBy.includes(f.code))];
    for (const code of codes) {
      if (listed.has(code)) continue;
      listed.add(code);
      found.push({ code, because: `the probe found ${f.code}: ${f.title}` });
    }
  }
  const kept = connector ? applyConnectorFacts(found, connector).kept : found;
  return kept.map((rc) => buildCause(rc, expl.context));
}

/**
 * judgeCauses marks every cause and re-ranks: confirmed first, ruled out last, otherwise the
 * explain order; causes only the probe found come after the confirmed ones of the input.
 */
export function judgeCauses(expl: Explanation, report: Report, connector?: SendConnector): CheckedCause[] {
  const all = [...expl.causes, ...probeFoundCauses(expl, report, connector)];
  return all
    .map((c, i) => ({ c: { ...c, probe: judgeCause(c, report) } as CheckedCause, i }))
    .sort((a, b) => ORDER[a.c.probe.verdict] - ORDER[b.c.probe.verdict] || a.i - b.i)
    .map((x) => x.c);
}

/**
 * probeHeadline: the one-line outcome of `explain --probe`. A confirmed cause is named as
 * the cause; without one the input's own most likely cause stays, marked as not confirmed.
 */
export function probeHeadline(expl: Explanation, causes: readonly CheckedCause[], report: Report): string {
  const first = causes[0];
  const where = `${report.target.host}:${report.target.port}`;
  if (first?.probe.verdict === 'confirmed') {
    return `${expl.summary.replace(/ Most likely: .*$/, '')} Confirmed by probing ${where}: ${first.title} (${first.code}; ${first.probe.evidence[0] ?? 'seen on the wire'}).`;
  }
  return `${expl.summary} The probe of ${where} confirmed no cause (${report.verdict}); the ranking stands.`;
}
