import type { Deadline } from '../../model/deadline.js';
import type { StepResultOf } from '../../model/report.js';
import type { Target } from '../../model/target.js';
import { StepTimer } from '../step.js';
import { replyError } from './reply-format.js';
import type { SmtpContext } from './session-state.js';

/**
 * starttlsStep asks for TLS (RFC 3207 §4): 220 means go ahead; 454 (TLS not available now)
 * and 501 are refusals. With tls 'starttls-optional' a missing or refused STARTTLS is a
 * warning and the conversation goes on in plaintext, as opportunistic senders do.
 */
export async function starttlsStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'starttls'>> {
  const timer = new StepTimer('starttls', ctx.clock);
  const conn = ctx.state.conn;
  if (!conn) return timer.done('skip');
  const soft = target.tls === 'starttls-optional' ? 'warn' : 'fail';
  const offered = ctx.state.capsPlain?.starttls ?? false;
  if (!offered) {
    return timer.done(soft, { offered }, { code: 'STARTTLS_NOT_OFFERED', message: 'the EHLO reply does not list STARTTLS' });
  }
  const out = await conn.command('STARTTLS', deadline);
  if (out.error) return timer.done('fail', { offered }, out.error);
  if (out.reply.code !== 220) return timer.done(soft, { offered, reply: out.reply }, replyError('STARTTLS_REJECTED', out.reply, 'STARTTLS refused'));
  return timer.done('pass', { offered, reply: out.reply });
}
