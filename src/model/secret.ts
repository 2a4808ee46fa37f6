import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Secret wraps a password or bearer token so that it cannot leak by accident:
 * JSON.stringify, String(), template literals and util.inspect all print "[redacted]".
 * Only `reveal()` gives the value, and only the SASL mechanisms call it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** reveal returns the secret itself; call it only where the bytes go on the wire. */
  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
