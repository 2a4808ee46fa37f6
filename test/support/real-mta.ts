/**
 * Whether a real MTA suite (Exim, Dovecot, Haraka) can run here: root where the daemon needs
 * it, and the daemon unpacked or installed by scripts/fetch-real-mtas.sh. Locally a suite that cannot run prints one line and skips; with
 * CI=true that is a failure, never a silent skip.
 */
import { isRoot } from './postfix.js';

/** What a suite needs besides its daemon: root (the default), and the words for a missing daemon. */
export interface RealMtaNeeds {
  root?: boolean;
  /** e.g. "Haraka 3.3.4 not installed in /tmp/smtprobe-mtas/haraka"; default "<name> not unpacked". */
  missing?: string;
}

/** realMtaReady: true when `name` can run; otherwise throws under CI, or warns once and returns false. */
export function realMtaReady(name: string, unpacked: () => boolean, needs: RealMtaNeeds = {}): boolean {
  const root = needs.root ?? true;
  const ready = (isRoot || !root) && unpacked();
  if (ready) return true;
  const why = root && !isRoot ? `not root (${name} starts as root)` : `${needs.missing ?? `${name} not unpacked`} (run scripts/fetch-real-mtas.sh)`;
  if (process.env.CI) throw new Error(`${name} tests cannot run in CI: ${why}`);
  console.warn(`skipping real-${name} tests: ${why}`);
  return false;
}
