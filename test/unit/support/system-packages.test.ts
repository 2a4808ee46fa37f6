/**
 * The fresh-machine promise: `npm test` skips a suite whose Debian package is missing with one
 * line naming it and its install command, fails instead under CI, and every package a suite
 * checks for is in the one list that `npm run setup:system` and .ci/run install.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as needs from '../../support/system-packages.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const listed = readFileSync(path.join(root, '.ci/system-packages'), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
const checked = Object.values(needs).filter((v): v is needs.SystemPackage => typeof v === 'object' && v !== null && 'pkg' in v);

describe('one list of system packages', () => {
  it('every package a suite checks for is in .ci/system-packages', () => {
    expect(checked.length).toBeGreaterThanOrEqual(6);
    for (const p of checked) expect(listed, p.pkg).toContain(p.pkg);
  });

  it('npm run setup:system and .ci/run both install that list, and only it', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['setup:system']).toBe('sh scripts/setup-system.sh');
    expect(readFileSync(path.join(root, 'scripts/setup-system.sh'), 'utf8')).toContain('.ci/system-packages');
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci).toContain('sh scripts/setup-system.sh');
    expect(ci).not.toMatch(/apt-get install/);
  });
});

describe('a missing package', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('locally: the suite skips with one line naming the package and the install command', () => {
    vi.stubEnv('SMTPROBE_TEST_ABSENT', 'prometheus');
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(needs.skipWithoutPackages('some.test.ts', [needs.PROMETHEUS])).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe('skipped some.test.ts: needs Debian package prometheus: sudo apt-get install prometheus (or every package the suites use: npm run setup:system)');
  });

  it('under CI: the suite fails with that line instead of skipping', () => {
    vi.stubEnv('SMTPROBE_TEST_ABSENT', 'postfix,sasl2-bin');
    vi.stubEnv('CI', 'true');
    expect(() => needs.skipWithoutPackages('pf.test.ts', [needs.POSTFIX, needs.SASL2_BIN])).toThrow(/^pf\.test\.ts cannot be skipped in CI: it needs Debian packages postfix sasl2-bin: sudo apt-get install postfix sasl2-bin/);
  });

  it('a command not on PATH counts as missing', () => {
    expect(needs.isInstalled({ pkg: 'nothing', probe: ['smtprobe-no-such-command-here', '--version'] })).toBe(false);
  });
});
