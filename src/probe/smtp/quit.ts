import type { Deadline } from '../../model/deadline.js';
import type { StepResultOf } from '../../model/report.js';
import type { Target } from '../../model/target.js';
import { StepTimer } from '../step.js';
import type { SmtpContext } from './session-state.js';

/**
 * QUIT_WAIT_MS bounds the wait for the 221: the dialogue is over, and a server that does not
 * answer QUIT must not double the probe's time by holding it for a whole phase timeout.
 */
export const QUIT_WAIT_MS = 1000;

/**
 * quitStep ends the session politely (RFC 5321 §4.1.1.10) when the connection is still
 * usable, then always closes the socket. No reply (within QUIT_WAIT_MS) is a `warn` with the
 * reason — noted on the step, never a pass and never a failure: the mail-relevant part is done.
 */
export async function quitStep(_target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'quit'>> {
  const timer = new StepTimer('quit', ctx.clock);
  const conn = ctx.state.conn;
  if (!conn) return timer.done('skip');
  if (conn.closed) {
    conn.close();
    return timer.done('skip');
  }
  const out = await conn.command('QUIT', deadline.forPhase('quit', QUIT_WAIT_MS));
  conn.close();
  if (out.reply) return timer.done('pass', { reply: out.reply });
  // Not an error of the server's to diagnose (after a failed dialogue it is expected, and
  // whether a late reply makes it depends on timing): the step says what happened, no finding.
  const r = timer.done('warn', {});
  r.reason = out.error.code === 'PHASE_TIMEOUT' ? `no reply to QUIT within ${QUIT_WAIT_MS} ms` : `no reply to QUIT (${out.error.code})`;
  return r;
}
