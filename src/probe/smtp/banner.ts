import type { Deadline } from '../../model/deadline.js';
import type { StepResultOf } from '../../model/report.js';
import type { BannerData } from '../../model/step-data.js';
import type { Target } from '../../model/target.js';
import { StepTimer } from '../step.js';
import type { ReadOutcome } from './connection.js';
import { replyLine } from '../../model/smtp-reply.js';
import { replyClass, replyError } from './reply-format.js';
import type { SmtpContext } from './session-state.js';
import { askSilentPort, type PortAnswer } from './port-answer.js';

/** How long the banner may be silent before we also ask the port what it speaks. */
const SIDE_PROBE_AFTER_MS = 1500;

/**
 * bannerStep reads the server greeting (RFC 5321 §4.3.1: 220 to proceed, 554 to refuse).
 * A server that sends TLS, HTTP or binary first is NOT_SMTP / TLS_ON_CONNECT_EXPECTED; a
 * silent one is asked on a second connection whether it speaks TLS or HTTP while we keep waiting.
 */
export async function bannerStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'banner'>> {
  const timer = new StepTimer('banner', ctx.clock);
  const conn = ctx.state.conn;
  if (!conn) return timer.done('skip');
  const data: BannerData = {};

  const read = conn.readReply(deadline);
  const sideProbe = !conn.secure && ctx.state.address !== undefined ? askWhileSilent(read, target, ctx, deadline) : undefined;
  const out = await Promise.race([read, ...(sideProbe ? [sideProbe] : [])]);
  if (out === 'http' || out === 'binary') {
    data.detected = out;
    data.answeredWhenAsked = true;
    const what = out === 'http' ? 'an HTTP response (a web server or proxy listens here)' : 'binary data (another protocol listens here)';
    ctx.transcript.event(`no greeting; a TLS hello on a second connection got ${what}`);
    return timer.done('fail', data, {
      code: 'NOT_SMTP',
      message: `no SMTP greeting, and port ${target.port} answered a TLS hello with ${what}: this is not an SMTP server (check host and port)`,
    });
  }
  if (out === 'tls') {
    data.detected = 'tls';
    ctx.transcript.event('no greeting, but the port completed a TLS handshake on a second connection');
    return timer.done('fail', data, {
      code: 'TLS_ON_CONNECT_EXPECTED',
      message: `no SMTP greeting in plaintext, but port ${target.port} answers TLS: it expects implicit TLS (use --tls implicit, or port 587/25 for STARTTLS)`,
    });
  }
  const outcome = out as ReadOutcome;
  if (outcome.error) {
    const sniffed = conn.sniffed;
    if (sniffed === 'tls') {
      data.detected = 'tls';
      return timer.done('fail', data, { code: 'TLS_ON_CONNECT_EXPECTED', message: 'the server sent a TLS record first: it expects implicit TLS' });
    }
    if (sniffed) {
      data.detected = sniffed;
      return timer.done('fail', data, { code: 'NOT_SMTP', message: `the server sent ${sniffed} data, not an SMTP greeting` });
    }
    if (outcome.error.code === 'PHASE_TIMEOUT') {
      return timer.done('fail', data, { code: 'BANNER_TIMEOUT', message: `no greeting: ${outcome.error.message}` });
    }
    return timer.done('fail', data, outcome.error);
  }
  const reply = outcome.reply;
  data.reply = reply;
  data.greetingHost = reply.lines[0]?.split(/\s+/)[0] || undefined;
  ctx.state.greetingHost = data.greetingHost;
  if (reply.code === 220) return timer.done('pass', data);
  if (replyClass(reply) === 4 || replyClass(reply) === 5) return timer.done('fail', data, replyError('BANNER_REJECTED', reply, 'greeting refused'));
  return timer.done('fail', data, { code: 'PROTOCOL_VIOLATION', message: `unexpected greeting ${replyLine(reply)} (RFC 5321 §4.3.1 allows 220 or 554)`, replyCode: reply.code });
}

/**
 * After a short silence, ask on a second connection what the port speaks: servers that wait
 * for the client (implicit TLS, HTTP) then show themselves, and the greeting wait becomes a
 * finding about the port instead of a blind timeout. An answer we cannot name keeps waiting.
 */
async function askWhileSilent(read: Promise<ReadOutcome>, target: Target, ctx: SmtpContext, deadline: Deadline): Promise<PortAnswer | ReadOutcome> {
  let answered = false;
  void read.then(() => { answered = true; });
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      ctx.clock.clearTimeout(t);
      deadline.signal.removeEventListener('abort', finish);
      resolve();
    };
    const t = ctx.clock.setTimeout(finish, Math.min(SIDE_PROBE_AFTER_MS, deadline.remainingMs() / 3));
    deadline.signal.addEventListener('abort', finish, { once: true });
    void read.then(finish);
  });
  if (answered || deadline.expired()) return read;
  const answer = await askSilentPort(ctx.state.address as string, target.port, target.tlsDomain ?? target.host, deadline);
  return answer !== 'unknown' && !answered ? answer : read;
}
