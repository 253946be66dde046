// ESLint over the tree (`npm run lint`, step "lint" of `npm test`): typescript-eslint's recommended rules on the
// TypeScript and JavaScript sources; formatting is Prettier's (`.prettierrc.json`), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/server/openapi/api.d.ts', 'test/screenshots/', 'test/packages/*/dist/', 'data/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_name` marks what is unused on purpose (a destructured field left out, a parameter an interface requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // `try { best effort } catch {}`: cleanup that may fail (a file already gone, a mount never made).
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  // Tests and benchmarks read JSON answers as `any`; Kysely's migrations take `Kysely<any>` (a migration must not depend
  // on today's schema type, https://kysely.dev/docs/migrations).
  { files: ['test/**', 'bench/**', '**/migrations.ts', '**/migration.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    files: ['widget/**', 'demo/**', 'test/widget/**', 'test/packages/*-app/**', 'examples/**/public/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  { files: ['sw/src/**'], languageOptions: { globals: { ...globals.serviceworker } } },
);
