import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.maestro/**', 'coverage/**', 'test-artifacts/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
      // The layers of DESIGN.md: each folder imports only the ones below it.
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './trust', from: ['./plan', './workflows', './activities', './connection', './workers', './client', './bench'], message: 'trust/ (signatures, keys, canonical JSON) is a bottom layer beside plan/.' },
            { target: './plan', from: ['./workflows', './activities', './connection', './workers', './client', './bench'], message: 'plan/ is the bottom layer.' },
            { target: './workflows', from: ['./connection', './workers', './client', './bench'], message: 'workflows/ import plan/ and @temporalio/workflow only.' },
            { target: './activities', from: ['./workflows', './connection', './workers', './client', './bench'], message: 'activities/ do not reach up into workflows, workers or the CLI.' },
            { target: './connection', from: ['./workflows', './activities', './workers', './client', './bench'], message: 'connection/ is shared by client/ and workers/: it imports neither.' },
            { target: './workers', from: ['./client', './bench'], message: 'workers/ use connection/, not the CLI.' },
            { target: './client', from: ['./bench'], message: 'client/ does not depend on the benchmark.' },
          ],
        },
      ],
    },
  },
  {
    // Deterministic code: bundled into workflows, so no Node built-ins and no activity values.
    files: ['workflows/**/*.ts', 'plan/**/*.ts', 'trust/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow and plan code must stay deterministic: no Node built-ins.' })),
          patterns: [{ regex: '(^|/)activities(/(?!failure-types$).*)?$', allowTypeImports: true, message: 'Import activities as types only (failure-types holds plain constants).' }],
        },
      ],
    },
  },
  {
    files: ['plan/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'plan/ is pure: no I/O.' })),
          patterns: [{ group: ['@temporalio/*', '**/activities', '**/workers', '**/client'], message: 'plan/ depends on nothing with I/O.' }],
        },
      ],
    },
  },
);
