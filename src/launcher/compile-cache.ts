/**
 * compile-cache: runs the smtprobe executable's CommonJS bundle with a V8 code cache kept on
 * disk, so a command compiles nothing it compiled the last time it ran.
 *
 * Why: one `smtprobe check` is a whole Node process, and compiling the bundle's functions —
 * the top level and every function the command then calls — cost more than the probe itself
 * (bench/README.md, "Whole-process smtprobe check"). The cache is made *after* the command ran
 * (`createCachedData()` at exit), so it holds every function the command needed, not only the
 * ones V8 compiles eagerly; that is what makes it worth having (a cache made at compile time, as
 * v8-compile-cache makes it, measured no faster than none). Node ≥ 22.1's built-in cache
 * (`module.enableCompileCache`) is of that second kind, made as the module is compiled: measured
 * on Node 26 (bench/README.md, "Node's compile cache against ours"), a `check` with it executes
 * 38% more instructions than with this one, most of them compiling functions it lacks. So this
 * cache runs on every Node, and Node 20 has no built-in one at all.
 *
 * What a cache holds is what the run that made it compiled. A first run that failed early (the
 * usual first run of a diagnosis tool) compiles less than a healthy one, so a cache older than
 * an hour is made again at the end of the run that uses it: V8 writes every function compiled
 * in the process — those it read from the old cache and those this run added — so a cache only
 * grows towards what the command's runs need, at the cost of one write an hour.
 *
 * Safety: a code cache is executable bytecode, so a file someone else could have written is
 * never used — it must be a regular file owned by this user and writable by no one else, in a
 * directory this code creates with mode 0700. V8 itself refuses a cache made by another V8,
 * with other flags or for a source of another length; the bundle's content id (a hash taken at
 * build time) is in the file name, so a cache never outlives the bundle it was made from. The
 * cache holds bytecode and the source's own literals, never a value the command computed, so
 * no secret can end up in it. Any failure here only means compiling without the cache.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { isCommandName } from '../cli/commands/names.js';

export interface CompileCacheOptions {
  /** The CommonJS bundle to run. */
  file: string;
  /** The bundle's content id, fixed at build time ([0-9a-z]); undefined: no cache. */
  id: string | undefined;
  /** Which cache for this bundle: the command being run, so each keeps its own functions. */
  key: string;
  /** The cache directory; undefined: no cache. */
  dir: string | undefined;
}

/**
 * What happened to the cache: 'off' (no directory or id), 'used' (V8 accepted it), 'stale' (V8
 * accepted it, and it is older than REFRESH_MS: made again at exit, with what this run compiled
 * too), 'cold' (none yet: one is written at exit), 'rejected' (V8 refused it: rewritten at exit),
 * 'refused' (the file was not safe to use: left alone, nothing written).
 */
export type CacheOutcome = 'off' | 'used' | 'stale' | 'cold' | 'rejected' | 'refused';

/** A cache older than this is made again by the run that uses it. */
export const REFRESH_MS = 60 * 60 * 1000;

