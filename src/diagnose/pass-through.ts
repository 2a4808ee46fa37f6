import { replyText } from '../model/smtp-reply.js';
import type { SmtpReply } from '../model/step-data.js';
import type { StepName } from '../model/report.js';
import type { FindingDraft, RuleContext } from './rule.js';
import { identifyServer, serverOf, type ServerIdentity } from './server-identity.js';
import { remediesFor } from './server-remedies.js';

/**
 * A reply that the probed server did not write itself: it relays the session (or asked a
 * server behind it) and passed that server's answer on. The fix then belongs on the server
 * behind it, not on the one the probe talked to: "grant the account relay rights" on a Dovecot
 * submission service that relays everything its users send is advice nobody can follow.
 */
export interface PassThrough {
  /** Who passed it on: the identified front server's name, or a generic phrase. */
  front: string;
  /** The server behind it, as the reply names it (host), when it does. */
  nextHop?: string;
  /** The refusal as the server behind wrote it (without the front server's wrapping). */
  inner: string;
  /** The server behind, when its own wording gives its software away. */
  nextHopServer?: ServerIdentity;
  /** What shows that the reply was passed through. */
  how: string;
  /** The front server says it could not reach the server behind it at all (no reply of its own). */
  unreachable: boolean;
}

/** Postfix quoting a remote reply (address verification, smtpd_proxy_filter): `host X[ip] said: 550 ... (in reply to RCPT TO command)`. */
const POSTFIX_QUOTE = /\bhost\s+([^\s[\]]+)\[[^\]]*\]\s+said:\s*(\d{3}[\s-].*?)(?:\s*\(in reply to [A-Z ]+ command\))?\s*$/i;
/** Exim quoting a callout's answer: `response to "RCPT TO:<x>" from X [ip] was: 550 ...`. */
const EXIM_QUOTE = /\bresponse to "[^"]*" from\s+([^\s[\]]+)\s*\[[^\]]*\]\s+was:\s*(\d{3}[\s-].*)$/i;
/** Dovecot submission's own words about its relay (submission_relay_host), as opposed to the relay's replies it forwards. */
const DOVECOT_OWN = /relay server|relay connection/i;

/** Steps whose replies a relaying front server may take from the server behind it. */
const RELAYED_STEPS: ReadonlySet<StepName> = new Set<StepName>(['mail', 'rcpt']);

/**
 * passThroughOf tells whether the reply that failed `step` was written by a server behind the
 * probed one. Two kinds of evidence: the reply quotes another host's answer (Postfix "host X
 * said:", Exim "response to ... from X was:"), or the front server is one that forwards
 * MAIL/RCPT to its relay as they come (Dovecot submission, which prefixes a forwarded RCPT
 * reply with the recipient). Undefined when the reply is the probed server's own.
 */
export function passThroughOf(ctx: RuleContext, step: StepName, reply: SmtpReply): PassThrough | undefined {
  if (reply.code < 400) return undefined;
  const text = replyText(reply);
  const front = serverOf(ctx);
  const frontName = front?.name ?? 'the probed server';
  for (const [re, how] of [[POSTFIX_QUOTE, 'the reply quotes what the next host said'], [EXIM_QUOTE, 'the reply quotes a callout to the next host']] as const) {
    const m = re.exec(text);
    if (m?.[1] && m[2]) return withInner({ front: frontName, nextHop: m[1], how: `${how} (${m[1]})`, unreachable: false }, m[2]);
  }
  // Dovecot relays only once the client has logged in; before that, and for syntax (5.5.x),
  // the refusal is its own.
  const loggedIn = ctx.result('auth')?.status === 'pass' && ctx.data('auth')?.attempted === true;
  if (front?.software === 'dovecot' && RELAYED_STEPS.has(step) && loggedIn && !reply.enhanced?.startsWith('5.5.')) {
    if (DOVECOT_OWN.test(text)) {
      return { front: frontName, inner: text, how: 'Dovecot submission reports that it could not use its relay (submission_relay_host)', unreachable: true };
    }
    // Dovecot passes the relay's reply on, a recipient's prefixed with "<recipient> ".
    const inner = text.replace(/^(\d\.\d{1,3}\.\d{1,3}\s+)?<[^>]*>\s+/, '$1');
    return withInner({ front: frontName, how: 'Dovecot submission decides nothing about senders or recipients: it forwards MAIL and RCPT to its relay (submission_relay_host) and passes the reply on', unreachable: false }, `${reply.code} ${inner}`);
  }
  return undefined;
}

