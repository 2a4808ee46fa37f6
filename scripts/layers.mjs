/**
 * The one-way arrow of docs/design.md as code: the "Layers and imports" table read from the
 * doc (the only copy of the ranks), and the check of one import against it. Used by the
 * linter (eslint.config.mjs, rule smtprobe/import-direction) and by
 * test/unit/import-direction.test.ts, so the doc, the lint and the test cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** unit: how the table names a folder or file: `model/` -> model, `check.ts` stays. */
const unit = (cell) => cell.replace(/`/g, '').trim().replace(/\/$/, '');

/**
 * readLayers parses the "Layers and imports" table: folder or top-level file -> its rank and,
 * when the table lists them, the units it may import (otherwise any lower rank).
 * @param {string} markdown
 * @returns {Map<string, { rank: number, mayImport?: Set<string> }>}
 */
export function readLayers(markdown) {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers and imports'));
  if (!section) throw new Error('docs/design.md has no "Layers and imports" section');
  const rows = section.split('\n').filter((l) => /^\|\s*\d+\s*\|/.test(l));
  const layers = new Map();
  for (const row of rows) {
    const [rank, folders, , may] = row.split('|').slice(1, -1).map((c) => c.trim());
    const names = (folders ?? '').split(',').map(unit);
    const listed = (may ?? '').split(',').map(unit);
    const explicit = listed.every((n) => n === 'nothing' || /^[a-z-]+(\.ts)?$/.test(n));
    for (const name of names) {
      layers.set(name, { rank: Number(rank), ...(explicit ? { mayImport: new Set(listed.filter((n) => n !== 'nothing')) } : {}) });
    }
  }
  return layers;
}

/** readLayersFile: readLayers of the repository's docs/design.md. */
export function readLayersFile(root) {
  return readLayers(readFileSync(path.join(root, 'docs/design.md'), 'utf8'));
}

/**
 * unitOf: the table's name for a file under src/ (its first folder, or the file itself). An
 * import names the built file (`../check.js`); the table names the source (`check.ts`).
 */
export function unitOf(src, file) {
  return (path.relative(src, file).split(path.sep)[0] ?? '').replace(/\.js$/, '.ts');
}

/**
 * importProblem: why `file` (under `src`) may not import the relative module `spec`, or
 * undefined when the import points down the table as it should.
 */
export function importProblem(layers, root, file, spec) {
  const src = path.join(root, 'src');
  const from = unitOf(src, file);
  const to = unitOf(src, path.resolve(path.dirname(file), spec));
  if (to === from) return undefined;
  const own = layers.get(from);
  const target = layers.get(to);
  const where = `${path.relative(root, file)} imports ${spec}`;
  if (!own || !target) return `${where}: ${!own ? from : to} is not in the table`;
  if (target.rank >= own.rank) return `${where}: ${to} (rank ${target.rank}) is not below ${from} (rank ${own.rank})`;
  if (own.mayImport && !own.mayImport.has(to)) return `${where}: the table does not let ${from} import ${to}`;
  return undefined;
}
