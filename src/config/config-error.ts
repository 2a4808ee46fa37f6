/**
 * ConfigError: bad input from a flag, a file or the environment. It names the field (and the
 * file:line when known) and is printed as one line; the CLI exits 3 (UNKNOWN) for it.
 */
import { InputError } from './input-error.js';

export class ConfigError extends InputError {
  override name = 'ConfigError';

  constructor(readonly field: string, readonly problem: string, readonly where?: string) {
    super(`${where ? `${where}: ` : ''}${field}: ${problem}`);
  }
}
