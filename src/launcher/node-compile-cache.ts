/**
 * node-compile-cache: runs the smtprobe executable's bundle with Node's own on-disk compile
 * cache (`module.enableCompileCache`, Node ≥ 22.1), where there is one; compile-cache.ts keeps
 * the hand-made cache for Node 20, which has none. Measured on Node 26 (bench/README.md, "The
 * credential gate … its cost"): no slower than the hand-made one within a loaded machine's
 * noise, and it needs no code of ours at exit nor a cache per command.
 *
 * Safety, as for the hand-made cache: a code cache is executable bytecode, so the directory
 * Node writes it into is one this code makes with mode 0700 and uses only when it is a
 * directory of this user's that no one else can write; anything else means running without a
 * cache. Node checks each entry against the source's hash and its own version and flags.
 */
import { mkdirSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

type EnableCompileCache = (dir: string) => { status: number; message?: string; directory?: string };

/** nodeCompileCache: Node's enableCompileCache, when this Node has it. */
export function nodeCompileCache(): EnableCompileCache | undefined {
  const f = (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache;
  return typeof f === 'function' ? (f as EnableCompileCache) : undefined;
}

/**
 * runWithNodeCache: turns on Node's compile cache in `<dir>/node` (when the directory is safe
 * to use) and runs `file` as the program. Returns whether the cache is on.
 */
export function runWithNodeCache(file: string, dir: string | undefined, enable: EnableCompileCache): boolean {
  let on = false;
  if (dir !== undefined) {
    const own = path.join(dir, 'node');
    try {
      mkdirSync(own, { recursive: true, mode: 0o700 });
      if (safeDir(dir) && safeDir(own)) on = enable(own).status !== 0; // 0: FAILED
    } catch {
      // no cache this time
    }
  }
  // A missing bundle fails as on Node 20 (ENOENT naming the file), not as a module lookup.
  statSync(file);
  // createRequire, not this module's require: the bundle is CommonJS next to this file.
  Module.createRequire(file)(file);
  return on;
}

function safeDir(dir: string): boolean {
  const st = statSync(dir);
  const uid = process.getuid?.();
  return st.isDirectory() && (uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0));
}
