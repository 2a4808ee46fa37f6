import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root. */
export const REPO = resolve(here, '../..');

/**
 * buildRunner compiles the path runner and the CLI (and what they import) with tsc into a directory of its
 * own under node_modules/.cache, so a child process in a network namespace can run it with
 * plain node, from a clean clone, without touching dist/. Errors in files the runner does not
 * import may make tsc exit non-zero; the runner still counts as built when its output exists.
 */
export function buildRunner(): { runner: string; cli: string; outDir: string; cleanup(): void } {
  const outDir = join(REPO, 'node_modules', '.cache', 'smtprobe-netns', String(process.pid));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let diagnostics = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json'), '--outDir', outDir], { cwd: REPO, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    diagnostics = String((err as { stdout?: string }).stdout ?? err);
  }
  const runner = join(outDir, 'test', 'netns', 'path-runner.js');
  if (!existsSync(runner)) throw new Error(`could not compile the path runner:\n${diagnostics}`);
  return { runner, cli: join(outDir, 'src', 'cli', 'main.js'), outDir, cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}
