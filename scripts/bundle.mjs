#!/usr/bin/env node
/**
 * bundle: the `smtprobe` executable in dist/bin, built by esbuild:
 *
 * - dist/bin/smtprobe-main.cjs — the whole CLI (src/cli/main.ts) as one CommonJS file. Each
 *   module in it is initialised lazily (esbuild wraps what the CLI imports dynamically), so a
 *   command still runs only its own code: check never initialises the mock, the fleet runner
 *   or the ICMP code.
 * - dist/bin/smtprobe-worker.cjs — the probe worker thread's entry (src/run/probe-worker.ts), which
 *   `run` and `serve` start with --workers N > 1; the main bundle finds it next to itself.
 * - dist/bin/smtprobe.cjs — the executable (package.json bin), from src/launcher/smtprobe.ts: runs
 *   smtprobe-main.cjs through a V8 code cache (src/launcher/compile-cache.ts). The main bundle's
 *   content id (a hash) is compiled into it, so a cache never outlives the bundle it came from.
 *
 * Why a bundle, and why CommonJS: one `smtprobe check` is a whole Node process. Loading ~200
 * ES modules one file at a time cost more than the probe itself, and only a CommonJS script
 * can be compiled with a code cache in Node 20 (vm.Script's cachedData); see bench/README.md,
 * "Whole-process smtprobe check".
 *
 * dist/ from tsc stays as it is (the library entry and its types); only the executable is
 * bundled. net-ping stays external: it loads a native addon (raw-socket) by path.
 *
 * Environment: BUNDLE_META=FILE writes esbuild's metafile of the main bundle (what went in);
 * BUNDLE_NO_MINIFY=1 keeps names readable.
 */
import { build } from 'esbuild';
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/bin');

/** Options both bundles share: one CommonJS file for Node 20. */
const common = {
  absWorkingDir: root,
  outdir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.cjs' },
  // Minified: V8 reads and parses less on a run without the cache (measured: ~8 ms per check).
  minify: !process.env.BUNDLE_NO_MINIFY,
  logLevel: 'warning',
  // import.meta does not exist in CommonJS; the sources use only its url (to find files next
  // to themselves), which each bundle takes from its own __filename. The banner comes before
  // esbuild's own "use strict", so it repeats it: the sources are ES modules, strict throughout.
  define: { 'import.meta.url': '__smtprobeImportMetaUrl' },
  // The executable runs the main bundle through vm.Script (src/launcher/compile-cache.ts), where
  // an `import()` left in the code throws "A dynamic import callback was not specified". esbuild
  // already turns a dynamic import of a bundled module into a lazy initialiser; this makes it
  // turn the rest (Node built-ins such as node:readline, externals) into require() too.
  supported: { 'dynamic-import': false },
  banner: { js: "'use strict'; var __smtprobeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

rmSync(outdir, { recursive: true, force: true });
/** The probe worker's entry: the main bundle (src/run/worker-pool.ts) looks for it by this name next to itself. */
const WORKER_ENTRY = 'smtprobe-worker';
const main = await build({
  ...common,
  entryPoints: { 'smtprobe-main': 'src/cli/main.ts' },
  define: { ...common.define, __SMTPROBE_WORKER_ENTRY__: JSON.stringify(`${WORKER_ENTRY}.cjs`) },
  // The OAuth libraries load only when a token is fetched; bundled, they grew the file every command
  // reads at start-up by half (1.1 → 1.7 MB, and not ASCII), so they load from node_modules.
  external: ['net-ping', '@azure/msal-node', 'google-auth-library'],
  // The launcher runs this file as a vm.Script (for its code cache), where import() has no
  // loader; esbuild then turns import() of an external module into require().
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  metafile: !!process.env.BUNDLE_META,
});
if (main.metafile) writeFileSync(process.env.BUNDLE_META, JSON.stringify(main.metafile));

const mainBytes = readFileSync(path.join(outdir, 'smtprobe-main.cjs'));
// compile-cache.ts reads an ASCII bundle twice as fast; esbuild escapes strings, not regexps.
if (!process.env.BUNDLE_NO_MINIFY && !isAscii(mainBytes)) console.warn('bundle: smtprobe-main.cjs is not ASCII (a regular expression literal with non-ASCII text?)');
// The guard for the option above: a dynamic import left in the bundle fails only when that code
// path runs (the password prompt did, on a terminal only), so the build refuses it instead.
const leftImport = /(?<![\w$.])import\(\s*["'`]/.exec(mainBytes.toString('latin1'));
if (leftImport) throw new Error(`bundle: smtprobe-main.cjs still has a dynamic import() at offset ${leftImport.index}; it cannot run under vm.Script`);
// A worker thread is a fresh isolate that loads its entry as a plain CommonJS file (no launcher,
// no vm.Script), with the main bundle's externals.
await build({
  ...common,
  entryPoints: { [WORKER_ENTRY]: 'src/run/probe-worker.ts' },
  external: ['net-ping', '@azure/msal-node', 'google-auth-library'],
});
const bundleId = createHash('sha256').update(mainBytes).digest('hex').slice(0, 16);
await build({
  ...common,
  entryPoints: { smtprobe: 'src/launcher/smtprobe.ts' },
  define: { ...common.define, __SMTPROBE_BUNDLE_ID__: JSON.stringify(bundleId) },
});
chmodSync(path.join(outdir, 'smtprobe.cjs'), 0o755);
