/**
 * Test-run setup: the smtprobe executable keeps a code cache in the user's cache directory
 * (src/launcher/compile-cache.ts); every executable the tests start keeps it in a directory of this
 * run instead, removed afterwards. Worker processes inherit the variable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-test-cache-'));
  process.env['SMTPROBE_COMPILE_CACHE'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
