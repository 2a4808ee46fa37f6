import type { Verdict } from '../model/report.js';

/** ProgressStream: the part of a TTY stream the bar needs. */
export interface ProgressStream {
  write(s: string): boolean;
  columns?: number;
}

/**
 * ProgressBar draws `[#####·····] 150/300  2 critical  12.3 s` on stderr, redrawn in place at
 * most ten times a second, and only once the run has lasted a second (a short run prints
 * nothing extra). The CLI creates it only when stderr is a TTY.
 */
export class ProgressBar {
  readonly #counts: Record<Verdict, number> = { ok: 0, warning: 0, unknown: 0, critical: 0 };
  #done = 0;
  #shown = false;
  readonly #timer: NodeJS.Timeout;
  readonly #started: number;

  /** `now` is injectable so tests can render without waiting. */
  constructor(readonly stream: ProgressStream, readonly total: number, readonly delayMs = 1000, readonly now: () => number = Date.now) {
    this.#started = now();
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#timer.unref();
  }

  /** tick counts one finished probe. */
  tick(verdict: Verdict): void {
    this.#done += 1;
    this.#counts[verdict] += 1;
  }

  /** stop removes the bar so the summary starts on a clean line. */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#shown) this.stream.write('\r\x1b[K');
  }

  /** line: the bar as it would be drawn now (without the terminal control codes). */
  line(): string {
    const elapsed = this.now() - this.#started;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 50));
    const filled = this.total === 0 ? width : Math.round((this.#done / this.total) * width);
    const bad = (['critical', 'unknown', 'warning'] as const).filter((v) => this.#counts[v] > 0).map((v) => `${this.#counts[v]} ${v}`);
    return `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}] ${this.#done}/${this.total}${bad.length ? `  ${bad.join(', ')}` : ''}  ${(elapsed / 1000).toFixed(1)} s`;
  }

  #draw(): void {
    if (this.now() - this.#started < this.delayMs) return;
    this.#shown = true;
    this.stream.write(`\r\x1b[K${this.line()}`);
  }
}
