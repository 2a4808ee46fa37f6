// The linter `npm test` runs: ESLint's and typescript-eslint's recommended rules, on every
// source, test, bench and script file. Formatting is left to .editorconfig.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'schemas/**', 'coverage/**'] },
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
);
