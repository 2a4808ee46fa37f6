// The linter `npm test` runs: ESLint's and typescript-eslint's recommended rules on every
// source, test, bench and script file, and the project's own import-direction rule on src/
// (the layer table of docs/design.md, read by scripts/layers.mjs). Formatting is left to
// .editorconfig.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importProblem, readLayersFile } from './scripts/layers.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const layers = readLayersFile(root);

/** smtprobe/import-direction: a relative import in src/ must point down the layer table. */
const importDirection = {
  meta: { type: 'problem', docs: { description: 'imports in src/ follow the layer table of docs/design.md' }, schema: [] },
  create(context) {
    const check = (node) => {
      const spec = node.source?.type === 'Literal' ? node.source.value : undefined;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const problem = importProblem(layers, root, context.filename, spec);
      if (problem) context.report({ node: node.source, message: problem });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist-exe/**', 'node_modules/**', 'schemas/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Wire safety is about control characters: the code that refuses CR, LF and NUL, that
      // redacts terminal escapes and that escapes XML matches them on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { smtprobe: { rules: { 'import-direction': importDirection } } },
    rules: { 'smtprobe/import-direction': 'error' },
  },
);
