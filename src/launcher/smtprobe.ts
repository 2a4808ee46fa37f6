#!/usr/bin/env node
/**
 * The `smtprobe` executable (package.json bin: dist/bin/smtprobe.cjs, built from this file by
 * scripts/bundle.mjs). It only runs the CLI's bundle (dist/bin/smtprobe-main.cjs, from
 * src/cli/main.ts) through compile-cache.ts, so that a command compiles nothing it compiled the last
 * time it ran. CommonJS on purpose: an ES module entry costs the ESM loader's start (~5 ms).
 *
 * On every Node: Node ≥ 22.1's own compile cache (`module.enableCompileCache`) is made when the
 * bundle is compiled, so it holds only what V8 compiles eagerly; ours is made after the command
 * ran (compile-cache.ts says why that matters, bench/README.md measures it).
 *
 * The cache lives in the user's cache directory (~/.cache/smtprobe/v8 on Linux, per env-paths);
 * SMTPROBE_COMPILE_CACHE names another directory, or turns it off with `0`/`off`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportFatal } from '../cli/exit.js';
import { cacheDirFrom, cacheKey, runBundle } from './compile-cache.js';

/** The bundle's content id, defined by scripts/bundle.mjs; absent when run from tsc's output. */
declare const __SMTPROBE_BUNDLE_ID__: string | undefined;

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.join(here, 'smtprobe-main.cjs');
  const dir = cacheDirFrom(process.env, await userCacheDir());
  runBundle({ file, id: typeof __SMTPROBE_BUNDLE_ID__ === 'string' ? __SMTPROBE_BUNDLE_ID__ : undefined, key: cacheKey(process.argv[2]), dir });
}

/**
 * userCacheDir: the user's cache directory for smtprobe's code cache, or none when there is no
 * home directory to put it in (no HOME and no passwd entry: env-paths, loaded here rather than
 * with this file, then throws as it loads).
 */
async function userCacheDir(): Promise<string | undefined> {
  try {
    const { default: envPaths } = await import('env-paths');
    return path.join(envPaths('smtprobe', { suffix: '' }).cache, 'v8');
  } catch {
    return undefined;
  }
}

// A failure to start (a missing or unreadable bundle) is one line and exit 3, as in any command.
main().catch(reportFatal);
