import { InputError } from '../config/input-error.js';

/** UNKNOWN_EXIT: the monitoring-plugin exit code for "could not check" (bad input, internal error). */
export const UNKNOWN_EXIT = 3;

/**
 * reportFatal prints one line for an error that stopped a command and sets exit code 3.
 * No stack trace unless SMTPROBE_DEBUG is set: users get what was wrong, not our internals.
 */
export function reportFatal(err: unknown): void {
  if (err instanceof InputError) {
    process.stderr.write(`smtprobe: error: ${err.message}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`smtprobe: internal error: ${msg.split('\n')[0]}\n`);
    if (process.env.SMTPROBE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  }
  process.exitCode = UNKNOWN_EXIT;
}
