import { replyText } from '../model/smtp-reply.js';
import { capabilityList, commandEvidence, replyEvidence } from './evidence.js';
import type { Rule, RuleContext } from './rule.js';
import { stepErrorDraft } from './step-error.js';

/**
 * inspectionHints spots a firewall's SMTP inspection (Cisco ASA/PIX "ESMTP inspection" and
 * relatives): it replaces the greeting text with asterisks and masks EHLO keywords it does
 * not allow, STARTTLS among them, as X's ("XXXA", "XXXXXXXA") — see
 * samples/exchange-smtpsend-tls-invalidtoken.log.
 */
export function inspectionHints(ctx: RuleContext): string[] {
  const hints: string[] = [];
  const banner = ctx.data('banner')?.reply;
  if (banner && /^\**$/.test(replyText(banner).replace(/\s/g, '')) && replyText(banner).includes('*')) {
    hints.push('greeting text is all asterisks: a firewall SMTP inspection rewrote it');
  }
  const masked = Object.keys(ctx.data('ehlo')?.capabilities?.keywords ?? {}).filter((k) => /^X{2,}A?$/.test(k));
  if (masked.length > 0) hints.push(`EHLO keyword(s) ${masked.join(', ')}: a firewall SMTP inspection masked extensions it does not allow (STARTTLS shows as XXXA)`);
  return hints;
}

const INSPECTION_FIX = 'Disable SMTP/ESMTP inspection for this traffic on the firewall (Cisco ASA: no inspect esmtp), or exempt the relay.';

/** banner: no greeting, a refusal, or something that is not SMTP. */
const bannerRule: Rule = {
  id: 'banner-error',
  apply(ctx) {
    const r = ctx.result('banner');
    if (!r?.error) return [];
    const d = ctx.data('banner');
    const evidence: string[] = [];
    const spoke = d?.detected === 'tls' ? 'a TLS record' : d?.detected === 'http' ? 'HTTP' : 'binary data';
    if (d?.detected && d.answeredWhenAsked) evidence.push(`no greeting; asked with a TLS hello on a second connection, the port answered with ${spoke}`);
    else if (d?.detected) evidence.push(`the server spoke first with ${spoke}`);
    if (d?.reply && r.error.code === 'BANNER_REJECTED') evidence.push(...replyEvidence(ctx, d.reply));
    const draft = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    if (r.error.code === 'BANNER_TIMEOUT' && ctx.target.port === 465 && ctx.target.tls !== 'implicit') {
      draft.causeNotes = ['Port 465 is the implicit-TLS port (RFC 8314): the server waits for a TLS handshake, not for us to read a greeting.'];
      draft.fix = ['Probe with --tls implicit, or use port 587 with STARTTLS.'];
    }
    return [draft];
  },
};

/** EHLO rejected: a warning when HELO saved the session (but then no extensions), else fatal. */
function ehloRule(step: 'ehlo' | 'ehlo-tls'): Rule {
  return {
    id: `${step}-error`,
    apply(ctx) {
      const r = ctx.result(step);
      if (!r?.error) return [];
      const d = ctx.data(step);
      const evidence: string[] = [];
      if (r.error.code === 'EHLO_REJECTED') {
        evidence.push(...commandEvidence(ctx, 'EHLO'));
        if (d?.ehloReply) evidence.push(...replyEvidence(ctx, d.ehloReply));
        if (d?.command === 'HELO') evidence.push('HELO accepted instead: no extensions, so no STARTTLS and no AUTH');
      }
      const draft = stepErrorDraft(ctx, r, evidence);
      return draft ? [draft] : [];
    },
  };
}

/** STARTTLS missing or refused. */
const starttlsRule: Rule = {
  id: 'starttls-error',
  apply(ctx) {
    const r = ctx.result('starttls');
    if (!r?.error) return [];
    const evidence: string[] = [];
    const hints = inspectionHints(ctx);
    if (r.error.code === 'STARTTLS_NOT_OFFERED') {
      evidence.push(`EHLO offered: ${capabilityList(ctx.data('ehlo')?.capabilities)}`, ...hints);
    }
    const draft = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    const reply = ctx.data('starttls')?.reply;
    if (r.error.code === 'STARTTLS_REJECTED' && reply && reply.code >= 200 && reply.code < 300) {
      // A success code other than 220 is no refusal: nothing on the server is "rejecting".
      draft.code = 'PROTOCOL_VIOLATION';
      draft.signature = undefined;
      draft.title = `STARTTLS answered with ${reply.code} instead of 220`;
      draft.cause = `The server answered STARTTLS with ${reply.code}, not the 220 that starts the handshake (RFC 3207 §4), so no TLS can follow: it lists STARTTLS without implementing it, or something in between answers for it (a firewall's SMTP inspection or an SMTP proxy).`;
      draft.fix = [INSPECTION_FIX, 'Otherwise fix STARTTLS on the server itself, or stop it from advertising STARTTLS on this port.'];
      draft.replaceFix = true;
    }
    if (r.error.code === 'STARTTLS_NOT_OFFERED') {
      if (r.status === 'warn') draft.causeNotes = ['TLS is optional for this probe (starttls-optional), so the session went on in clear.'];
      if (hints.length > 0) draft.fix = [INSPECTION_FIX];
    }
    return [draft];
  },
};

/** QUIT problems after a finished dialogue do not stop mail: a note only. */
const quitRule: Rule = {
  id: 'quit-error',
  apply(ctx) {
    const r = ctx.result('quit');
    const draft = r ? stepErrorDraft(ctx, r) : undefined;
    if (!draft) return [];
    draft.severity = 'info';
    draft.causeNotes = ['This happened at QUIT, after the rest of the dialogue: it does not stop mail.'];
    return [draft];
  },
};

/** SMTP_RULES: greeting, EHLO, STARTTLS and QUIT. */
export const SMTP_RULES: readonly Rule[] = [bannerRule, ehloRule('ehlo'), starttlsRule, ehloRule('ehlo-tls'), quitRule];
