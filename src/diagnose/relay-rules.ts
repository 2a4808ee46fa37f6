import { replyEvidence } from './evidence.js';
import { attributePassThrough } from './pass-through.js';
import type { FindingDraft, Rule, RuleContext } from './rule.js';
import { stepErrorDraft } from './step-error.js';

/** Whether the session had authenticated before MAIL: it changes what a refusal means. */
function authNote(ctx: RuleContext): string {
  const auth = ctx.data('auth');
  if (auth?.attempted && ctx.result('auth')?.status === 'pass') {
    const mech = auth.mechanism ? ` ${auth.mechanism}` : '';
    return `The session had authenticated (AUTH${mech} accepted), so the account itself lacks the right to send this.`;
  }
  return 'The session had not authenticated.';
}

/** MAIL FROM refused: the sender, or "authenticate first". */
const mailRule: Rule = {
  id: 'mail-error',
  apply(ctx) {
    const r = ctx.result('mail');
    const d = ctx.data('mail');
    const evidence = d?.mailFrom ? [`sender: ${d.mailFrom}`] : [];
    const draft = r ? stepErrorDraft(ctx, r, evidence) : undefined;
    if (!draft) return [];
    if (draft.code !== 'GREYLISTED') draft.causeNotes = [authNote(ctx)];
    return [attributePassThrough(ctx, draft, d?.reply)];
  },
};

/** RCPT TO refused: every refused recipient is evidence (RFC 5321 §4.1.1.3). */
const rcptRule: Rule = {
  id: 'rcpt-error',
  apply(ctx) {
    const r = ctx.result('rcpt');
    if (!r?.error) return [];
    const refused = ctx.data('rcpt')?.rcpt?.filter((x) => x.reply.code >= 400) ?? [];
    const evidence = refused.flatMap((x) => [`recipient refused: ${x.address}`, ...replyEvidence(ctx, x.reply)]);
    const draft: FindingDraft | undefined = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    if (draft.code !== 'GREYLISTED') draft.causeNotes = [authNote(ctx)];
    return [attributePassThrough(ctx, draft, refused[0]?.reply ?? ctx.data('rcpt')?.reply)];
  },
};

/** RELAY_RULES: MAIL FROM and RCPT TO (only with --mail-from/--rcpt; never DATA). */
export const RELAY_RULES: readonly Rule[] = [mailRule, rcptRule];
