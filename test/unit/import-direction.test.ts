/**
 * The one-way arrow of docs/design.md, checked on the code: every relative import in src/
 * goes from a folder to a folder of a lower rank in the "Layers and imports" table (and, where
 * the table lists what a folder may import, to one of those). The table in the doc is the only
 * copy of the ranks: this test reads it (scripts/layers.mjs, which the linter's
 * smtprobe/import-direction rule uses too), so the doc and the checks cannot drift apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importProblem, readLayersFile, unitOf as unitIn, type Layer } from '../../scripts/layers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'src');
const unitOf = (file: string): string => unitIn(src, file);

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
  return files.flatMap(({ file, text }) => importsOf(text).flatMap((spec) => importProblem(layers, root, file, spec) ?? []));
}

const layers = readLayersFile(root);
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

  it('the linter runs the same check (smtprobe/import-direction in eslint.config.mjs)', async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText("import { verdictOf } from '../diagnose/verdict.js';\nexport const v = verdictOf;\n", { filePath: path.join(src, 'probe/example.ts') });
    expect(result?.messages.map((m) => `${m.ruleId}: ${m.message}`)).toEqual([
      'smtprobe/import-direction: src/probe/example.ts imports ../diagnose/verdict.js: diagnose (rank 4) is not below probe (rank 3)',
    ]);
  }, 60_000);
});
