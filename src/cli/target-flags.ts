import { ConfigError } from '../config/config-error.js';
import { parseTargetInput } from '../config/resolve-target.js';
import type { TargetInput } from '../config/target-schema.js';
import { ATTEMPTABLE_MECHANISMS } from '../model/target.js';

/** What each numeric flag must be, in the words its error names. */
const NUMBER_FLAGS: Readonly<Record<string, { what: string; whole: boolean; min: number; max: number }>> = {
  port: { what: 'a port number (1 to 65535)', whole: true, min: 1, max: 65535 },
  timeout: { what: 'a number of seconds (above 0, at most 3600)', whole: false, min: Number.MIN_VALUE, max: 3600 },
  phaseTimeout: { what: 'a number of seconds (above 0, at most 3600)', whole: false, min: Number.MIN_VALUE, max: 3600 },
  certWarnDays: { what: 'a whole number of days (0 to 3650)', whole: true, min: 0, max: 3650 },
  certCritDays: { what: 'a whole number of days (0 to 3650)', whole: true, min: 0, max: 3650 },
  icmpCount: { what: 'a whole number (1 to 10000)', whole: true, min: 1, max: 10_000 },
  pathCount: { what: 'a whole number (1 to 10000)', whole: true, min: 1, max: 10_000 },
};

/** The values `--auth` takes, as the schema spells them. */
const AUTH_CHOICES: readonly string[] = ['auto', 'none', ...ATTEMPTABLE_MECHANISMS];

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * normaliseTargetFlags checks the flags a user most often gets wrong before the schema sees
 * them, so the one line names the flag as typed and what it must be (`--port: "abc" is not a
 * port number (1 to 65535)`), and takes `--auth` mechanisms in any case (`login`, `cram-md5`).
 */
export function normaliseTargetFlags(raw: Record<string, unknown>): Record<string, unknown> {
  const input = { ...raw };
  for (const [key, rule] of Object.entries(NUMBER_FLAGS)) {
    const v = input[key];
    if (v === undefined || typeof v === 'number') continue;
    const n = Number(v);
    if (String(v).trim() === '' || !Number.isFinite(n) || (rule.whole && !Number.isInteger(n)) || n < rule.min || n > rule.max) {
      throw new ConfigError(flagName(key), `"${String(v)}" is not ${rule.what}`);
    }
  }
  if (typeof input.auth === 'string') {
    const typed = input.auth;
    const choice = AUTH_CHOICES.find((c) => c.toLowerCase() === typed.toLowerCase());
    if (choice === undefined) throw new ConfigError('--auth', `"${typed}" is not one of ${AUTH_CHOICES.join(', ')} (any case)`);
    input.auth = choice;
  }
  return input;
}

/**
 * parseTargetFlags validates a target given only by command-line flags; a problem the schema
 * finds is named by its flag (`--tls-min: ...`), not by its probes.yaml key.
 */
export function parseTargetFlags(raw: Record<string, unknown>): TargetInput {
  const input = normaliseTargetFlags(raw);
  try {
    return parseTargetInput(input);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(flagName(err.field.split('.')[0] ?? err.field), err.problem);
    throw err;
  }
}

/**
 * refusePasswordFlag: `--password VALUE` (what swaks and curl users type) is refused with the
 * ways smtprobe does take a password. A value on the command line shows in `ps` and in the
 * shell's history, so it is never used — and never echoed back.
 */
export function refusePasswordFlag(flags: Record<string, unknown>): void {
  if (flags.password === undefined) return;
  throw new ConfigError('--password', 'smtprobe never takes a password on the command line (ps and shell history show it): use --password-env VAR or --password-file FILE, or leave both out on a terminal to be prompted');
}
