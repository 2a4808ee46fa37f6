import type { FindingCode } from '../../model/finding-codes.js';
import type { StepError } from '../../model/report.js';
import { replyLine } from '../../model/smtp-reply.js';
import type { SmtpReply } from '../../model/step-data.js';

/** replyError builds a StepError that carries the reply's code and enhanced status. */
export function replyError(code: FindingCode, reply: SmtpReply, prefix?: string): StepError {
  const e: StepError = { code, message: `${prefix ? `${prefix}: ` : ''}${replyLine(reply)}`, replyCode: reply.code };
  if (reply.enhanced) e.enhanced = reply.enhanced;
  return e;
}

/** replyClass: 2, 3, 4 or 5 — the first digit of the reply code (RFC 5321 §4.2.1). */
export function replyClass(r: SmtpReply): number {
  return Math.floor(r.code / 100);
}
