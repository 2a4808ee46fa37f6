import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../src/cli/run-progress.js';

describe('progress bar', () => {
  it('shows done/total, the problems so far and the elapsed time', () => {
    let now = 1_000_000;
    const written: string[] = [];
    const bar = new ProgressBar({ write: (s) => written.push(s) > 0, columns: 60 }, 10, 1000, () => now);
    for (const v of ['ok', 'ok', 'critical', 'warning'] as const) bar.tick(v);
    now += 2500;
    expect(bar.line()).toBe('[####······] 4/10  1 critical, 1 warning  2.5 s');
    bar.stop();
    // Never drawn (no timer tick happened in this test), so nothing to erase either.
    expect(written).toEqual([]);
  });
});
