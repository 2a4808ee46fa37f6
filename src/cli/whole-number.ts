/**
 * wholeNumberIn: a flag's value as a whole number from `min` to `max`, or undefined when it
 * is not one (a fraction, a word, out of range). The one number parser of the CLI; each
 * caller words its own error, since those lines are part of the command's output.
 */
export function wholeNumberIn(value: unknown, min: number, max: number): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}
