import type { FindingCode } from '../model/finding-codes.js';
import type { AuthData } from '../model/step-data.js';
import { authLine, mechanismEvidence } from './evidence.js';
import { ran, type FindingDraft, type Rule, type RuleContext } from './rule.js';
import { stepErrorDraft } from './step-error.js';

/** Codes whose evidence is "which mechanisms were offered where". */
const MECHANISM_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'AUTH_NOT_OFFERED', 'AUTH_ONLY_AFTER_STARTTLS', 'AUTH_NO_COMMON_MECHANISM', 'AUTH_PLAINTEXT_REFUSED',
  'AUTH_MUST_STARTTLS', 'AUTH_ENCRYPTION_REQUIRED', 'AUTH_MECHANISM_TOO_WEAK',
]);

/** Skips that mean the user did not ask for AUTH: nothing about AUTH is a problem then. */
function authWanted(d: AuthData | undefined): boolean {
  return d !== undefined && d.skipped !== 'no-credentials' && d.skipped !== 'disabled';
}

/** The AUTH step's own outcome: refused, failed, or nothing usable. */
const authErrorRule: Rule = {
  id: 'auth-error',
  apply(ctx) {
    const r = ctx.result('auth');
    const d = ctx.data('auth');
    // After a failed certificate check AUTH is withheld on purpose; the TLS findings say why.
    if (!r?.error || d?.skipped === 'cert-check-failed') return [];
    // Bearer-token failures are explained by the OAuth rules (token request, refused token).
    if (r.error.code === 'OAUTH_TOKEN_REQUEST_FAILED' || r.error.code === 'AUTH_TOKEN_REJECTED') return [];
    const evidence = MECHANISM_CODES.has(r.error.code) ? mechanismEvidence(ctx) : [];
    if (d?.mechanism) evidence.push(`mechanism used: ${d.mechanism}${d.rounds !== undefined ? `, ${d.rounds} challenge(s) answered` : ''}`);
    const draft = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    if (MECHANISM_CODES.has(draft.code) && !MECHANISM_CODES.has(r.error.code)) draft.evidence.push(...mechanismEvidence(ctx));
    if (draft.signature?.id === 'rfc4954-password-transition' && d?.mechanism === 'PLAIN' && ctx.steps.some((s) => s.step === 'tls' && s.status === 'pass')) {
      // The usual advice (authenticate once with PLAIN over TLS) is what just failed.
      draft.cause = 'The server wants a password transition (RFC 4954 §6: 432 4.7.12), and this attempt already was AUTH PLAIN over TLS, the step that normally completes it: the account\'s stored password cannot be used for the transition (changed, expired, or kept in a form the server must re-derive).';
      draft.fix = ['Have the account\'s password set again (or changed) at the server or its directory, then retry.', 'If it persists, the relay\'s authentication logs for this account say why the transition fails.'];
      draft.replaceFix = true;
    }
    if (draft.code === 'AUTH_ONLY_AFTER_STARTTLS') {
      const after = d?.offeredAfterTls ?? ctx.data('ehlo-tls')?.capabilities?.auth;
      draft.causeNotes = [`Before TLS the server offers ${authLine(d?.offeredBeforeTls)}; after STARTTLS it offers ${authLine(after)}.`];
    }
    return [draft];
  },
};

/**
 * Only NTLM/GSSAPI offered: smtprobe detects them but does not run them (a note), and there is
 * therefore no mechanism in common (the problem).
 */
const integratedOnlyRule: Rule = {
  id: 'auth-integrated-only',
  apply(ctx) {
    const d = ctx.data('auth');
    if (!authWanted(d) || !d || d.detectedOnly.length === 0 || d.usable.length > 0) return [];
    const evidence = mechanismEvidence(ctx);
    return [
      { code: 'AUTH_MECHANISM_NOT_ATTEMPTED', step: 'auth', evidence },
      {
        code: 'AUTH_NO_COMMON_MECHANISM',
        step: 'auth',
        evidence,
        causeNotes: [`The server offers only ${d.detectedOnly.join(' and ')} (Windows integrated authentication).`],
      },
    ];
  },
};

