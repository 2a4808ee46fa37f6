import type { Deadline } from '../../model/deadline.js';
import type { StepResultOf } from '../../model/report.js';
import type { Target } from '../../model/target.js';
import { StepTimer } from '../step.js';
import { connectTcp, type TcpOutcome } from '../tcp.js';
import { SmtpConnection } from './connection.js';
import type { SmtpContext } from './session-state.js';
import { ipFamily } from '../ip-family.js';

/**
 * tcpStep connects to the SMTP port, trying each resolved address in order (the dns step
 * interleaves families) while time remains, and opens the SMTP connection on the first that
 * answers. The error reported is the first address's, with the others in the message.
 */
export async function tcpStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'tcp'>> {
  const timer = new StepTimer('tcp', ctx.clock);
  const addresses = ctx.state.addresses ?? (ipFamily(target.host) !== 0 ? [target.host] : []);
  if (addresses.length === 0) return timer.done('skip', undefined);
  const failures: TcpOutcome[] = [];
  for (const address of addresses) {
    if (deadline.expired()) break;
    ctx.transcript.event(`connecting to ${address} port ${target.port}${target.connectivity.sourceAddress ? ` from ${target.connectivity.sourceAddress}` : ''}`);
    const out = await connectTcp(address, target.port, deadline, target.connectivity.sourceAddress);
    if (out.socket) {
      ctx.state.address = address;
      ctx.state.conn = new SmtpConnection(out.socket, ctx.transcript);
      ctx.transcript.event(`connected to ${address}:${target.port}`);
      return timer.done('pass', out.data);
    }
    ctx.transcript.event(`${address}: ${out.error?.code}: ${out.error?.message}`);
    failures.push(out);
  }
  const first = failures[0];
  if (!first?.error) return timer.done('fail', undefined, { code: 'TCP_TIMEOUT', message: 'no time left to connect' });
  const others = failures.slice(1).map((f) => `${f.data.address}: ${f.error?.code}`);
  const message = others.length ? `${first.error.message}; also ${others.join(', ')}` : first.error.message;
  return timer.done('fail', first.data, { ...first.error, message: `${first.data.address}:${target.port}: ${message}` });
}
