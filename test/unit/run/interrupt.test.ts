import { afterEach, describe, expect, it, vi } from 'vitest';
import { onInterrupt, stopRequested, withInterrupt } from '../../../src/cli/interrupt.js';
import { Interrupted, isInterrupted } from '../../../src/model/deadline.js';

describe('onInterrupt (the one SIGINT/SIGTERM handling of every command)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the first signal aborts with an Interrupted reason and a notice; the second exits at once', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const scope = onInterrupt({ notice: (s) => `stopping on ${s}\n` });
    try {
      process.emit('SIGINT');
      expect(scope.interrupted).toBe(true);
      expect(isInterrupted(scope.signal)).toBe(true);
      expect(scope.signal.reason).toBeInstanceOf(Interrupted);
      expect(stderr).toHaveBeenCalledWith('stopping on SIGINT\n');
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
    } finally {
      scope.dispose();
    }
  });

  it('SIGTERM counts too (service managers), and dispose stops listening', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = process.listenerCount('SIGTERM');
    const scope = onInterrupt();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM');
    expect(scope.interrupted).toBe(true);
    process.emit('SIGTERM');
    expect(exit).toHaveBeenCalledWith(143);
    scope.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('a deadline abort is not an interrupt', () => {
    const ac = new AbortController();
    ac.abort(new Error('probe deadline passed'));
    expect(isInterrupted(ac.signal)).toBe(false);
  });

  it('withInterrupt gives the work the scope and stops listening when the work ends, even by a throw', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = process.listenerCount('SIGINT');
    const seen = await withInterrupt({}, async (scope) => {
      expect(process.listenerCount('SIGINT')).toBe(before + 1);
      const stopped = stopRequested(scope);
      process.emit('SIGINT');
      await stopped;
      return scope.interrupted;
    });
    expect(seen).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(before);
    await expect(withInterrupt({}, async () => {
      throw new Error('bug');
    })).rejects.toThrow('bug');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
