import type { ReportSummary, StepResult } from '../model/report.js';
import type { AuthData, EhloData, SmtpReply, TlsData } from '../model/step-data.js';
import { diffCapabilities } from './smtp/capabilities.js';

const DAY_MS = 86_400_000;

/**
 * summarize computes, once, the values several readers of a Report need (renderers, exit
 * code, metrics, recorder) — STYLE.md §3: no renderer re-derives them.
 */
export function summarize(steps: StepResult[], startedAt: number): ReportSummary {
  const summary: ReportSummary = { replyCodes: {} };
  const failed = steps.find((s) => s.status === 'fail');
  if (failed) summary.failedStep = { step: failed.step, code: failed.error?.code ?? 'UNKNOWN' };
  for (const s of steps) {
    const reply = lastReply(s.data);
    if (reply) summary.replyCodes[s.step] = reply.code;
  }
  const tls = steps.find((s) => s.step === 'tls')?.data as TlsData | undefined;
  if (tls?.protocol) summary.tlsProtocol = tls.protocol;
  if (tls?.cipher) summary.tlsCipher = tls.cipher.name;
  if (tls && tls.chain.length > 0) {
    const earliest = Math.min(...tls.chain.map((c) => Date.parse(c.validTo)).filter((n) => !Number.isNaN(n)));
    if (Number.isFinite(earliest)) {
      summary.certNotAfter = new Date(earliest).toISOString();
      summary.certDaysLeft = Math.floor((earliest - startedAt) / DAY_MS);
    }
  }
  const auth = steps.find((s) => s.step === 'auth')?.data as AuthData | undefined;
  if (auth?.mechanism) summary.authMechanism = auth.mechanism;
  const before = (steps.find((s) => s.step === 'ehlo')?.data as EhloData | undefined)?.capabilities;
  const after = (steps.find((s) => s.step === 'ehlo-tls')?.data as EhloData | undefined)?.capabilities;
  if (before && after) summary.capabilityDiff = diffCapabilities(before, after);
  return summary;
}

/** lastReply: the reply a step ended on, for steps whose data carries one. */
function lastReply(data: unknown): SmtpReply | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as { reply?: SmtpReply; rcpt?: { reply: SmtpReply }[] };
  if (d.rcpt && d.rcpt.length > 0) return d.rcpt[d.rcpt.length - 1]?.reply;
  return d.reply;
}
