import { replyText } from '../model/smtp-reply.js';
import type { Capabilities, SmtpReply } from '../model/step-data.js';
import type { RuleContext } from './rule.js';

/**
 * Which server software is answering: from the greeting, the EHLO reply, the replies to
 * commands and the host name. A fix is only useful in the software's own terms (Postfix's
 * smtpd_tls_auth_only means nothing to an Exim admin), so remedies are chosen by it, and when
 * it is unknown the wording stays generic.
 */

export const SERVER_SOFTWARE = [
  'postfix', 'exim', 'opensmtpd', 'sendmail', 'dovecot', 'haraka', 'exchange',
  'm365', 'gmail', 'ses', 'sendgrid', 'mailgun', 'postmark',
] as const;
export type ServerSoftware = (typeof SERVER_SOFTWARE)[number];

/** Names as admins know them. */
export const SERVER_NAMES: Record<ServerSoftware, string> = {
  postfix: 'Postfix', exim: 'Exim', opensmtpd: 'OpenSMTPD', sendmail: 'Sendmail', dovecot: 'Dovecot submission',
  haraka: 'Haraka', exchange: 'Microsoft Exchange', m365: 'Microsoft 365', gmail: 'Gmail / Google Workspace',
  ses: 'Amazon SES', sendgrid: 'SendGrid', mailgun: 'Mailgun', postmark: 'Postmark',
};

/** ServerIdentity: the software and what gave it away. */
export interface ServerIdentity {
  software: ServerSoftware;
  name: string;
  /** e.g. 'greeting "mx.example.net ESMTP Exim 4.96"'. */
  evidence: string;
}

/** IdentityInput: what identification reads (a RuleContext gives all of it). */
export interface IdentityInput {
  host: string;
  greeting?: SmtpReply;
  capabilities?: (Capabilities | undefined)[];
  /** Replies to commands (EHLO, STARTTLS, AUTH, MAIL, RCPT), in order. */
  replies?: (SmtpReply | undefined)[];
}

/** Greeting texts, most specific first (cloud services greet with their own names). */
const GREETING: readonly [ServerSoftware, RegExp][] = [
  ['m365', /\b(?:outlook\.com|office365\.com|protection\.outlook\.com)\b/i],
  ['gmail', /\bgsmtp\b|\bsmtp(?:-relay)?\.gmail\.com\b/i],
  ['ses', /\bSimpleEmailService\b|amazonses|email-smtp\.[a-z0-9-]+\.amazonaws\.com/i],
  ['sendgrid', /\bSG ESMTP\b|sendgrid/i],
  ['mailgun', /\bmailgun\b/i],
  ['postmark', /\bpostmark/i],
  ['exchange', /Microsoft ESMTP MAIL Service/i],
  ['postfix', /\bESMTP Postfix\b|\bPostfix\b/i],
  ['exim', /\bExim\b/i],
  ['opensmtpd', /\bOpenSMTPD\b/i],
  ['sendmail', /\bSendmail\b/i],
  ['dovecot', /\bDovecot\b/i],
  ['haraka', /\bHaraka\b/i],
];

