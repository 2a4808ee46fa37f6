import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** SMTPROBE_BIN: the executable users run — package.json's `bin` (the bundle `npm run build` makes). */
export const SMTPROBE_BIN = path.join(root, pkg.bin.smtprobe as string);
