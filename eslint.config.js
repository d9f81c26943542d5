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
);
