/**
 * InputError: the base of every error that means "what the user gave us is wrong" (a flag,
 * a config file, a scenario, a log to import). The CLI prints its message as one line and
 * exits 3; any other error is a bug and is reported as an internal error.
 */
export class InputError extends Error {
  override name = 'InputError';
}
