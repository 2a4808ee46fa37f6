import type { Deadline } from '../../model/deadline.js';
import type { FindingCode } from '../../model/finding-codes.js';
import type { StepError, StepResultOf } from '../../model/report.js';
import type { AuthData, SmtpReply } from '../../model/step-data.js';
import type { MechanismName, Target } from '../../model/target.js';
import { StepTimer } from '../step.js';
import type { SmtpConnection } from './connection.js';
import { replyError } from './reply-format.js';
import { chooseMechanism, createMechanism, type MechanismChoice } from './sasl/index.js';
import type { SaslMechanism, SaslStep } from './sasl/mechanism.js';
import { currentCaps, type SmtpContext } from './session-state.js';
import { peekCapsInsideTls } from './side-session.js';

/** A SASL exchange that needs more than this many challenges is treated as broken. */
const MAX_ROUNDS = 8;

/**
 * authReplyCode classifies the final reply to AUTH (RFC 4954 §6). Provider-specific meanings
 * (M365's 5.7.139, Gmail's 5.7.9 …) are refined later by diagnosis from the reply text.
 */
export function authReplyCode(reply: SmtpReply): FindingCode {
  if (reply.code === 535) return 'AUTH_CREDENTIALS_REJECTED';
  if (reply.code === 538) return 'AUTH_ENCRYPTION_REQUIRED';
  if (reply.code === 534) return 'AUTH_MECHANISM_TOO_WEAK';
  if (reply.code === 530) return 'AUTH_MUST_STARTTLS';
  if (reply.code >= 400 && reply.code < 500) return 'AUTH_TEMPFAIL';
  return 'AUTH_PROTOCOL_ERROR';
}

/**
 * authStep negotiates a SASL mechanism and authenticates (RFC 4954). It refuses to send
 * credentials over a connection without TLS unless --allow-plaintext-auth, or after a failed
 * certificate check; both refusals are findings. Every client payload is redacted before it
 * reaches the transcript.
 */
export async function authStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'auth'>> {
  const timer = new StepTimer('auth', ctx.clock);
  const { conn } = ctx.state;
  if (!conn) return timer.done('skip');
  const caps = currentCaps(ctx.state);
  const pick = (c: typeof caps): string[] => (c ? (target.client === 'exchange' ? c.auth : [...new Set([...c.auth, ...c.authLegacy])]) : []);
  const offered = pick(caps);
  const data: AuthData = {
    offered,
    offeredBeforeTls: pick(ctx.state.capsPlain),
    usable: [],
    detectedOnly: [],
    attempted: false,
  };
  if (ctx.state.capsTls) data.offeredAfterTls = pick(ctx.state.capsTls);

  if (target.auth === 'none') return skip('disabled');
  const hasPassword = target.password !== undefined;
  const hasToken = target.token !== undefined || target.oauth !== undefined;
  if (!target.user || (!hasPassword && !hasToken)) return skip('no-credentials');

  if (offered.length === 0) {
    if (!conn.secure && ctx.state.capsPlain?.starttls && ctx.state.address) {
      const inside = await peekCapsInsideTls(target, ctx.state.address, deadline);
      const after = pick(inside);
      if (after.length > 0) {
        data.offeredAfterTls = after;
        ctx.transcript.event(`side connection: inside TLS the server offers AUTH ${after.join(' ')}`);
        return fail({ code: 'AUTH_ONLY_AFTER_STARTTLS', message: `AUTH is offered only after STARTTLS (${after.join(' ')}); this session did not use TLS` }, 'not-offered');
      }
    }
    const legacyOnly = target.client === 'exchange' && (caps?.authLegacy.length ?? 0) > 0;
    return fail({ code: 'AUTH_NOT_OFFERED', message: legacyOnly ? 'only a legacy AUTH= line is advertised, which Exchange ignores' : 'the EHLO reply does not advertise AUTH' }, 'not-offered');
  }

  const choice = preferXoauth2(chooseMechanism(offered, target.auth, { hasPassword, hasToken }, target.client), target);
  data.usable = choice.usable;
  data.detectedOnly = choice.detectedOnly;
  if (!choice.mechanism) {
    return fail({ code: 'AUTH_NO_COMMON_MECHANISM', message: `no usable mechanism: server offers ${offered.join(' ')}; policy ${target.auth}${target.client === 'exchange' ? ' (Exchange uses LOGIN only)' : ''}` }, 'no-common-mechanism');
  }
  if (!conn.secure && !target.allowPlaintextAuth) {
    return fail({ code: 'AUTH_PLAINTEXT_REFUSED', message: 'refusing to send credentials over a connection without TLS (use --allow-plaintext-auth to override)' }, 'plaintext-refused');
  }
  if (ctx.state.tlsVerified === false) return skip('cert-check-failed');

  data.mechanism = choice.mechanism;
  const bearer = isBearerMechanism(choice.mechanism);
  let token = target.token;
  if (bearer && target.oauth) {
    const { fetchBearerToken } = await import('./oauth-token.js');
    const got = await fetchBearerToken(target, ctx, deadline);
    data.oauth = got.data;
    if (!got.token) {
      data.skipped = 'token-request-failed';
      return timer.done('fail', data, got.error);
    }
    token = got.token;
  } else if (bearer && token) {
    const { describeGivenToken } = await import('./oauth-token.js');
    data.oauth = describeGivenToken(token, ctx);
  }
  const mech = createMechanism(choice.mechanism, { user: target.user, password: target.password, token });
  const outcome = await exchange(conn, mech, { tls: conn.secure, host: target.host, port: target.port, allowPlaintext: target.allowPlaintextAuth }, deadline);
  data.attempted = true;
  data.rounds = outcome.rounds;
  if (outcome.reply) data.reply = outcome.reply;
  if (bearer && data.oauth && outcome.firstChallenge) {
    const { decodeErrorChallenge } = await import('./oauth-token.js');
    const challenge = decodeErrorChallenge(outcome.firstChallenge);
    if (challenge) data.oauth.challenge = challenge;
  }
  // A bearer token refused with 535 is a token problem (audience, permission, expiry ...), not a password one.
  if (outcome.error && bearer && outcome.error.code === 'AUTH_CREDENTIALS_REJECTED') return timer.done('fail', data, { ...outcome.error, code: 'AUTH_TOKEN_REJECTED' });
  if (outcome.error) return timer.done('fail', data, outcome.error);
  ctx.state.authenticated = true;
  return timer.done('pass', data);

  function skip(why: NonNullable<AuthData['skipped']>): StepResultOf<'auth'> {
    data.skipped = why;
    return timer.done('skip', data);
  }
  function fail(err: StepError, why: NonNullable<AuthData['skipped']>): StepResultOf<'auth'> {
    data.skipped = why;
    return timer.done('fail', data, err);
  }
}

