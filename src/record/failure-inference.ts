import type { Fault, ScriptableVerb } from '../mock/scenario-schema.js';
import type { Report, StepName, StepResult } from '../model/report.js';
import type { Dialogue } from './dialogue.js';

/**
 * How a recorded session failed, in the mock's terms: a fault the raw responder plays, or a
 * command whose reply must come too late. Inferred from the first failing step's error code
 * (docs/design.md, "Finding codes") and the transcript's local events.
 */
export interface InferredFailure {
  fault?: Fault;
  /** The reply to this verb's attempt number `attempt` (0-based) never came in time: answer it after `delayMs`. */
  stall?: { verb: ScriptableVerb; attempt: number; delayMs: number };
  /** Probed with implicit TLS, the server answered in plaintext SMTP (a STARTTLS or plain port): what it sent. */
  plaintext?: { code: number; text: string };
}

/** Dialogue steps in the order a check runs them, with the verb each sends. */
const STEP_VERB: Partial<Record<StepName, ScriptableVerb>> = {
  ehlo: 'EHLO', starttls: 'STARTTLS', 'ehlo-tls': 'EHLO', auth: 'AUTH', mail: 'MAIL', rcpt: 'RCPT',
};

/** "(N bytes of an unfinished line received)", as the SMTP connection notes a partial reply. */
function partialBytes(events: readonly string[]): number {
  for (const e of events) {
    const m = /\((\d+) bytes of an unfinished line received\)/.exec(e);
    if (m) return Number(m[1]);
  }
  return 0;
}

function violation(events: readonly string[]): string | undefined {
  return events.find((e) => e.startsWith('protocol violation:'));
}

/** verbOf: the verb the failing step sent (HELO when EHLO was refused and HELO tried). */
function verbOf(step: StepResult): ScriptableVerb | undefined {
  if (step.step === 'ehlo') return step.data?.command ?? 'EHLO';
  return STEP_VERB[step.step];
}

/** attemptOf: which attempt of `verb` in the dialogue failed (the first one without a reply). */
function attemptOf(dialogue: Dialogue, verb: ScriptableVerb): number {
  const tries = dialogue.exchanges.filter((e) => e.verb === verb);
  const i = tries.findIndex((e) => e.reply === undefined);
  return i >= 0 ? i : Math.max(0, tries.length - 1);
}

/**
 * inferFailure reads the first failing step of the SMTP dialogue. Only its first failure
 * matters: after it a probe only sends QUIT, whose own timeout is a consequence.
 */
export function inferFailure(report: Report, dialogue: Dialogue): InferredFailure {
  const failed = report.steps.find((s) => s.status === 'fail' && s.error && s.step !== 'quit' && s.step !== 'dns' && s.step !== 'tcp' && s.step !== 'tls-scan' && s.step !== 'path' && s.step !== 'icmp');
  if (!failed?.error) return {};
  // What the step saw on the wire decides the fault to replay, not the diagnosis's name for it.
  const code = failed.error.observed ?? failed.error.code;
  const events = dialogue.events;
  // A reply that never came must still not come within the replay's phase deadline.
  const stallMs = Math.min(600_000, report.target.timeouts.phaseMs + 2_000);

  if (failed.step === 'banner') {
    const banner = failed.data;
    if (code === 'NOT_SMTP' || code === 'TLS_ON_CONNECT_EXPECTED') {
      if (banner?.detected === 'http') return { fault: { kind: 'http-server', speakFirst: true } };
      if (banner?.detected === 'binary') return { fault: { kind: 'binary-garbage', bytes: 4096 } };
      return { fault: { kind: 'tls-on-starttls-port' } };
    }
    if (code === 'BANNER_TIMEOUT' || code === 'PHASE_TIMEOUT') {
      // Bytes that trickled in without completing a line: a tarpit; nothing at all: silence.
      return partialBytes(events) > 0 ? { fault: { kind: 'tarpit', intervalMs: 1000, bytesPerTick: 1 } } : { fault: { kind: 'never-answer' } };
    }
    if (code === 'PROTOCOL_VIOLATION') {
      const v = violation(events) ?? '';
      if (/line longer than/.test(v)) return { fault: { kind: 'huge-line', at: 'greeting', bytes: 1024 * 1024 } };
      if (/reply longer than/.test(v)) return { fault: { kind: 'endless-multiline', at: 'greeting' } };
      return { fault: { kind: 'binary-garbage', bytes: 4096 } };
    }
    if (code === 'CONNECTION_DROPPED') return { fault: { kind: 'close-mid-reply', at: 'greeting', afterBytes: Math.max(1, partialBytes(events)) } };
    return {};
  }

  if (failed.step === 'tls') {
    if (code === 'NOT_SMTP' && report.target.tls === 'implicit') {
      // RFC 8314 §3 port probed, but the server spoke first or answered in clear text.
      const sent = /it sent "(.*)"/.exec(failed.error.message)?.[1] ?? '';
      const reply = /^(\d{3})[ -]?(.*)$/.exec(sent);
      if (reply) return { plaintext: { code: Number(reply[1]), text: reply[2] ?? '' } };
      if (/HTTP\//.test(sent)) return { fault: { kind: 'http-server', speakFirst: true } };
      return { fault: { kind: 'binary-garbage', bytes: 4096 } };
    }
    // A client certificate problem and a version mismatch are server settings, not faults.
    if (code === 'PHASE_TIMEOUT') return { fault: { kind: 'reset-after-starttls' } };
    const tlsData = failed.data as { chain?: unknown[]; alert?: string } | undefined;
    const noHandshake = (tlsData?.chain?.length ?? 0) === 0 && tlsData?.alert === undefined;
    if ((code === 'TLS_HANDSHAKE_FAILED' || code === 'CONNECTION_DROPPED') && noHandshake && report.target.tls !== 'implicit') {
      return { fault: { kind: 'abort-mid-handshake', how: 'reset' } };
    }
    return {};
  }

  const verb = verbOf(failed);
  if (!verb) return {};
  if (code === 'PHASE_TIMEOUT') return { stall: { verb, attempt: attemptOf(dialogue, verb), delayMs: stallMs } };
  if (code === 'CONNECTION_DROPPED') {
    const greeted = dialogue.greeting !== undefined;
    const partial = partialBytes(events);
    if (failed.step === 'ehlo' && greeted && partial === 0) return { fault: { kind: 'close-after-banner' } };
    return { fault: { kind: 'close-mid-reply', at: verb, afterBytes: Math.max(1, partial) } };
  }
  if (code === 'PROTOCOL_VIOLATION') {
    const v = violation(events) ?? '';
    if (/reply longer than/.test(v)) return { fault: { kind: 'endless-multiline', at: verb } };
    return { fault: { kind: 'huge-line', at: verb, bytes: 1024 * 1024 } };
  }
  return {};
}