/** The EHLO lines that advertise AUTH, quoted from the transcript before any TLS. */
function plaintextAuthLines(ctx: RuleContext): string[] {
  const out: string[] = [];
  for (const line of ctx.transcript) {
    if (line.dir === '>' && /^STARTTLS\b/i.test(line.text)) break;
    if (line.dir === '<' && /^250[- ]AUTH[ =]/i.test(line.text)) out.push(`< ${line.text}`);
  }
  return out;
}

/**
 * AUTH offered on the plaintext connection (RFC 4954 §4 permits it; RFC 3207 §6 and
 * RFC 8314 advise against it): a client that skips STARTTLS can leak its password.
 */
const plaintextAdvertisedRule: Rule = {
  id: 'auth-plaintext-advertised',
  apply(ctx) {
    if (ctx.target.tls === 'implicit') return [];
    const r = ctx.result('ehlo');
    const caps = ctx.data('ehlo')?.capabilities;
    if (!ran(r) || !caps) return [];
    const mechs = [...caps.auth, ...caps.authLegacy];
    if (mechs.length === 0) return [];
    const quoted = plaintextAuthLines(ctx);
    const evidence = quoted.length > 0 ? quoted : [`before STARTTLS: ${authLine(caps.auth)}`];
    const draft: FindingDraft = { code: 'AUTH_PLAINTEXT_ADVERTISED', step: 'ehlo', evidence };
    if (!caps.starttls) draft.causeNotes = ['STARTTLS is not offered at all, so AUTH here can only ever run in clear.'];
    return [draft];
  },
};

/**
 * AUTH available only without TLS: the server offers AUTH on the plaintext session and TLS
 * never came up (no STARTTLS, or it failed), so the dialogue stopped before AUTH or AUTH was
 * withheld. The admin must hear that the password was never tested, and how to test it.
 */
const plaintextOnlyRule: Rule = {
  id: 'auth-plaintext-only',
  apply(ctx) {
    if (ctx.target.tls === 'implicit' || ctx.target.auth === 'none') return [];
    if (!ctx.target.user || (!ctx.target.hasPassword && !ctx.target.hasToken)) return [];
    const r = ctx.result('auth');
    if (r?.error || ctx.data('auth')?.attempted) return [];
    if (ctx.steps.some((s) => s.step === 'tls' && s.status === 'pass')) return [];
    const caps = ctx.data('ehlo')?.capabilities;
    const mechs = caps ? [...caps.auth, ...caps.authLegacy] : [];
    if (mechs.length === 0) return [];
    const quoted = plaintextAuthLines(ctx);
    const tlsWhy = caps?.starttls ? 'STARTTLS is offered but did not succeed' : 'STARTTLS is not offered';
    return [{
      code: 'AUTH_PLAINTEXT_REFUSED',
      step: 'auth',
      evidence: [...(quoted.length > 0 ? quoted : [`before TLS: ${authLine(caps?.auth)}`]), `${tlsWhy}: AUTH is available only without encryption`],
      title: 'AUTH not tested: the server offers it only without TLS',
      cause: `The server offers AUTH (${mechs.join(' ')}) only on the unencrypted session, and ${tlsWhy}. smtprobe does not send a password in clear, so the credentials were never tested: a wrong password would look the same as a right one here.`,
      fix: [
        'Make the server offer STARTTLS on this port (or use its implicit-TLS port) so credentials travel encrypted.',
        'To test the credentials anyway, on a trusted network only: --tls starttls-optional --allow-plaintext-auth (or --tls none --allow-plaintext-auth).',
      ],
      replaceFix: true,
    }];
  },
};

/** AUTH_RULES: the AUTH step and the AUTH policy seen in EHLO. */
export const AUTH_RULES: readonly Rule[] = [authErrorRule, integratedOnlyRule, plaintextAdvertisedRule, plaintextOnlyRule];
