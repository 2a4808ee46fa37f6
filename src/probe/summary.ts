import type { FindingCode } from '../model/finding-codes.js';
import type { Finding, ReportSummary, StepName, StepResult } from '../model/report.js';
import type { SmtpReply } from '../model/step-data.js';
import { diffCapabilities } from './smtp/capabilities.js';

const DAY_MS = 86_400_000;

/** Steps whose failure does not stop mail: path measurement, the optional TLS scan, and QUIT after the work is done. */
const OUTSIDE_GOAL: ReadonlySet<StepName> = new Set<StepName>(['icmp', 'path', 'tls-scan', 'quit']);

/**
 * summarize computes, once, the values several readers of a Report need (renderers, exit
 * code, metrics, recorder): no renderer re-derives them (docs/design.md, "Report and verdict").
 */
export function summarize(steps: StepResult[], startedAt: number): ReportSummary {
  const summary: ReportSummary = { replyCodes: {} };
  const failed = steps.find((s) => s.status === 'fail');
  if (failed) summary.failedStep = { step: failed.step, code: failed.error?.code ?? 'UNKNOWN' };
  summary.goalReached = steps.some((s) => s.status !== 'skip') && !steps.some((s) => s.status === 'fail' && !OUTSIDE_GOAL.has(s.step));
  for (const s of steps) {
    const reply = lastReply(s.data);
    if (reply) summary.replyCodes[s.step] = reply.code;
  }
  const tls = steps.find((s) => s.step === 'tls')?.data;
  if (tls?.protocol) summary.tlsProtocol = tls.protocol;
  if (tls?.cipher) summary.tlsCipher = tls.cipher.name;
  if (tls && tls.chain.length > 0) {
    const earliest = Math.min(...tls.chain.map((c) => Date.parse(c.validTo)).filter((n) => !Number.isNaN(n)));
    if (Number.isFinite(earliest)) {
      summary.certNotAfter = new Date(earliest).toISOString();
      summary.certDaysLeft = Math.floor((earliest - startedAt) / DAY_MS);
    }
  }
  const auth = steps.find((s) => s.step === 'auth')?.data;
  if (auth?.mechanism) summary.authMechanism = auth.mechanism;
  const before = (steps.find((s) => s.step === 'ehlo')?.data)?.capabilities;
  const after = (steps.find((s) => s.step === 'ehlo-tls')?.data)?.capabilities;
  if (before && after) summary.capabilityDiff = diffCapabilities(before, after);
  return summary;
}

/**
 * primaryCode: the code of the finding that explains a failed step — the most severe finding
 * diagnosis attached to that step (findings come most severe first); else the step's own code
 * (also when one finding covers several steps, e.g. HOST_UNREACHABLE from TCP and the path).
 */
function primaryCode(step: StepResult, findings: readonly Finding[]): FindingCode | undefined {
  return findings.find((f) => f.step === step.step)?.code ?? step.error?.code;
}

/**
 * withDiagnosedCodes: one failure, one code. Steps report what they observed; diagnosis
 * names the failure. Each failed step's error takes the code of the finding that explains
 * it (keeping the step's own as `observed` when they differ), so the step error,
 * `summary.failedStep` and everything rendered from them (metrics, JUnit, Nagios, tables)
 * show the same code as the findings.
 */
export function withDiagnosedCodes(steps: readonly StepResult[], findings: readonly Finding[]): StepResult[] {
  return steps.map((s) => {
    if (!s.error) return s;
    const code = primaryCode(s, findings);
    if (!code || code === s.error.code) return s;
    return { ...s, error: { ...s.error, code, observed: s.error.observed ?? s.error.code } };
  });
}

/** lastReply: the reply a step ended on, for steps whose data carries one. */
function lastReply(data: unknown): SmtpReply | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as { reply?: SmtpReply; rcpt?: { reply: SmtpReply }[] };
  if (d.rcpt && d.rcpt.length > 0) return d.rcpt[d.rcpt.length - 1]?.reply;
  return d.reply;
}
