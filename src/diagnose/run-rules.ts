import type { FindingDraft, Rule } from './rule.js';
import { stepErrorDraft } from './step-error.js';

/**
 * A step the user interrupted: the finding names it, so a partial Report says where it stopped
 * and why the verdict is unknown.
 */
const interruptedRule: Rule = {
  id: 'probe-interrupted',
  apply(ctx) {
    const r = ctx.steps.find((s) => s.error?.code === 'PROBE_INTERRUPTED');
    const d = r ? stepErrorDraft(ctx, r) : undefined;
    return d ? [{ ...d, code: 'PROBE_INTERRUPTED' }] : [];
  },
};

/** AUTH withheld by lockout protection: critical, with the rejections that caused it as evidence. */
const authSuspendedRule: Rule = {
  id: 'auth-suspended',
  apply(ctx) {
    const r = ctx.result('auth');
    if (r?.error?.code !== 'AUTH_SUSPENDED') return [];
    const draft: FindingDraft = { code: 'AUTH_SUSPENDED', step: 'auth', evidence: [r.error.message, ...(ctx.data('auth')?.suspended?.rejections ?? [])] };
    return [draft];
  },
};

/** RUN_RULES: findings about the run itself (interrupts, lockout protection), not the server. */
export const RUN_RULES: readonly Rule[] = [interruptedRule, authSuspendedRule];