/** Host names of hosted services. */
const HOSTS: readonly [ServerSoftware, RegExp][] = [
  ['m365', /(?:^|\.)(?:office365\.com|outlook\.com)$/i],
  ['gmail', /(?:^|\.)(?:gmail\.com|googlemail\.com)$/i],
  ['ses', /^email-smtp(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com$/i],
  ['sendgrid', /(?:^|\.)sendgrid\.net$/i],
  ['mailgun', /(?:^|\.)mailgun\.(?:org|net)$/i],
  ['postmark', /(?:^|\.)postmarkapp\.com$/i],
];

/** Reply texts only one server software writes. */
const REPLIES: readonly [ServerSoftware, RegExp][] = [
  ['postfix', /^(?:5\.\d\.\d+ )?Error: (?:authentication failed|No client certificate presented)|Relay access denied|Client host rejected|Sender address rejected/i],
  ['exim', /Incorrect authentication data|relay not permitted|Administrative prohibition/i],
  ['opensmtpd', /Invalid recipient: |Recipient rejected|Must issue an AUTH command first/],
  ['dovecot', /\bDovecot\b/],
  ['haraka', /^I cannot deliver mail for </],
  ['exchange', /Client was not authenticated|SmtpClientAuthentication|\b5\.7\.57\b/],
];

/**
 * Texts of accepting replies only one server software writes: Haraka's EHLO line ends its
 * greeting with connection.ini's helo message, "Haraka is at your service." unless changed.
 */
const ACCEPTING: readonly [ServerSoftware, RegExp][] = [
  ['haraka', /\bHaraka is at your service\b/],
];

/** EHLO keywords only one software sends. */
function fromCapabilities(caps: Capabilities): [ServerSoftware, string] | undefined {
  const k = Object.keys(caps.keywords);
  if (k.some((x) => x === 'X-EXPS' || x === 'X-ANONYMOUSTLS' || x === 'XEXCH50' || x === 'X-LINK2STATE')) {
    return [/outlook\.com|office365\.com/i.test(caps.domain) ? 'm365' : 'exchange', `EHLO keywords ${k.filter((x) => x.startsWith('X')).join(' ')}`];
  }
  const exim = k.find((x) => x === 'PRDR' || x === 'X_PIPE_CONNECT' || x === 'PIPECONNECT');
  if (exim) return ['exim', `EHLO keyword ${exim}`];
  if (k.includes('BURL') && k.includes('CHUNKING') && !k.includes('ETRN')) return ['dovecot', 'EHLO keyword BURL (Dovecot submission)'];
  return undefined;
}

const quote = (r: SmtpReply): string => `"${r.code} ${replyText(r)}"`.slice(0, 120);

/** identifyServer: the software behind the replies, or undefined when nothing gives it away. */
export function identifyServer(i: IdentityInput): ServerIdentity | undefined {
  const made = (software: ServerSoftware, evidence: string): ServerIdentity => ({ software, name: SERVER_NAMES[software], evidence });
  if (i.greeting) {
    const text = replyText(i.greeting);
    const hit = GREETING.find(([, re]) => re.test(text));
    if (hit) return made(hit[0], `greeting ${quote(i.greeting)}`);
  }
  const host = HOSTS.find(([, re]) => re.test(i.host));
  if (host) return made(host[0], `host name ${i.host}`);
  for (const c of i.capabilities ?? []) {
    const hit = c ? fromCapabilities(c) : undefined;
    if (hit) return made(hit[0], hit[1]);
  }
  for (const r of i.replies ?? []) {
    if (!r || r.code < 400) continue;
    const text = replyText(r).replace(/^\d\.\d{1,3}\.\d{1,3}\s+/, '');
    const hit = REPLIES.find(([, re]) => re.test(text));
    if (hit) return made(hit[0], `reply ${quote(r)}`);
  }
  for (const r of i.replies ?? []) {
    if (!r || r.code >= 400) continue;
    const hit = ACCEPTING.find(([, re]) => re.test(r.lines[0] ?? ''));
    if (hit) return made(hit[0], `reply "${`${r.code} ${r.lines[0] ?? ''}`.slice(0, 120)}"`);
  }
  return undefined;
}

/** serverOf: identification from what a probe saw. */
export function serverOf(ctx: RuleContext): ServerIdentity | undefined {
  const rcpt = ctx.data('rcpt');
  return identifyServer({
    host: ctx.target.host,
    ...(ctx.data('banner')?.reply ? { greeting: ctx.data('banner')?.reply } : {}),
    capabilities: [ctx.data('ehlo')?.capabilities, ctx.data('ehlo-tls')?.capabilities],
    replies: [ctx.data('ehlo')?.reply, ctx.data('ehlo-tls')?.reply, ctx.data('starttls')?.reply, ctx.data('auth')?.reply, ctx.data('mail')?.reply, ...(rcpt?.rcpt ?? []).map((r) => r.reply)],
  });
}

/**
 * Software a provider signature speaks for: a signature written for one server's wording
 * must not explain another server's reply (Dovecot's 454 is not Postfix's SASL backend).
 */
export function signatureSoftware(provider: string): ServerSoftware | undefined {
  if (/^Postfix/i.test(provider)) return 'postfix';
  if (/^Exim/i.test(provider)) return 'exim';
  if (/^Haraka/i.test(provider)) return 'haraka';
  if (/^OpenSMTPD/i.test(provider)) return 'opensmtpd';
  if (/^Microsoft 365/i.test(provider)) return 'm365';
  if (/^Microsoft Exchange|^Exchange/i.test(provider)) return 'exchange';
  if (/^(?:Gmail|Google)/i.test(provider)) return 'gmail';
  if (/^Amazon SES/i.test(provider)) return 'ses';
  if (/^SendGrid/i.test(provider)) return 'sendgrid';
  if (/^Mailgun/i.test(provider)) return 'mailgun';
  if (/^Postmark/i.test(provider)) return 'postmark';
  return undefined;
}

/** Microsoft 365 runs Exchange: its signatures and Exchange's fit both. */
export function sameFamily(a: ServerSoftware, b: ServerSoftware): boolean {
  const fam = (s: ServerSoftware): string => (s === 'm365' || s === 'exchange' ? 'microsoft' : s);
  return fam(a) === fam(b);
}
