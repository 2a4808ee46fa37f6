import type { ReplyStep, Scenario, ScriptableVerb } from './scenario-schema.js';

/**
 * ReplyScript plays a scenario's `replies`: the nth time the server receives a verb it
 * answers with the nth step, and the last step repeats. Attempts are counted per server,
 * not per session, so that a greylisting script (451, then 250) answers a retry on a new
 * connection as a real greylisting server does.
 */
export class ReplyScript {
  readonly #attempts = new Map<ScriptableVerb, number>();

  constructor(private readonly replies: Scenario['server']['replies']) {}

  /** has: whether the verb has a script at all. */
  has(verb: ScriptableVerb): boolean {
    return (this.replies[verb]?.length ?? 0) > 0;
  }

  /**
   * next takes the step for this attempt of `verb` and counts the attempt; `undefined`
   * (no script) and `'default'` both mean "answer as the server normally would".
   */
  next(verb: ScriptableVerb): ReplyStep | undefined {
    const steps = this.replies[verb];
    if (!steps || steps.length === 0) return undefined;
    const n = this.#attempts.get(verb) ?? 0;
    this.#attempts.set(verb, n + 1);
    return steps[Math.min(n, steps.length - 1)];
  }
}

/**
 * formatReply renders an SMTP reply (RFC 5321 §4.2): every line but the last is
 * "code-text", the last "code text"; each ends in CRLF.
 */
export function formatReply(code: number, text: string | readonly string[]): string {
  const lines = typeof text === 'string' ? [text] : text.length > 0 ? text : [''];
  return lines.map((line, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${line}`.trimEnd() + '\r\n').join('');
}
