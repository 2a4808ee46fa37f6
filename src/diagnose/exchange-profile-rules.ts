import { mechanismEvidence } from './evidence.js';
import { setSendConnector } from './powershell.js';
import type { FindingDraft, Rule } from './rule.js';

/**
 * Rules that apply only with the Exchange client profile (`--client exchange`, or a target
 * imported from a Send connector): they say what Exchange will do, which can differ from what
 * a generic client would (docs/domain.md, "Wire behaviour per SmartHostAuthMechanism").
 */

/**
 * Exchange has no implicit-TLS client: port 465 or implicit TLS cannot work, and a TLS
 * server answering our STARTTLS-style probe shows the port is implicit-TLS only.
 */
const implicitTlsRule: Rule = {
  id: 'exchange-implicit-tls',
  apply(ctx) {
    if (ctx.target.client !== 'exchange') return [];
    const evidence: string[] = [];
    if (ctx.target.port === 465) evidence.push('port 465 (implicit TLS, RFC 8314)');
    if (ctx.target.tls === 'implicit') evidence.push('TLS mode: implicit');
    const banner = ctx.result('banner');
    if (banner?.error?.code === 'TLS_ON_CONNECT_EXPECTED' || ctx.data('banner')?.detected === 'tls') {
      evidence.push('the server spoke TLS first instead of sending a 220 greeting');
    }
    if (evidence.length === 0) return [];
    return [{ code: 'IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE', step: 'banner', evidence }];
  },
};

/**
 * Exchange Basic auth needs the token LOGIN on the EHLO "AUTH" line (legacy "AUTH=LOGIN"
 * lines do not count) and never uses PLAIN, CRAM-MD5 or XOAUTH2. A relay without it gets a
 * QUIT and a local "451 5.7.3 Require basic authentication", never a 535.
 */
const loginRequiredRule: Rule = {
  id: 'exchange-login-required',
  apply(ctx) {
    if (ctx.target.client !== 'exchange') return [];
    const d = ctx.data('auth');
    if (!d || d.skipped === 'no-credentials' || d.skipped === 'disabled' || d.skipped === 'cert-check-failed') return [];
    // Exchange authenticates on the EHLO it last received: after STARTTLS when TLS was reached.
    const offered = d.offeredAfterTls ?? d.offered;
    if (offered.length === 0 || offered.includes('LOGIN')) return [];
    const evidence = mechanismEvidence(ctx);
    const legacy = [
      ...(ctx.data('ehlo')?.capabilities?.authLegacy ?? []),
      ...(ctx.data('ehlo-tls')?.capabilities?.authLegacy ?? []),
    ];
    const draft: FindingDraft = { code: 'AUTH_NO_COMMON_MECHANISM', step: 'auth', evidence };
    draft.causeNotes = [`The relay offers ${offered.join(' ')} but not LOGIN, the only mechanism Exchange uses for Basic auth.`];
    if (legacy.includes('LOGIN')) {
      draft.causeNotes.push('LOGIN appears only on the legacy "AUTH=" line, which Exchange ignores.');
    }
    draft.fix = [
      'Enable LOGIN on the relay and list it on the "AUTH" line.',
      'Or relay without AUTH: Set-SendConnector -SmartHostAuthMechanism None, with the relay allowing this server by IP address.',
    ];
    draft.replaceFix = true;
    draft.exchange = {
      setting: 'SmartHostAuthMechanism',
      command: setSendConnector(ctx.target, '-SmartHostAuthMechanism None  # only once the relay accepts this server by IP address; otherwise enable LOGIN on the relay'),
    };
    return [draft];
  },
};

/**
 * SmartHostAuthMechanism ExchangeServer needs the relay to be an Exchange server: X-ANONYMOUSTLS
 * and X-EXPS (EXCHANGEAUTH or GSSAPI) in its EHLO. Anything else gets a local "451 5.7.3 Cannot
 * achieve Exchange Server authentication" (docs/domain.md, "Root causes" row 1) — no AUTH is ever sent.
 */
const exchangeServerAuthRule: Rule = {
  id: 'exchange-server-auth',
  apply(ctx) {
    if (ctx.target.smartHostAuthMechanism !== 'ExchangeServer') return [];
    const caps = ctx.data('ehlo-tls')?.capabilities ?? ctx.data('ehlo')?.capabilities;
    if (!caps) return [];
    const words = Object.keys(caps.keywords);
    const exps = words.includes('X-EXPS');
    const anonTls = words.includes('X-ANONYMOUSTLS') || ctx.data('ehlo')?.capabilities?.keywords['X-ANONYMOUSTLS'] !== undefined;
    if (exps && anonTls) return [];
    const draft: FindingDraft = {
      code: 'AUTH_NO_COMMON_MECHANISM',
      step: 'auth',
      evidence: [`EHLO keywords: ${words.join(' ') || '(none)'}`, `missing: ${[exps ? '' : 'X-EXPS', anonTls ? '' : 'X-ANONYMOUSTLS'].filter(Boolean).join(', ')}`],
    };
    draft.causeNotes = ['The connector uses SmartHostAuthMechanism ExchangeServer, which only works against another Exchange server; this relay does not offer X-EXPS/X-ANONYMOUSTLS, so Exchange gives up with "451 5.7.3 Cannot achieve Exchange Server authentication" (and event 2016/2017 with Gssapi/ExchangeAuth).'];
    draft.fix = [
      'If the relay is not Exchange: use Basic auth over TLS (relay must offer AUTH LOGIN after STARTTLS) or an IP-allowlisted relay without AUTH.',
      'If it is Exchange behind a firewall: make sure ESMTP inspection passes X-ANONYMOUSTLS, X-EXPS and GSSAPI.',
    ];
    draft.replaceFix = true;
    draft.exchange = { setting: 'SmartHostAuthMechanism', command: setSendConnector(ctx.target, '-SmartHostAuthMechanism BasicAuthRequireTLS -AuthenticationCredential (Get-Credential)') };
    return [draft];
  },
};

/** EXCHANGE_PROFILE_RULES: findings specific to Exchange's behaviour on the wire. */
export const EXCHANGE_PROFILE_RULES: readonly Rule[] = [implicitTlsRule, loginRequiredRule, exchangeServerAuthRule];
