/**
 * examples/systemd: the unit files verify with `systemd-analyze verify` — no warning at all (an
 * unknown or mistyped directive is only a warning, and systemd ignores it: a hardening line
 * silently lost). ExecStart must name an existing executable for verify, so the units are
 * checked in a copy whose /usr/local/bin/smtprobe is the executable `npm run build` made.
 * Needs Debian's `systemd` package; without it the test is skipped locally and fails in CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPROBE_BIN } from '../support/bin.js';

const unitDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/systemd');
const units = readdirSync(unitDir).filter((f) => /\.(service|timer)$/.test(f)).sort();
const INSTALLED_PATH = '/usr/local/bin/smtprobe';

const missing = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).error !== undefined;
const inCi = Boolean(process.env.CI);
if (missing && !inCi) console.warn('test/integration/systemd-units.test.ts skipped: systemd-analyze not found (Debian package systemd)');

function verify(dir: string, files: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('systemd-analyze', ['verify', ...files.map((f) => `./${f}`)], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe.skipIf(missing && !inCi)('examples/systemd', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-units-'));
    for (const f of units) writeFileSync(path.join(dir, f), readFileSync(path.join(unitDir, f), 'utf8').replaceAll(INSTALLED_PATH, SMTPROBE_BIN));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the exporter service and the textfile service + timer', () => {
    expect(units).toEqual(['smtprobe-exporter.service', 'smtprobe-textfile.service', 'smtprobe-textfile.timer']);
  });

  it('the exporter runs serve unprivileged with only CAP_NET_RAW, its credentials via LoadCredential, on a read-only system', () => {
    const text = readFileSync(path.join(unitDir, 'smtprobe-exporter.service'), 'utf8');
    expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/smtprobe serve --config /m);
    expect(text).toMatch(/^DynamicUser=yes$/m);
    expect(text).toMatch(/^AmbientCapabilities=CAP_NET_RAW$/m);
    expect(text).toMatch(/^CapabilityBoundingSet=CAP_NET_RAW$/m);
    expect(text).toMatch(/^LoadCredential=\S+:\S+$/m);
    expect(text).toMatch(/^ProtectSystem=strict$/m);
  });

  it('the textfile service writes with --output (atomic) and the timer starts it', () => {
    const text = readFileSync(path.join(unitDir, 'smtprobe-textfile.service'), 'utf8');
    expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/smtprobe run \S+ --format prometheus --output \/var\/lib\/node_exporter\/textfile_collector\/smtprobe\.prom$/m);
    expect(readFileSync(path.join(unitDir, 'smtprobe-textfile.timer'), 'utf8')).toMatch(/^Unit=smtprobe-textfile\.service$/m);
  });

  it('every unit verifies without a single warning', () => {
    const r = verify(dir, units);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('(the check is real: a mistyped directive is reported)', () => {
    const bad = 'bad.service';
    writeFileSync(path.join(dir, bad), readFileSync(path.join(dir, 'smtprobe-exporter.service'), 'utf8').replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    const r = verify(dir, [bad]);
    expect(r.stderr).toMatch(/ProtectSytem/);
  });
});
