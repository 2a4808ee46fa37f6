/**
 * The one-way arrow of docs/design.md, checked on the code: every relative import in src/
 * goes from a folder to a folder of a lower rank in the "Layers and imports" table (and, where
 * the table lists what a folder may import, to one of those). The table in the doc is the only
 * copy of the ranks: this test reads it, so the doc and the check cannot drift apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'src');

/** Layer: one row of the table, for one folder (`probe`) or top-level file (`check.ts`). */
interface Layer {
  rank: number;
  /** The folders it may import, when the table lists them; otherwise any lower rank. */
  mayImport?: Set<string>;
}

/** unit: how the table names a folder or file: `model/` → model, `check.ts` stays. */
const unit = (cell: string): string => cell.replace(/`/g, '').trim().replace(/\/$/, '');

/** readLayers parses the "Layers and imports" table of docs/design.md. */
function readLayers(markdown: string): Map<string, Layer> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers and imports'));
  if (!section) throw new Error('docs/design.md has no "Layers and imports" section');
  const rows = section.split('\n').filter((l) => /^\|\s*\d+\s*\|/.test(l));
  const layers = new Map<string, Layer>();
  for (const row of rows) {
    const [rank, folders, , may] = row.split('|').slice(1, -1).map((c) => c.trim());
    const names = (folders ?? '').split(',').map(unit);
    const listed = (may ?? '').split(',').map(unit);
    const explicit = listed.every((n) => n === 'nothing' || /^[a-z]+(\.ts)?$/.test(n));
    for (const name of names) {
      layers.set(name, { rank: Number(rank), ...(explicit ? { mayImport: new Set(listed.filter((n) => n !== 'nothing')) } : {}) });
    }
  }
  return layers;
}

/** unitOf: the table's name for a file under src/ (its first folder, or the file itself). */
function unitOf(file: string): string {
  // An import names the built file (`../check.js`); the table names the source (`check.ts`).
  return (path.relative(src, file).split(path.sep)[0] ?? '').replace(/\.js$/, '.ts');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** importsOf: every relative module a file imports or re-exports, statically or with import(). */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)) out.push(m[1] as string);
  return out;
}

/** violations: the imports of `files` that point the wrong way by `layers`, one line each. */
function violations(layers: Map<string, Layer>, files: { file: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    const from = unitOf(file);
    const own = layers.get(from);
    for (const spec of importsOf(text)) {
      const to = unitOf(path.resolve(path.dirname(file), spec));
      if (to === from) continue;
      const target = layers.get(to);
      const where = `${path.relative(root, file)} imports ${spec}`;
      if (!own || !target) out.push(`${where}: ${!own ? from : to} is not in the table`);
      else if (target.rank >= own.rank) out.push(`${where}: ${to} (rank ${target.rank}) is not below ${from} (rank ${own.rank})`);
      else if (own.mayImport && !own.mayImport.has(to)) out.push(`${where}: the table does not let ${from} import ${to}`);
    }
  }
  return out;
}

const layers = readLayers(readFileSync(path.join(root, 'docs/design.md'), 'utf8'));
const files = sourceFiles(src).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

describe('import direction (docs/design.md, "Layers and imports")', () => {
  it('the table names every folder and top-level file of src/ once, and nothing else', () => {
    const units = [...new Set(files.map((f) => unitOf(f.file)))].sort();
    expect([...layers.keys()].sort()).toEqual(units);
  });

  it('no file of src/ imports from its own rank or a higher one', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(violations(layers, files)).toEqual([]);
  });

  it('catches a wrong-way import, a dynamic one and a sibling one', () => {
    const probeFile = path.join(src, 'probe/example.ts');
    const bad = [
      { file: probeFile, text: "import { diagnose } from '../diagnose/index.js';\n" },
      { file: path.join(src, 'report/example.ts'), text: "const m = await import('../run/runner.js');\n" },
      { file: path.join(src, 'mock/example.ts'), text: "export { probe } from '../probe/dns.js';\n" },
      { file: path.join(src, 'diagnose/example.ts'), text: "import type { X } from '../config/input-error.js';\n" },
    ];
    expect(violations(layers, bad)).toEqual([
      'src/probe/example.ts imports ../diagnose/index.js: diagnose (rank 4) is not below probe (rank 3)',
      'src/report/example.ts imports ../run/runner.js: run (rank 10) is not below report (rank 9)',
      'src/mock/example.ts imports ../probe/dns.js: probe (rank 3) is not below mock (rank 3)',
      'src/diagnose/example.ts imports ../config/input-error.js: the table does not let diagnose import config',
    ]);
    expect(violations(layers, [{ file: probeFile, text: "import type { Target } from '../model/target.js';\n" }])).toEqual([]);
  });
});
