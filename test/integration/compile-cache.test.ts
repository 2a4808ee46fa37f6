/**
 * The executable's code cache (src/launcher/compile-cache.ts): a first run writes it, later runs use
 * it (V8 accepts it), a broken one is replaced, one that is not safe is neither used nor
 * replaced, and old bundles' caches are removed. Each run is a child process: the cache is
 * written at process exit. runBundle is driven from tsc's output (npm test builds dist/ first).
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDirFrom, cacheFileName, cacheKey, REFRESH_MS } from '../../src/launcher/compile-cache.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compiledModule = pathToFileURL(path.join(root, 'dist/launcher/compile-cache.js')).href;

interface Run { code: number; stdout: string; stderr: string }
/** node ARGS with this environment plus `env` — or, with `as`, exactly `env`, as another user. */
function node(args: string[], env: NodeJS.ProcessEnv = {}, as?: { uid: number; gid: number; cwd: string }): Promise<Run> {
  const options = as ? { env, ...as } : { env: { ...process.env, NO_COLOR: '1', ...env } };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { ...options, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

// Two tests act as another user (chown, a child with another uid): root only. CI runs as root,
// so there they always run — and fail, not skip, if it does not.
const skipRootOnly = process.getuid?.() !== 0 && !process.env['CI'];
if (skipRootOnly) console.warn('test/integration/compile-cache.test.ts: two tests skipped: acting as another user needs root');

let work: string;
beforeAll(() => {
  expect(existsSync(SMTPROBE_BIN) && existsSync(fileURLToPath(compiledModule)), 'dist/ is built by `npm test` (npm run build)').toBe(true);
  work = mkdtempSync(path.join(tmpdir(), 'smtprobe-cc-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cacheDirFrom and cacheKey', () => {
  it('SMTPROBE_COMPILE_CACHE: unset or empty is the default, 0/off/false turn it off, else a directory', () => {
    expect(cacheDirFrom({}, '/home/u/.cache/smtprobe/v8')).toBe('/home/u/.cache/smtprobe/v8');
    expect(cacheDirFrom({ SMTPROBE_COMPILE_CACHE: '' }, '/d')).toBe('/d');
    for (const off of ['0', 'off', 'OFF', 'false']) expect(cacheDirFrom({ SMTPROBE_COMPILE_CACHE: off }, '/d')).toBeUndefined();
    expect(cacheDirFrom({ SMTPROBE_COMPILE_CACHE: 'rel/dir' }, '/d')).toBe(path.resolve('rel/dir'));
  });

  it('one cache per command; anything else (typos, --help, nothing) shares one', () => {
    expect(cacheKey('check')).toBe('check');
    expect(cacheKey('import-connector')).toBe('import-connector');
    for (const other of ['frobnicate', '--help', '../../etc', undefined]) expect(cacheKey(other)).toBe('default');
    expect(cacheFileName('abc', 'check', '/opt/a/smtprobe-main.cjs')).toMatch(new RegExp(`^[0-9a-f]{12}-abc-check-${process.version}-${process.arch}\\.v8cache$`));
    // Keyed by install path too: V8 keeps the script's file name in the cache (stack traces would name the other install).
    expect(cacheFileName('abc', 'check', '/opt/a/smtprobe-main.cjs')).not.toBe(cacheFileName('abc', 'check', '/opt/b/smtprobe-main.cjs'));
  });
});

describe('runBundle', () => {
  let bundle: string;
  let dir: string;
  const run = (cacheDir: string | undefined, id = 'b1', env: NodeJS.ProcessEnv = {}): Promise<Run> => node([
    '--input-type=module', '-e',
    `const { runBundle } = await import(${JSON.stringify(compiledModule)});
     const outcome = runBundle({ file: ${JSON.stringify(bundle)}, id: ${JSON.stringify(id)}, key: 'check', dir: ${JSON.stringify(cacheDir)} });
     process.stderr.write('outcome=' + outcome);`,
  ], env);
  const cacheFile = (): string => path.join(dir, cacheFileName('b1', 'check', bundle));

  beforeAll(() => {
    const src = path.join(work, 'src');
    mkdirSync(src);
    bundle = path.join(src, 'bundle.cjs');
    writeFileSync(path.join(src, 'sibling.cjs'), 'module.exports = 42;\n');
    // What the program sees must be what `require` would give it: its own file and directory,
    // module/exports, a require relative to itself, and strict mode kept; the hashbang dropped.
    writeFileSync(bundle, `#!/usr/bin/env node
'use strict';
function square(n) { return n * n; }
let sum = 0;
for (let i = 0; i < 1000; i++) sum += square(i);
module.exports.sum = sum;
// A second code path, taken only when asked: a run that takes it compiles more.
function other() {
${Array.from({ length: 200 }, (_, i) => `  sum += ${i} * (sum % ${i + 7});`).join('\n')}
}
if (process.env.OTHER_PATH) other();
process.stdout.write(JSON.stringify({
  file: __filename, dir: __dirname, sibling: require('./sibling.cjs'), sameExports: exports === module.exports,
  strict: (function () { return this === undefined; })(), sum: module.exports.sum,
}));
`);
    dir = path.join(work, 'cache');
  });

  it('runs the bundle as a CommonJS module, and without a directory uses no cache', async () => {
    const r = await run(undefined);
    expect(JSON.parse(r.stdout)).toEqual({ file: bundle, dir: path.dirname(bundle), sibling: 42, sameExports: true, strict: true, sum: 332833500 });
    expect(r.stderr).toBe('outcome=off');
    expect(existsSync(dir)).toBe(false);
  });

  it('cold, then used: the first run writes a private cache at exit that V8 accepts next time', async () => {
    const first = await run(dir);
    expect(first.stderr).toBe('outcome=cold');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    const written = readFileSync(cacheFile());

    const second = await run(dir);
    expect(second.stderr).toBe('outcome=used');
    expect(second.stdout).toBe(first.stdout);
    expect(readFileSync(cacheFile()).equals(written), 'a used cache is not rewritten').toBe(true);
  });

  it('a cache older than an hour is used and made again at exit, with what this run compiled too', async () => {
    const old = (Date.now() - REFRESH_MS - 60_000) / 1000;
    const before = statSync(cacheFile());
    utimesSync(cacheFile(), old, old);
    const r = await run(dir, 'b1', { OTHER_PATH: '1' });
    expect(r.stderr).toBe('outcome=stale');
    const after = statSync(cacheFile());
    expect(after.mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(after.size, 'the functions the old cache held plus the path this run took').toBeGreaterThan(before.size);
    expect((await run(dir, 'b1', { OTHER_PATH: '1' })).stderr).toBe('outcome=used');
  });

  it('a stale cache whose remake is not larger (this run compiled nothing new) is kept, its time renewed', async () => {
    const old = (Date.now() - REFRESH_MS - 60_000) / 1000;
    utimesSync(cacheFile(), old, old);
    const before = statSync(cacheFile());
    const bytes = readFileSync(cacheFile());
    const r = await run(dir, 'b1');
    expect(r.stderr).toBe('outcome=stale');
    const after = statSync(cacheFile());
    expect(after.ino, 'the same file, not a new one renamed over it').toBe(before.ino);
    expect(readFileSync(cacheFile()).equals(bytes)).toBe(true);
    expect(after.mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await run(dir, 'b1')).stderr).toBe('outcome=used');
  });

  it('a broken cache is rejected by V8 and replaced', async () => {
    writeFileSync(cacheFile(), Buffer.alloc(2048, 7), { mode: 0o600 });
    const r = await run(dir);
    expect(r.stderr).toBe('outcome=rejected');
    expect(JSON.parse(r.stdout).sum).toBe(332833500);
    expect((await run(dir)).stderr).toBe('outcome=used');
  });

  it('a cache others could write is refused: not used, not replaced', async () => {
    chmodSync(cacheFile(), 0o620);
    const before = readFileSync(cacheFile());
    const r = await run(dir);
    expect(r.stderr).toBe('outcome=refused');
    expect(JSON.parse(r.stdout).sum).toBe(332833500);
    expect(readFileSync(cacheFile()).equals(before)).toBe(true);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o620);
    chmodSync(cacheFile(), 0o600);
  });

  it.skipIf(skipRootOnly)('a cache owned by another user is refused (root only: it takes chown)', async () => {
    chownSync(cacheFile(), 65534, 65534);
    expect((await run(dir)).stderr).toBe('outcome=refused');
    chownSync(cacheFile(), 0, 0);
    expect((await run(dir)).stderr).toBe('outcome=used');
  });

  it('where no cache can be written, the program runs as without one and nothing is left behind', async () => {
    const blocker = path.join(work, 'a-file');
    writeFileSync(blocker, '');
    const r = await run(path.join(blocker, 'cache'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('outcome=cold');
    expect(JSON.parse(r.stdout).sum).toBe(332833500);
    expect(readFileSync(blocker, 'utf8')).toBe('');
  });

  it('two installations of one bundle keep a cache each (V8 keeps the file name; traces name their own install)', async () => {
    const copy = path.join(work, 'other-install', 'bundle.cjs');
    mkdirSync(path.dirname(copy), { recursive: true });
    writeFileSync(copy, readFileSync(bundle));
    writeFileSync(path.join(path.dirname(copy), 'sibling.cjs'), 'module.exports = 42;\n');
    const r = await node(['--input-type=module', '-e', `const { runBundle } = await import(${JSON.stringify(compiledModule)});
      process.stderr.write('outcome=' + runBundle({ file: ${JSON.stringify(copy)}, id: 'b1', key: 'check', dir: ${JSON.stringify(dir)} }));`]);
    expect(r.stderr).toBe('outcome=cold');
    expect(JSON.parse(r.stdout).file).toBe(copy);
    expect(readdirSync(dir).sort()).toEqual([cacheFileName('b1', 'check', bundle), cacheFileName('b1', 'check', copy)].sort());
    expect((await run(dir)).stderr).toBe('outcome=used');
    rmSync(path.join(dir, cacheFileName('b1', 'check', copy)));
  });

  it("a new bundle's first cache removes the caches of other bundles", async () => {
    const old = readdirSync(dir);
    expect(old).toEqual([cacheFileName('b1', 'check', bundle)]);
    expect((await run(dir, 'b2')).stderr).toBe('outcome=cold');
    expect(readdirSync(dir)).toEqual([cacheFileName('b2', 'check', bundle)]);
  });
});

describe('the smtprobe executable', () => {
  // On every Node, Node ≥ 22.1 included: Node's own compile cache holds fewer functions (see compile-cache.ts).
  it('keeps one cache per command, uses it on the next run, and SMTPROBE_COMPILE_CACHE=off keeps none', async () => {
    const dir = path.join(work, 'bin-cache');
    const env = { SMTPROBE_COMPILE_CACHE: dir };
    const first = await node([SMTPROBE_BIN, 'explain', '--help'], env);
    expect(first.code).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^[0-9a-f]{12}-[0-9a-f]{16}-explain-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8cache$`));
    const written = statSync(path.join(dir, files[0] as string));

    const second = await node([SMTPROBE_BIN, 'explain', '--help'], env);
    expect(second.stdout).toBe(first.stdout);
    const after = statSync(path.join(dir, files[0] as string));
    expect([after.ino, after.mtimeMs], 'accepted by V8, so not rewritten').toEqual([written.ino, written.mtimeMs]);

    await node([SMTPROBE_BIN, '--version'], env);
    expect(readdirSync(dir).map((f) => f.split('-')[2]).sort()).toEqual(['default', 'explain']);

    const offDir = path.join(work, 'never');
    const off = await node([SMTPROBE_BIN, '--version'], { SMTPROBE_COMPILE_CACHE: 'off', HOME: offDir, XDG_CACHE_HOME: offDir });
    expect(off.stdout.trim()).toBe('0.1.0');
    expect(existsSync(offDir)).toBe(false);
  });

  it('without its bundle (a broken install) says so in one line and exits 3, no stack trace', async () => {
    const alone = path.join(work, 'launcher-alone');
    mkdirSync(alone);
    writeFileSync(path.join(alone, 'smtprobe.cjs'), readFileSync(SMTPROBE_BIN));
    const r = await node([path.join(alone, 'smtprobe.cjs'), '--version']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^smtprobe: internal error: ENOENT[^\n]*smtprobe-main\.cjs'\n$/);
  });

  it('keeps it in the user cache directory by default (Linux: $XDG_CACHE_HOME/smtprobe/v8)', async () => {
    const xdg = path.join(work, 'xdg');
    const r = await node([SMTPROBE_BIN, '--version'], { SMTPROBE_COMPILE_CACHE: '', XDG_CACHE_HOME: xdg });
    expect(r.stdout.trim()).toBe('0.1.0');
    const where = process.platform === 'linux' ? path.join(xdg, 'smtprobe', 'v8') : undefined;
    if (where !== undefined) expect(readdirSync(where)).toHaveLength(1);
  });

  it.skipIf(skipRootOnly)('with no home directory (no HOME, a uid with no passwd entry) runs without a cache (root only: it takes another uid)', async () => {
    // A copy anyone can read: the executable needs only its two files for --version.
    const bin = path.join(work, 'nohome-bin');
    mkdirSync(bin);
    chmodSync(work, 0o755);
    chmodSync(bin, 0o755);
    for (const f of ['smtprobe.cjs', 'smtprobe-main.cjs']) writeFileSync(path.join(bin, f), readFileSync(path.join(path.dirname(SMTPROBE_BIN), f)), { mode: 0o644 });
    const { HOME: _home, SMTPROBE_COMPILE_CACHE: _cache, XDG_CACHE_HOME: _xdg, ...env } = process.env;
    const r = await node([path.join(bin, 'smtprobe.cjs'), '--version'], env, { uid: 54321, gid: 54321, cwd: bin });
    expect(r).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });
});
