// Lint rules: typescript-eslint strict, and the one-way import rule that keeps normalizers/ pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // normalizers/ is pure: no I/O, no clock, no environment, nothing from src/.
    files: ['normalizers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**', '../src/*', '../../src/*'],
              message: 'normalizers/ must not import from src/.',
            },
            {
              group: [
                'node:fs*',
                'node:net',
                'node:http*',
                'node:child_process',
                'fs',
                'net',
                'http',
                'https',
              ],
              message: 'normalizers/ does no I/O.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'normalizers/ reads no environment.' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'normalizers/ takes the clock as `now`.',
        },
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'normalizers/ takes the clock as `now`.',
        },
      ],
    },
  },
  {
    // The CLI prints to the terminal on purpose; tests, scripts and benchmarks may too.
    files: ['src/cli/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