function withInner(p: Omit<PassThrough, 'inner'>, quoted: string): PassThrough {
  const m = /^(\d{3})[\s-]+(.*)$/.exec(quoted.trim());
  const code = m ? Number(m[1]) : 0;
  const inner = (m?.[2] ?? quoted).trim();
  const nextHopServer = code >= 400 ? identifyServer({ host: p.nextHop ?? '', replies: [{ code, lines: [inner] }] }) : undefined;
  return { ...p, inner: m ? `${code} ${inner}` : inner, ...(nextHopServer ? { nextHopServer } : {}) };
}

/** What the front server's admin changes when the refusal is the next hop's. */
const FRONT_FIX: Partial<Record<ServerIdentity['software'], string>> = {
  dovecot: 'submission_relay_host (and submission_relay_port) names the server that refused: fix it there — let it relay for this Dovecot host, or have Dovecot authenticate to it (submission_relay_user, submission_relay_password).',
  postfix: 'the refusal came from the next host Postfix asked (reject_unverified_recipient / address verification, or the smtpd_proxy_filter): fix that host, or relax the verification.',
  exim: 'the refusal came from a callout to the next host (verify = recipient/callout): fix that host, or drop the callout from the ACL.',
};

/**
 * attributePassThrough rewrites a MAIL/RCPT draft whose reply came from the server behind the
 * probed one: the evidence says so and quotes the inner reply, the fix names where to act (the
 * front server's relay settings, and the server behind in its own terms when its wording gives
 * it away), and the front server's own remedies are left out. A front server that could not
 * reach its relay becomes RELAY_NEXT_HOP_UNREACHABLE.
 */
export function attributePassThrough(ctx: RuleContext, draft: FindingDraft, reply: SmtpReply | undefined): FindingDraft {
  if (!reply || !draft.step) return draft;
  const p = passThroughOf(ctx, draft.step, reply);
  if (!p) return draft;
  const front = serverOf(ctx);
  const frontLine = front ? [`server: ${front.name} (${front.evidence})`] : [];
  if (p.unreachable) {
    return {
      code: 'RELAY_NEXT_HOP_UNREACHABLE',
      step: draft.step,
      evidence: [...draft.evidence, `${p.how}`, ...frontLine],
      fix: front?.software === 'dovecot'
        ? [`${front.name}: submission_relay_host / submission_relay_port must name an SMTP server that accepts connections from this host; the Dovecot log (smtp-client: connect(...) failed) names the address it tried.`]
        : [],
      passedThrough: true,
    };
  }
  const behind = p.nextHop ? `the server behind ${p.front} (${p.nextHop})` : `the server behind ${p.front}`;
  const own = front ? FRONT_FIX[front.software] : undefined;
  const hop = p.nextHopServer;
  const hopFix = hop ? remediesFor(draft.code, hop.software).map((l) => `${hop.name} (${behind}): ${l}`) : [];
  return {
    ...draft,
    evidence: [
      ...draft.evidence,
      `reply passed through from ${behind}: ${p.how}`,
      `the refusal as the server behind wrote it: ${p.inner}`,
      ...(hop ? [`server behind: ${hop.name} (${hop.evidence})`] : []),
      ...frontLine,
    ],
    causeNotes: [`${p.front} did not make this decision: it passed on the answer of ${behind}, so its own settings are not the cause.`],
    fix: [...(own && front ? [`${front.name}: ${own}`] : []), ...hopFix, `Fix the refusal on ${behind}: it must accept this sender and recipient from ${p.front}.`],
    replaceFix: true,
    passedThrough: true,
  };
}
