import type { StepName } from '../model/report.js';
import type { Target } from '../model/target.js';
import { authStep } from './smtp/auth.js';
import { bannerStep } from './smtp/banner.js';
import { tcpStep } from './smtp/connect.js';
import { ehloStep } from './smtp/ehlo.js';
import { quitStep } from './smtp/quit.js';
import { mailStep, rcptStep } from './smtp/relay.js';
import type { SmtpContext, SmtpSessionState } from './smtp/session-state.js';
import { starttlsStep } from './smtp/starttls.js';
import type { Step } from './step.js';
import { tlsStep } from './tls-step.js';

/** PlannedStep: a step of the SMTP dialogue and when it runs. */
export interface PlannedStep {
  name: StepName;
  run: Step<StepName, SmtpSessionState>;
  /** Runs even after an earlier failure (QUIT always closes the session). */
  always?: boolean;
  /** Extra condition; a step whose condition is false is skipped with `reason`. */
  when?: (ctx: SmtpContext) => boolean;
  reason?: string;
}

const tlsVerified = (ctx: SmtpContext): boolean => ctx.state.tlsVerified !== false;
const startTlsPassed = (ctx: SmtpContext): boolean => ctx.results.some((r) => r.step === 'starttls' && r.status === 'pass');

/**
 * planDialogue lists the SMTP steps for a target's TLS mode, in wire order:
 * implicit TLS handshakes before the banner; STARTTLS re-EHLOs inside TLS (RFC 3207 §4.2).
 */
export function planDialogue(target: Target): PlannedStep[] {
  const tail: PlannedStep[] = [
    { name: 'auth', run: authStep },
    { name: 'mail', run: mailStep, when: tlsVerified, reason: 'certificate check failed' },
    { name: 'rcpt', run: rcptStep, when: tlsVerified, reason: 'certificate check failed' },
    { name: 'quit', run: quitStep, always: true },
  ];
  switch (target.tls) {
    case 'implicit':
      return [
        { name: 'tcp', run: tcpStep },
        { name: 'tls', run: tlsStep },
        { name: 'banner', run: bannerStep },
        { name: 'ehlo', run: ehloStep('ehlo') },
        ...tail,
      ];
    case 'starttls':
    case 'starttls-optional':
      return [
        { name: 'tcp', run: tcpStep },
        { name: 'banner', run: bannerStep },
        { name: 'ehlo', run: ehloStep('ehlo') },
        { name: 'starttls', run: starttlsStep },
        { name: 'tls', run: tlsStep, when: startTlsPassed, reason: 'STARTTLS did not succeed' },
        { name: 'ehlo-tls', run: ehloStep('ehlo-tls'), when: startTlsPassed, reason: 'STARTTLS did not succeed' },
        ...tail,
      ];
    case 'none':
      return [
        { name: 'tcp', run: tcpStep },
        { name: 'banner', run: bannerStep },
        { name: 'ehlo', run: ehloStep('ehlo') },
        ...tail,
      ];
  }
}

/**
 * failureIsFatal: whether the dialogue stops after this failed step. A certificate that fails
 * the check keeps the session alive inside TLS (no AUTH, but we can see what is offered).
 */
export function failureIsFatal(step: StepName, ctx: SmtpContext): boolean {
  if (step === 'tls') return !(ctx.state.conn?.secure && !ctx.state.conn.closed);
  return true;
}
