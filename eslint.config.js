import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/**', 'migrations/**', '.ferry/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code is replayed: no side effects, no Node APIs, activities only as types.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'pg', 'drizzle-orm', '@temporalio/activity', '@temporalio/client', '@temporalio/worker'].map((name) => ({
            name,
            message: 'workflow code must stay deterministic: do this in an activity',
          })),
          patterns: [
            { group: ['**/activities/**', '**/activities'], allowTypeImports: true, message: 'import activities with `import type` and call them through proxyActivities' },
            { group: ['**/src/db/**', '**/src/artifacts/**', '**/src/git*', '**/src/stack*'], message: 'workflow code must stay deterministic: do this in an activity' },
          ],
        },
      ],
    },
  },
);