interface ExchangeOutcome {
  reply?: SmtpReply;
  error?: StepError;
  rounds: number;
  /** The server's first 334 challenge (for XOAUTH2/OAUTHBEARER: the JSON error status). */
  firstChallenge?: Buffer;
}

/** XOAUTH2 and OAUTHBEARER carry a bearer token instead of a password. */
function isBearerMechanism(m: MechanismName): boolean {
  return m === 'XOAUTH2' || m === 'OAUTHBEARER';
}

/**
 * preferXoauth2: with a token smtprobe fetched itself (--oauth-*), `--auth auto` uses XOAUTH2,
 * the mechanism Microsoft 365 and Gmail both document, and OAUTHBEARER only when it is the one
 * offered.
 */
function preferXoauth2(choice: MechanismChoice, target: Target): MechanismChoice {
  if (target.oauth && target.auth === 'auto' && choice.mechanism === 'OAUTHBEARER' && choice.usable.includes('XOAUTH2')) return { ...choice, mechanism: 'XOAUTH2' };
  return choice;
}

/** exchange runs one SASL conversation: AUTH, 334 challenges, and the final 235/4xx/5xx. */
async function exchange(conn: SmtpConnection, mech: SaslMechanism, server: Parameters<SaslMechanism['start']>[0], deadline: Deadline): Promise<ExchangeOutcome> {
  const first = mech.start(server);
  if (first.kind !== 'respond') return { error: refusal(first), rounds: 0 };
  // RFC 4954 §4: a zero-length initial response is sent as "=".
  const initial = first.data === null ? '' : ` ${first.data.length === 0 ? '=' : Buffer.from(first.data).toString('base64')}`;
  const shown = first.data === null ? `AUTH ${mech.name}` : `AUTH ${mech.name} ${first.redacted}`;
  let out = await conn.command(`AUTH ${mech.name}${initial}`, deadline, shown);
  let rounds = 0;
  let firstChallenge: Buffer | undefined;
  while (out.reply?.code === 334) {
    if (++rounds > MAX_ROUNDS) return abort(conn, deadline, `more than ${MAX_ROUNDS} challenges`, rounds);
    const challenge = Buffer.from(out.reply.lines.join(''), 'base64');
    firstChallenge ??= challenge;
    const step: SaslStep = mech.next(challenge, true);
    if (step.kind === 'abort') return abort(conn, deadline, step.reason, rounds);
    if (step.kind === 'refuse') return { error: refusal(step), rounds };
    const payload = step.data === null || step.data.length === 0 ? '' : Buffer.from(step.data).toString('base64');
    out = await conn.command(payload, deadline, step.redacted);
  }
  const seen = firstChallenge ? { firstChallenge } : {};
  if (out.error) return { error: out.error, rounds, ...seen };
  const reply = out.reply;
  if (reply.code === 235) return { reply, rounds, ...seen };
  return { reply, error: replyError(authReplyCode(reply), reply, `AUTH ${mech.name} refused`), rounds, ...seen };
}

function refusal(step: Extract<SaslStep, { kind: 'refuse' | 'abort' }>): StepError {
  return step.kind === 'refuse' ? { code: step.code, message: step.reason } : { code: 'AUTH_PROTOCOL_ERROR', message: step.reason };
}

/** abort cancels the exchange with "*" (RFC 4954 §4) and reads the server's 501. */
async function abort(conn: SmtpConnection, deadline: Deadline, reason: string, rounds: number): Promise<ExchangeOutcome> {
  const out = await conn.command('*', deadline);
  const o: ExchangeOutcome = { error: { code: 'AUTH_PROTOCOL_ERROR', message: `AUTH cancelled: ${reason}` }, rounds };
  if (out.reply) o.reply = out.reply;
  return o;
}
