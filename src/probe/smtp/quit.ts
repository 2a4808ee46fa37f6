import type { Deadline } from '../../model/deadline.js';
import type { StepResult } from '../../model/report.js';
import type { QuitData } from '../../model/step-data.js';
import type { Target } from '../../model/target.js';
import { StepTimer } from '../step.js';
import type { SmtpContext } from './session-state.js';

/**
 * quitStep ends the session politely (RFC 5321 §4.1.1.10) when the connection is still
 * usable, then always closes the socket. A missing 221 is noted, never a failure.
 */
export async function quitStep(_target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResult<QuitData>> {
  const timer = new StepTimer('quit', ctx.clock);
  const conn = ctx.state.conn;
  if (!conn) return timer.done('skip');
  if (conn.closed) {
    conn.close();
    return timer.done('skip');
  }
  const out = await conn.command('QUIT', deadline);
  conn.close();
  return timer.done('pass', out.reply ? { reply: out.reply } : {});
}