const KEY = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * cacheDirFrom: the directory from SMTPROBE_COMPILE_CACHE — unset or empty: `fallback` (the
 * user's cache directory, if there is one); `0`, `off` or `false`: no cache; anything else:
 * that directory.
 */
export function cacheDirFrom(env: NodeJS.ProcessEnv, fallback: string | undefined): string | undefined {
  const v = env['SMTPROBE_COMPILE_CACHE'];
  if (v === undefined || v === '') return fallback;
  if (['0', 'off', 'false'].includes(v.toLowerCase())) return undefined;
  return path.resolve(v);
}

/** cacheKey: the command's name when `arg` names one, else one key shared by the rest. */
export function cacheKey(arg: string | undefined): string {
  return isCommandName(arg) ? arg : 'default';
}

/**
 * cacheFileName: one file per installation, bundle id, command, Node version and architecture.
 * The installation (where the bundle lies) is part of it because V8 keeps the file name a
 * script was compiled under in its cache: two installs of one version sharing a cache would
 * otherwise print each other's paths in stack traces.
 */
export function cacheFileName(id: string, key: string, bundleFile: string): string {
  return `${installTag(bundleFile)}-${id}-${key}-${process.version}-${process.arch}.v8cache`;
}

/**
 * installTag: a short, file-name-safe stand-in for the bundle's absolute path (FNV-1a, two
 * seeds: loading node:crypto for this would cost start-up time, and a collision costs only
 * the wrong path in a trace, never safety — V8 still checks the cache against the source).
 */
function installTag(bundleFile: string): string {
  const text = path.resolve(bundleFile);
  const fnv = (seed: number): string => {
    let h = seed;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return (h >>> 0).toString(16).padStart(8, '0');
  };
  return fnv(0x811c9dc5) + fnv(0x050c5d1f).slice(0, 4);
}

/** Caches of other installations unused this long are removed (an uninstalled copy leaves its own). */
const ABANDONED_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * runBundle compiles `file` as a CommonJS module (with the cache when it is usable), runs it as
 * the program, and returns what happened to the cache. Errors thrown by the bundle's top level
 * propagate as with `require`.
 */
export function runBundle(options: CompileCacheOptions): CacheOutcome {
  const bytes = readFileSync(options.file);
  // An ASCII file (as esbuild writes it) read as Latin-1 is the same text, made twice as fast.
  let source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // The bundle keeps its entry's hashbang; a function wrapper cannot start with one.
  if (source.startsWith('#!')) source = '//' + source.slice(2);
  const cache = options.dir !== undefined && options.id !== undefined && KEY.test(options.key)
    ? { file: path.join(options.dir, cacheFileName(options.id, options.key, options.file)), install: installTag(options.file), id: options.id }
    : undefined;
  const cached = cache === undefined ? undefined : readOwnFile(cache.file);
  const cachedData = typeof cached === 'object' ? cached.bytes : undefined;

  const script = new vm.Script(Module.wrap(source), { filename: options.file, ...(cachedData ? { cachedData } : {}) });
  const outcome: CacheOutcome = cache === undefined ? 'off'
    : cached === 'unsafe' ? 'refused'
    : cached === undefined ? 'cold'
    : script.cachedDataRejected === true ? 'rejected'
    : Date.now() - cached.mtimeMs > REFRESH_MS ? 'stale' : 'used';

  if (cache !== undefined && (outcome === 'cold' || outcome === 'rejected' || outcome === 'stale')) {
    // At exit, the cache holds every function the command ran, not only the top level. A stale
    // cache is replaced only by a larger one: a long run (serve, run --every) may have had V8
    // drop the bytecode of functions it no longer runs, start-up code first.
    const keepUnlessLarger = outcome === 'stale' ? cachedData?.length : undefined;
    process.once('exit', () => writeCache(cache.file, `${cache.install}-`, `${cache.install}-${cache.id}-`, () => script.createCachedData(), keepUnlessLarger));
  }

  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  const mod = new Module(options.file);
  mod.filename = options.file;
  const require = Module.createRequire(options.file);
  wrapper.call(mod.exports, mod.exports, require, mod, options.file, path.dirname(options.file));
  return outcome;
}

/**
 * readOwnFile: the file's bytes and time when it is a regular file of this user's that no one
 * else can write; undefined when there is none; 'unsafe' when it exists but is not safe to run.
 */
function readOwnFile(file: string): { bytes: Buffer; mtimeMs: number } | 'unsafe' | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile()) return 'unsafe';
    if (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0)) return 'unsafe';
    return { bytes: readFileSync(fd), mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * writeCache writes the cache atomically (a private temporary file renamed over it, so a
 * concurrent run reads the old file or the new one, never half of one) and removes caches of
 * other bundles of this installation — the files an upgrade leaves behind (and other
 * installations' caches unused for 30 days). The cache is made only once the file is
 * open: where nothing can be written (no home directory, a read-only one), a run costs no more
 * than without a cache. With `keepUnlessLarger` (remaking a stale cache), a cache no larger than
 * that is not written; the old file is kept and its time renewed.
 */
function writeCache(file: string, install: string, current: string, data: () => Buffer, keepUnlessLarger?: number): void {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  let renamed = false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = openSync(tmp, 'wx', 0o600);
    const bytes = data();
    if (keepUnlessLarger !== undefined && bytes.length <= keepUnlessLarger) {
      // Not larger: keep the file, and renew its time so the next hour's runs use it as it is.
      const now = new Date();
      utimesSync(file, now, now);
      return;
    }
    writeFileSync(fd, bytes);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    renamed = true;
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.v8cache') || name.startsWith(current)) continue;
      const other = path.join(dir, name);
      // This installation's older bundles go at once; other installations' caches only once abandoned.
      if (name.startsWith(install) || now - statSync(other).mtimeMs > ABANDONED_MS) unlinkSync(other);
    }
  } catch {
    // No cache this time: the next run compiles as this one did.
  } finally {
    if (fd !== undefined) closeQuietly(fd);
    if (!renamed) unlinkQuietly(tmp);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there
  }
}
