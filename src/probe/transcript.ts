import type { TranscriptLine } from '../model/report.js';
import type { Clock } from '../model/deadline.js';

/**
 * TranscriptRecorder collects the dialogue as it happens. Callers pass lines that are
 * already redacted (SMTP connection redacts AUTH payloads before calling `sent`), so a
 * secret never enters the transcript, which is printed, exported and recorded. A `>` line is
 * one command as written to the socket: the connection refuses, before recording it, a
 * command that would have gone out as more than one line.
 */
export class TranscriptRecorder {
  readonly lines: TranscriptLine[] = [];
  readonly #start: number;

  constructor(readonly clock: Clock, start = clock.now()) {
    this.#start = start;
  }

  sent(text: string): void {
    this.#push('>', text);
  }

  received(text: string): void {
    this.#push('<', text);
  }

  event(text: string): void {
    this.#push('*', text);
  }

  #push(dir: TranscriptLine['dir'], text: string): void {
    this.lines.push({ t: this.clock.now() - this.#start, dir, text });
  }
}
