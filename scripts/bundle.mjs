#!/usr/bin/env node
/**
 * bundle: the `smtprobe` executable, dist/bin/smtprobe.js, built from src/cli/main.ts by esbuild.
 *
 * Why a bundle: one `smtprobe check` is a whole Node process, and loading ~200 ES modules one
 * file at a time (resolve, read, compile, link each) cost more than the probe itself (see
 * bench/README.md, "Whole-process smtprobe check"). The bundle is split at the dynamic
 * `import()`s the CLI already uses, so a command still loads only its own code and the
 * modules it needs (check never loads the mock, the fleet runner or the ICMP code).
 *
 * dist/ from tsc stays as it is (the library entry and its types); only the executable is
 * bundled. net-ping stays external: it loads a native addon (raw-socket) by path.
 *
 * Environment: BUNDLE_META=FILE writes esbuild's metafile (what went into which chunk);
 * BUNDLE_NO_MINIFY=1 keeps names readable.
 */
import { build } from 'esbuild';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/bin');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { smtprobe: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['net-ping'],
  // Minified: V8 parses less (about 8 ms less per check, measured); stack traces never reach users.
  minify: !process.env.BUNDLE_NO_MINIFY,
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: !!process.env.BUNDLE_META,
  // CommonJS dependencies (smtp-server, prom-client) call require() for Node's built-ins; an
  // ES module has no require, so every chunk gets one bound to its own location.
  banner: { js: "import { createRequire as __smtprobeRequire } from 'node:module'; const require = __smtprobeRequire(import.meta.url);" },
});
chmodSync(path.join(outdir, 'smtprobe.js'), 0o755);
if (result.metafile) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
