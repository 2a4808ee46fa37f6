import type { TranscriptLine } from '../model/report.js';

/**
 * The server's side of a recorded SMTP session, read back from a Report's transcript: the
 * greeting, then each command with the reply it got and how long the reply took. The
 * transcript is the wire as the probe saw it (client AUTH payloads already redacted at
 * capture), so it is the most literal source a recording can replay from.
 */

/** RecordedReply: one complete reply (RFC 5321 §4.2), every line's text after "code" and separator. */
export interface RecordedReply {
  code: number;
  /** Text of each line, enhanced status kept as the wire showed it. */
  text: string[];
  /** Milliseconds from the command (or from the connection, for the greeting) to the reply. */
  latencyMs: number;
}

/** RecordedExchange: one command the probe sent and what came back. */
export interface RecordedExchange {
  /** Upper-case verb, e.g. EHLO, STARTTLS, AUTH. */
  verb: string;
  /** The command line as recorded (already redacted). */
  command: string;
  /** Transcript time of the command. */
  at: number;
  /** The final reply; for AUTH the reply after the last SASL round. */
  reply?: RecordedReply;
  /** AUTH only: the 334 challenges the server sent (RFC 4954 §4), in order. */
  challenges: string[];
  /** AUTH only: the command carried an initial response (`AUTH PLAIN <...>`). */
  initialResponse: boolean;
}

/** Dialogue: the session as command/reply pairs, plus the local events in between. */
export interface Dialogue {
  /** Transcript time of "connected to ...", when recorded. */
  connectedAt?: number;
  greeting?: RecordedReply;
  exchanges: RecordedExchange[];
  /** `*` lines in order (timeouts, violations, TLS results, side-connection notes). */
  events: string[];
}

/** A reply line: code, then "-" for more lines or " "/end for the last (RFC 5321 §4.2.1). */
const REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/;

/**
 * parseDialogue pairs each `>` command with the `<` lines that answer it. A `>` line sent
 * while an AUTH exchange is waiting on a 334 is a SASL response, not a new command.
 */
export function parseDialogue(transcript: readonly TranscriptLine[]): Dialogue {
  const dialogue: Dialogue = { exchanges: [], events: [] };
  let current: RecordedExchange | undefined;
  let sentAt = 0;
  let pending: { code: number; text: string[]; t: number } | undefined;
  /** The AUTH exchange is between a 334 and the client's answer to it. */
  let inSasl = false;

  const finish = (code: number, text: string[], t: number): void => {
    const reply: RecordedReply = { code, text, latencyMs: Math.max(0, t - sentAt) };
    if (!current) {
      dialogue.greeting ??= { ...reply, latencyMs: Math.max(0, t - (dialogue.connectedAt ?? 0)) };
      return;
    }
    if (current.verb === 'AUTH' && code === 334) {
      current.challenges.push(text[0] ?? '');
      inSasl = true;
      return;
    }
    current.reply = reply;
  };

  for (const line of transcript) {
    if (line.dir === '*') {
      dialogue.events.push(line.text);
      if (dialogue.connectedAt === undefined && /^connected to /.test(line.text)) dialogue.connectedAt = line.t;
      continue;
    }
    if (line.dir === '>') {
      sentAt = line.t;
      if (inSasl && current) {
        inSasl = false;
        continue;
      }
      const [word = '', ...rest] = line.text.split(' ');
      const verb = word.toUpperCase();
      current = { verb, command: line.text, at: line.t, challenges: [], initialResponse: verb === 'AUTH' && rest.length > 1 };
      dialogue.exchanges.push(current);
      continue;
    }
    const m = REPLY_LINE.exec(line.text);
    if (!m) continue;
    const code = Number(m[1]);
    if (!pending) pending = { code, text: [], t: line.t };
    // A NUL (or a bare CR) the server sent inside a line cannot be replayed as text: a scenario
    // refuses it, so the mock's replies keep their framing. U+FFFD marks where it was.
    pending.text.push((m[3] ?? '').replace(/[\r\n\u0000]/g, '\ufffd'));
    if (m[2] !== '-') {
      finish(pending.code, pending.text, pending.t);
      pending = undefined;
    }
  }
  return dialogue;
}

/** exchangesOf: the exchanges of one verb, in order. */
export function exchangesOf(dialogue: Dialogue, verb: string): RecordedExchange[] {
  return dialogue.exchanges.filter((e) => e.verb === verb);
}
