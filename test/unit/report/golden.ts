import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

/**
 * expectGolden compares rendered output with test/unit/report/golden/NAME byte for byte.
 * UPDATE_GOLDEN=1 rewrites the file (review the diff before committing it).
 */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(dir, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI) throw new Error(`golden file ${name} is missing (run with UPDATE_GOLDEN=1 locally)`);
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
