import { ConfigError } from '../../src/config/config-error.js';

/** configError runs `fn` and returns the ConfigError it throws (any other throw, or none, fails the test). */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
