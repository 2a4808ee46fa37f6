import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { systemClock, type Clock } from '../model/deadline.js';
import type { Report } from '../model/report.js';
import { Secret } from '../model/secret.js';
import type { Target } from '../model/target.js';
import type { AuthHold } from '../probe/probe.js';
import type { ProbeFn } from './runner.js';

/**
 * AUTH_LOCKOUT_DEFAULTS: safe without configuration. Three rejections is below the usual
 * lockout thresholds (fail2ban's default maxretry is 5; Microsoft 365 Smart Lockout is 10), and
 * an hour between retries keeps a stale password from ever adding up to them.
 */
export const AUTH_LOCKOUT_DEFAULTS = { failLimit: 3, retryAfterMs: 3_600_000 } as const;

/** One target+user's record: the consecutive rejections and, once suspended, since when. */
interface Entry {
  rejections: string[];
  suspendedAt?: number;
  /** Keyed digest of the credential when AUTH was suspended: a different one resumes AUTH. */
  credentialAtSuspension?: string;
  lastAuthAt?: number;
  /** The target's authRetryAfter, remembered for `suspended()`. */
  retryAfterMs?: number;
}

/** SuspendedAuth: one suspended target+user, for metrics and logs. */
export interface SuspendedAuth {
  target: string;
  user: string;
  since: number;
  retryAt: number;
  rejections: number;
}

/**
 * AuthLockout: lockout protection for scheduled probing (`run --every`, `serve`'s schedule and
 * `/probe`). A probe that authenticates every minute with a stale password is a password-guessing
 * loop: relays lock the account or ban the sender's address. So after `authFailLimit`
 * consecutive credential rejections (535) for a target+user, AUTH is not sent there any more —
 * the Report says so with AUTH_SUSPENDED — until the credential source changes (environment
 * value or file content, compared by a keyed digest; the new value is used) or `authRetryAfter`
 * passes (then one AUTH is tried). `authEvery` sends AUTH at most that often; the rounds in
 * between probe TCP, TLS and EHLO only. State lives in memory, one instance per run or exporter.
 */
export class AuthLockout {
  readonly #entries = new Map<string, Entry>();
  /** Digests are keyed per process, so the digest of a password is worth nothing outside it. */
  readonly #key = randomBytes(32);

  constructor(readonly clock: Clock = systemClock) {}

  /** before decides this round: the Target to probe (with the current credential) and whether to hold AUTH. */
  async before(target: Target): Promise<{ target: Target; hold?: AuthHold }> {
    if (!target.user || target.auth === 'none') return { target };
    const current = await this.#currentCredential(target);
    const probed = current && current !== target.password ? { ...target, password: current } : target;
    const entry = this.#entries.get(keyOf(target));
    if (!entry) return { target: probed };
    const now = this.clock.now();
    const policy = policyOf(target);
    if (entry.suspendedAt !== undefined) {
      if (current && this.#digest(current) !== entry.credentialAtSuspension) {
        this.#entries.delete(keyOf(target));
        return { target: probed };
      }
      const retryAt = entry.suspendedAt + policy.retryAfterMs;
      if (now < retryAt) return { target: probed, hold: { kind: 'suspended', rejections: [...entry.rejections], since: entry.suspendedAt, retryAt } };
      return { target: probed };
    }
    if (policy.everyMs !== undefined && entry.lastAuthAt !== undefined && now < entry.lastAuthAt + policy.everyMs) {
      return { target: probed, hold: { kind: 'not-due', nextAt: entry.lastAuthAt + policy.everyMs } };
    }
    return { target: probed };
  }

  /** after records what AUTH did in this Report: a rejection counts, an acceptance resets. */
  after(target: Target, report: Report): void {
    if (!target.user) return;
    const step = report.steps.find((s) => s.step === 'auth');
    const data = step?.data;
    if (!step || !data?.attempted) return;
    const key = keyOf(target);
    const now = this.clock.now();
    const entry = this.#entries.get(key) ?? { rejections: [] };
    entry.lastAuthAt = now;
    if (step.error?.code !== 'AUTH_CREDENTIALS_REJECTED') {
      // Accepted, or refused for another reason (a 454 tempfail is not a wrong password): the
      // streak ends; when AUTH last ran is kept for authEvery.
      this.#entries.set(key, { lastAuthAt: now, rejections: [] });
      return;
    }
    const reply = data.reply ? `${data.reply.code} ${data.reply.lines?.join(' ') ?? ''}`.trim() : step.error.message;
    entry.rejections = [...entry.rejections, `${new Date(now).toISOString()} ${reply}`].slice(-10);
    if (entry.rejections.length >= policyOf(target).failLimit) {
      entry.suspendedAt = now;
      if (target.password) entry.credentialAtSuspension = this.#digest(target.password);
    }
    this.#entries.set(key, entry);
  }

  /** suspended lists every target+user whose AUTH is suspended now. */
  suspended(): SuspendedAuth[] {
    const out: SuspendedAuth[] = [];
    for (const [key, e] of this.#entries) {
      if (e.suspendedAt === undefined) continue;
      const [target = '', user = ''] = key.split('\u0000');
      out.push({ target, user, since: e.suspendedAt, retryAt: e.suspendedAt + (e.retryAfterMs ?? AUTH_LOCKOUT_DEFAULTS.retryAfterMs), rejections: e.rejections.length });
    }
    return out;
  }

  /** guard wraps a ProbeFn so every probe it makes goes through this lockout. */
  guard(probe: ProbeFn): ProbeFn {
    return async (target, opts) => {
      const { target: probed, hold } = await this.before(target);
      const report = await probe(probed, { ...opts, ...(hold ? { authHold: hold } : {}) });
      this.after(probed, report);
      const entry = this.#entries.get(keyOf(probed));
      if (entry) entry.retryAfterMs = policyOf(probed).retryAfterMs;
      return report;
    };
  }

  /** The credential as its source holds it now (re-read each round), else the resolved one. */
  async #currentCredential(target: Target): Promise<Secret | undefined> {
    const src = target.credentialSource;
    try {
      if (src?.kind === 'env') {
        const v = process.env[src.name];
        if (v) return v === target.password?.reveal() ? target.password : new Secret(v);
      } else if (src?.kind === 'file') {
        const v = (await readFile(src.path, 'utf8')).replace(/\r?\n$/, '');
        return v === target.password?.reveal() ? target.password : new Secret(v);
      }
    } catch {
      // Unreadable now (being rewritten, removed): keep the credential the run started with.
    }
    return target.password;
  }

  #digest(secret: Secret): string {
    return createHmac('sha256', this.#key).update(secret.reveal()).digest('hex');
  }
}

function keyOf(target: Target): string {
  return `${target.name}\u0000${target.user ?? ''}`;
}

function policyOf(target: Target): { failLimit: number; retryAfterMs: number; everyMs?: number } {
  const p = target.authPolicy ?? {};
  return {
    failLimit: p.failLimit ?? AUTH_LOCKOUT_DEFAULTS.failLimit,
    retryAfterMs: p.retryAfterMs ?? AUTH_LOCKOUT_DEFAULTS.retryAfterMs,
    ...(p.everyMs !== undefined ? { everyMs: p.everyMs } : {}),
  };
}
