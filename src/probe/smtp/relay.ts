import type { Deadline } from '../../model/deadline.js';
import type { StepResultOf } from '../../model/report.js';
import type { RelayData, SmtpReply } from '../../model/step-data.js';
import type { Target } from '../../model/target.js';
import { skipped, StepTimer } from '../step.js';
import { replyClass, replyError } from './reply-format.js';
import type { SmtpContext } from './session-state.js';

/** A 530 to MAIL/RCPT on a plaintext session means "STARTTLS first" (RFC 3207 §4). */
function mustStartTls(reply: SmtpReply, secure: boolean): boolean {
  return reply.code === 530 && (!secure || /starttls/i.test(reply.lines.join(' ')));
}

/**
 * notNow: a transient refusal of this one transaction (4xx, RFC 5321 §4.2.1). Not 421, which
 * closes the session (§3.8): the server is not taking mail at all, and nothing more is sent.
 */
function notNow(reply: SmtpReply): boolean {
  return replyClass(reply) === 4 && reply.code !== 421;
}

/**
 * senderOf: the reverse-path for MAIL FROM. RCPT is only valid inside a transaction (RFC 5321
 * §3.3: 503 otherwise), so --rcpt without --mail-from still opens one: as the authenticated
 * user when that is an address, else with the null reverse-path.
 */
function senderOf(target: Target): string | undefined {
  if (target.mailFrom !== undefined) return target.mailFrom;
  if (target.rcpt.length === 0) return undefined;
  return target.user && /^[^@\s]+@[^@\s]+$/.test(target.user) ? target.user : '';
}

/**
 * mailStep sends MAIL FROM (RFC 5321 §3.3) — with --mail-from, or before --rcpt. It is as far
 * toward a delivery as smtprobe goes together with RCPT: never DATA, and RSET before QUIT.
 */
export async function mailStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'mail'>> {
  const timer = new StepTimer('mail', ctx.clock);
  const conn = ctx.state.conn;
  const sender = senderOf(target);
  if (!conn || sender === undefined) return timer.done('skip');
  const data: RelayData = { mailFrom: sender };
  const out = await conn.command(`MAIL FROM:<${sender}>`, deadline);
  if (out.error) return timer.done('fail', data, out.error);
  data.reply = out.reply;
  if (out.reply.code === 250) {
    // Without --rcpt no RCPT step follows to reset the transaction this opened: reset it here.
    if (target.rcpt.length === 0) await conn.command('RSET', deadline);
    return timer.done('pass', data);
  }
  if (mustStartTls(out.reply, conn.secure)) return timer.done('fail', data, replyError('AUTH_MUST_STARTTLS', out.reply, 'MAIL FROM refused'));
  // A 4xx is "not now" (RFC 5321 §4.2.1): greylisting, rate limits — a warning, not a refusal.
  return timer.done(notNow(out.reply) ? 'warn' : 'fail', data, replyError('SENDER_REJECTED', out.reply, 'MAIL FROM refused'));
}

/**
 * rcptStep sends RCPT TO for each --rcpt, then RSET (RFC 5321 §4.1.1.5) so nothing is left
 * open. Only inside a transaction: after a refused MAIL FROM a RCPT could only earn "503 bad
 * sequence" (or meet a closed connection after a 421), which would be blamed on the recipient.
 */
export async function rcptStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'rcpt'>> {
  const timer = new StepTimer('rcpt', ctx.clock);
  const conn = ctx.state.conn;
  if (!conn || target.rcpt.length === 0) return timer.done('skip');
  const mail = ctx.results.find((r) => r.step === 'mail');
  if (mail && mail.status !== 'pass' && mail.status !== 'skip') return skipped('rcpt', ctx.clock, 'MAIL FROM was not accepted');
  const data: RelayData = { rcpt: [] };
  let failure: StepResultOf<'rcpt'> | undefined;
  for (const address of target.rcpt) {
    const out = await conn.command(`RCPT TO:<${address}>`, deadline);
    if (out.error) {
      // A refused command sent nothing and left the connection usable: still reset the transaction.
      if (out.error.code === 'PROBE_INTERNAL_ERROR' && !conn.closed) await conn.command('RSET', deadline);
      return timer.done('fail', data, out.error);
    }
    data.rcpt?.push({ address, reply: out.reply });
    if (failure || replyClass(out.reply) === 2) continue;
    const why = `RCPT TO:<${address}> refused`;
    if (mustStartTls(out.reply, conn.secure)) failure = timer.done('fail', data, replyError('AUTH_MUST_STARTTLS', out.reply, why));
    else failure = timer.done(notNow(out.reply) ? 'warn' : 'fail', data, replyError('RELAY_DENIED', out.reply, why));
  }
  await conn.command('RSET', deadline);
  return failure ?? timer.done('pass', data);
}
