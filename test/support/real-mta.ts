/**
 * Whether a real MTA suite (Exim, Dovecot) can run here: root, and the daemon unpacked by
 * scripts/fetch-real-mtas.sh. Locally a suite that cannot run prints one line and skips; with
 * CI=true that is a failure, never a silent skip.
 */
import { isRoot } from './postfix.js';

/** realMtaReady: true when `name` can run; otherwise throws under CI, or warns once and returns false. */
export function realMtaReady(name: string, unpacked: () => boolean): boolean {
  const ready = isRoot && unpacked();
  if (ready) return true;
  const why = !isRoot ? `not root (${name} starts as root)` : `${name} not unpacked (run scripts/fetch-real-mtas.sh)`;
  if (process.env.CI) throw new Error(`${name} tests cannot run in CI: ${why}`);
  console.warn(`skipping real-${name} tests: ${why}`);
  return false;
}
