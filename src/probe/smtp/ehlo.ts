import type { Deadline } from '../../model/deadline.js';
import type { StepName, StepResultOf } from '../../model/report.js';
import type { EhloData } from '../../model/step-data.js';
import type { Target } from '../../model/target.js';
import { StepTimer, type Step } from '../step.js';
import { parseCapabilities } from './capabilities.js';
import { replyClass, replyError } from './reply-format.js';
import type { SmtpContext, SmtpSessionState } from './session-state.js';

/**
 * ehloStep greets with EHLO (RFC 5321 §4.1.1.1) and records the capabilities; on a 5xx it
 * falls back to HELO as Exchange and most clients do — which means no extensions, so no
 * STARTTLS and no AUTH (a warning, EHLO_REJECTED). `name` is 'ehlo' or 'ehlo-tls' (the
 * re-EHLO that RFC 3207 §4.2 requires after STARTTLS).
 */
export function ehloStep(name: Extract<StepName, 'ehlo' | 'ehlo-tls'>): Step<'ehlo' | 'ehlo-tls', SmtpSessionState> {
  return async (target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'ehlo' | 'ehlo-tls'>> => {
    const timer = new StepTimer(name, ctx.clock);
    const conn = ctx.state.conn;
    if (!conn) return timer.done('skip');
    const ehlo = await conn.command(`EHLO ${target.ehlo}`, deadline);
    if (ehlo.error) return timer.done('fail', undefined, ehlo.error);

    if (ehlo.reply.code === 250) {
      const capabilities = parseCapabilities(ehlo.reply);
      if (conn.secure) ctx.state.capsTls = capabilities;
      else ctx.state.capsPlain = capabilities;
      return timer.done('pass', { command: 'EHLO', reply: ehlo.reply, capabilities });
    }
    if (replyClass(ehlo.reply) !== 5) {
      return timer.done('fail', { command: 'EHLO', reply: ehlo.reply }, replyError('EHLO_REJECTED', ehlo.reply, 'EHLO refused'));
    }
    const helo = await conn.command(`HELO ${target.ehlo}`, deadline);
    if (helo.error) return timer.done('fail', { command: 'HELO', ehloReply: ehlo.reply, reply: ehlo.reply }, helo.error);
    const data: EhloData = { command: 'HELO', ehloReply: ehlo.reply, reply: helo.reply };
    if (helo.reply.code === 250) {
      return timer.done('warn', data, replyError('EHLO_REJECTED', ehlo.reply, 'EHLO refused, HELO accepted (no extensions: no STARTTLS, no AUTH)'));
    }
    return timer.done('fail', data, replyError('EHLO_REJECTED', helo.reply, 'EHLO and HELO refused'));
  };
}
