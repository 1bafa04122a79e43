// Lint (`pnpm lint`): typescript-eslint's type-aware rules over every TypeScript file of the workspace.
// Formatting is Prettier's (`.prettierrc.json`), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.tap/**',
      '**/coverage/**',
      'data/**',
      'test-artifacts/**',
      '.bench/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // An async function that awaits nothing is how Fastify plugins and Promise-returning ports are written here.
      '@typescript-eslint/require-await': 'off',
      // Control characters are what the XML and canonical-JSON checks look for.
      'no-control-regex': 'off',
      // A caught error is rethrown as it came, whatever its type.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      // ws hands text frames over as Buffers (binaryType 'nodebuffer'), whose toString is the text.
      '@typescript-eslint/no-base-to-string': ['error', { ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', 'RawData'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Specs: tap runs top-level `t.test(…)` itself, and response bodies are read as untyped JSON.
    files: ['**/*.spec.ts', '**/src/test/**', '**/src/testing/**', 'packages/testing/**', 'scripts/bench/**'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'tap', name: ['test', 'only', 'skip', 'todo', 'before', 'after', 'teardown'] },
            { from: 'package', package: '@tapjs/core', name: ['test', 'only', 'skip', 'todo'] },
            { from: 'package', package: '@tapjs/test', name: ['test', 'only', 'skip', 'todo'] },
          ],
        },
      ],
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // `res.json() as Shape` reads as well as `res.json<Shape>()` in a spec.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
