import { spawnSync } from 'node:child_process';

/**
 * A Debian package a test suite drives for real, and how to tell it is installed: a command
 * that runs (found on PATH) and exits 0.
 */
export interface SystemPackage {
  pkg: string;
  probe: readonly [string, ...string[]];
}

export const POSTFIX: SystemPackage = { pkg: 'postfix', probe: ['postconf', '-d', 'mail_version'] };
export const SASL2_BIN: SystemPackage = { pkg: 'sasl2-bin', probe: ['saslpasswd2', '-v'] };
export const PROMETHEUS: SystemPackage = { pkg: 'prometheus', probe: ['prometheus', '--version'] };
export const OPENSSL: SystemPackage = { pkg: 'openssl', probe: ['openssl', 'version'] };
export const IPROUTE2: SystemPackage = { pkg: 'iproute2', probe: ['ip', '-V'] };
export const IPTABLES: SystemPackage = { pkg: 'iptables', probe: ['iptables', '--version'] };
export const IP6TABLES: SystemPackage = { pkg: 'iptables', probe: ['ip6tables', '--version'] };

/**
 * SMTPROBE_TEST_ABSENT=postfix,prometheus makes these checks treat the named packages as not
 * installed, so what a fresh machine sees (skips, and failures under CI=true) can be tried on
 * a machine that has them.
 */
function forcedAbsent(): Set<string> {
  return new Set((process.env.SMTPROBE_TEST_ABSENT ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/** isInstalled: the package's probe command runs and succeeds (saslpasswd2 -v exits 1: running is enough). */
export function isInstalled(p: SystemPackage): boolean {
  if (forcedAbsent().has(p.pkg)) return false;
  const [cmd, ...args] = p.probe;
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return r.error === undefined && (r.status === 0 || p === SASL2_BIN);
}

/** missingPackages: the distinct packages of `needs` that are not installed. */
export function missingPackages(needs: readonly SystemPackage[]): string[] {
  return [...new Set(needs.filter((p) => !isInstalled(p)).map((p) => p.pkg))];
}

/** missingPackagesReason: one line naming what is missing and how to install it, or undefined. */
export function missingPackagesReason(needs: readonly SystemPackage[]): string | undefined {
  const missing = missingPackages(needs);
  if (missing.length === 0) return undefined;
  return `needs Debian package${missing.length > 1 ? 's' : ''} ${missing.join(' ')}: sudo apt-get install ${missing.join(' ')} (or every package the suites use: npm run setup:system)`;
}

/**
 * skipWithoutPackages: whether a suite must skip because a package is missing. Locally it
 * prints ONE line naming the suite, the package and the install command; under CI (CI set)
 * the suite fails with that line instead: CI installs everything and must test it.
 */
export function skipWithoutPackages(suite: string, needs: readonly SystemPackage[]): boolean {
  const reason = missingPackagesReason(needs);
  if (reason === undefined) return false;
  if (process.env.CI) throw new Error(`${suite} cannot be skipped in CI: it ${reason}`);
  console.warn(`skipped ${suite}: ${reason}`);
  return true;
}
