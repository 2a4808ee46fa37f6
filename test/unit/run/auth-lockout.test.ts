import { describe, expect, it } from 'vitest';
import type { Report, StepResult } from '../../../src/model/report.js';
import { Secret } from '../../../src/model/secret.js';
import type { Target } from '../../../src/model/target.js';
import type { AuthHold } from '../../../src/probe/probe.js';
import { AuthLockout } from '../../../src/run/auth-lockout.js';
import { FakeClock } from './fake-clock.js';
import { reportFor, target } from './fake-probe.js';

/** A relay that accepts only `good`: the fake probe's AUTH step answers 235 or 535. */
function relay(good: string) {
  const seen: { password: string | undefined; hold: AuthHold | undefined }[] = [];
  const probe = async (t: Target, opts: { signal: AbortSignal; authHold?: AuthHold }): Promise<Report> => {
    seen.push({ password: t.password?.reveal(), hold: opts.authHold });
    const r = reportFor(t, 'ok');
    if (opts.authHold) return r;
    const ok = t.password?.reveal() === good;
    const auth: StepResult = {
      step: 'auth', status: ok ? 'pass' : 'fail', startedAt: 0, durationMs: 1,
      data: { offered: ['PLAIN'], offeredBeforeTls: [], usable: ['PLAIN'], detectedOnly: [], attempted: true, mechanism: 'PLAIN', reply: { code: ok ? 235 : 535, lines: [ok ? '2.7.0 ok' : '5.7.8 authentication failed'] } },
    };
    if (!ok) auth.error = { code: 'AUTH_CREDENTIALS_REJECTED', message: 'auth: 535' };
    return { ...r, steps: [auth] };
  };
  /** AUTH commands the relay received (rounds not held). */
  const authCommands = (): number => seen.filter((s) => s.hold === undefined).length;
  return { probe, seen, authCommands };
}

const signal = new AbortController().signal;

function withPassword(name: string, value: string, policy?: Target['authPolicy']): Target {
  const env = `LOCKOUT_TEST_${name.toUpperCase()}`;
  process.env[env] = value;
  return { ...target(name), user: 'probe@relay.test', password: new Secret(value), credentialSource: { kind: 'env', name: env }, ...(policy ? { authPolicy: policy } : {}) };
}

describe('AuthLockout', () => {
  it('after 3 consecutive rejections (the default) sends no more AUTH: AUTH_SUSPENDED holds with the rejections', async () => {
    const clock = new FakeClock();
    const lockout = new AuthLockout(clock);
    const r = relay('right');
    const probe = lockout.guard(r.probe);
    const t = withPassword('a', 'wrong');
    for (let i = 0; i < 10; i++) {
      await probe(t, { signal });
      await clock.advance(60_000);
    }
    expect(r.authCommands()).toBe(3);
    const hold = r.seen[3]?.hold;
    expect(hold?.kind).toBe('suspended');
    expect(hold?.kind === 'suspended' && hold.rejections).toHaveLength(3);
    expect(lockout.suspended()).toEqual([expect.objectContaining({ target: 'a', user: 'probe@relay.test', rejections: 3 })]);
  });

  it('resumes at once when the credential source changes, using the new value', async () => {
    const lockout = new AuthLockout(new FakeClock());
    const r = relay('right');
    const probe = lockout.guard(r.probe);
    const t = withPassword('b', 'wrong');
    for (let i = 0; i < 5; i++) await probe(t, { signal });
    expect(r.authCommands()).toBe(3);
    process.env.LOCKOUT_TEST_B = 'right';
    await probe(t, { signal });
    expect(r.seen.at(-1)).toEqual({ password: 'right', hold: undefined });
    expect(lockout.suspended()).toEqual([]);
  });

  it('tries one AUTH again after authRetryAfter, and suspends again if it is rejected', async () => {
    const clock = new FakeClock();
    const lockout = new AuthLockout(clock);
    const r = relay('right');
    const probe = lockout.guard(r.probe);
    const t = withPassword('c', 'wrong', { failLimit: 2, retryAfterMs: 600_000 });
    for (let i = 0; i < 4; i++) await probe(t, { signal });
    expect(r.authCommands()).toBe(2);
    await clock.advance(600_000);
    await probe(t, { signal });
    await probe(t, { signal });
    expect(r.authCommands()).toBe(3);
    expect(r.seen.at(-1)?.hold?.kind).toBe('suspended');
  });

  it('authEvery: AUTH at most that often, the rounds between are held as not due', async () => {
    const clock = new FakeClock();
    const lockout = new AuthLockout(clock);
    const r = relay('right');
    const probe = lockout.guard(r.probe);
    const t = withPassword('d', 'right', { everyMs: 15 * 60_000 });
    for (let i = 0; i < 30; i++) {
      await probe(t, { signal });
      await clock.advance(60_000);
    }
    expect(r.authCommands()).toBe(2);
    expect(r.seen.filter((s) => s.hold?.kind === 'not-due')).toHaveLength(28);
  });

  it('an accepted AUTH ends the streak', async () => {
    const lockout = new AuthLockout(new FakeClock());
    const r = relay('right');
    const probe = lockout.guard(r.probe);
    const t = withPassword('e', 'wrong');
    await probe(t, { signal });
    await probe(t, { signal });
    process.env.LOCKOUT_TEST_E = 'right';
    await probe(t, { signal });
    process.env.LOCKOUT_TEST_E = 'wrong';
    await probe(t, { signal });
    await probe(t, { signal });
    expect(r.seen.every((s) => s.hold === undefined)).toBe(true);
  });
});
