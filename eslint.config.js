import tseslint from 'typescript-eslint';
import layering from './scripts/lint/layering.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'generated-operator/',
      '**/fixtures/**/out/',
      'examples/*/node_modules/',
      'bench/results/',
    ],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { kopf: { rules: { layering } } },
    rules: {
      'kopf/layering': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Public API surfaces: no `any` leaks to users.
    files: ['runtime/**/*.ts', 'common/**/*.ts', 'generator/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // node:http's values come from runtime/structs/node-http.ts: an ESM import of it loads undici (+10 MiB RSS).
    files: ['runtime/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['node:http', 'http'].map((name) => ({
            name,
            message: 'Take node:http from runtime/structs/node-http.ts (its ESM import loads undici).',
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
);
