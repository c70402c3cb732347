// The linter: correctness rules, and the house's import rules (layer order, cycles, a framework-free
// runtime, the kernel's SQL, the example app) from scripts/architecture.json, the file the
// architecture check in the test suite (scripts/check-architecture.ts) reads too. Formatting is
// Prettier's (eslint-config-prettier turns off the rules it would fight).
import fs from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const architecture = JSON.parse(fs.readFileSync(new URL('./scripts/architecture.json', import.meta.url), 'utf8'));

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'test-artifacts/', 'test/.tmp/', '.data/', 'test/package/fixtures/*/node_modules/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        // NOTE: the package's own name reaches its sources through the same condition tsconfig.json uses.
        createTypeScriptImportResolver({
          project: 'tsconfig.json',
          conditionNames: ['nestjs-agents-source', 'types', 'import', 'node', 'default'],
        }),
      ],
    },
    rules: {
      // NOTE: import-x skips type-only imports; the architecture check counts them (no file cycle even through types).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: houseZones(architecture) }],
      // Correctness, not taste: what the code already keeps to.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // NOTE: TypeORM's own options type entities and migrations as `Function`, and so do our lists of them.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      eqeqeq: ['error', 'smart'],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: [`${architecture.frameworkFree.folder}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: architecture.frameworkFree.forbidden.flatMap((name) => (name.endsWith('/*') ? [name] : [name, `${name}/*`])),
              message: `${architecture.frameworkFree.folder}/ is the framework-free agent loop: adapt it from outside.`,
            },
          ],
        },
      ],
    },
  },
  {
    files: architecture.exampleApp.map((p) => (p.endsWith('.ts') ? p : `${p}/**`)),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\./|(\\.\\./)+)agent(/|$)',
              message: `The example app uses the library by its package name ('${architecture.packageName}'), as a host does.`,
            },
          ],
        },
      ],
    },
  },
  prettier,
);

/**
 * import-x/no-restricted-paths zones: inside each layered folder, a part never imports a part ranked
 * above it; the library never imports the example app; only the kernel imports its SQL files.
 */
function houseZones({ library, layers, exampleApp, kernel }) {
  const zones = [];
  for (const { folder, order } of layers) {
    const named = order.flat().filter((part) => part.endsWith('.ts') && part !== '*.ts');
    const pathOf = (part) => {
      if (part !== '*.ts') return path.posix.join(folder, part);
      // The files directly in the folder, except those placed by name (executions.module.ts composes the kernel).
      return named.length ? `${folder}/!(${named.map((n) => n.slice(0, -'.ts'.length)).join('|')}).ts` : `${folder}/*.ts`;
    };
    order.forEach((rank, index) => {
      for (const higher of order.slice(index + 1).flat()) {
        zones.push({
          target: rank.map(pathOf),
          from: pathOf(higher),
          message: `Imports go down the layer order (scripts/architecture.json), and ${folder}/${higher} sits higher.`,
        });
      }
    });
  }
  for (const app of exampleApp) {
    zones.push({ target: library, from: app, message: 'The library never imports the example app.' });
  }
  zones.push({
    target: [`${library}/!(${path.posix.basename(kernel.folder)})/**`, `${library}/*.ts`],
    from: `${kernel.folder}/**/*${kernel.sqlSuffix}`,
    message: "The kernel's SQL is its own: call a kernel method.",
  });
  return zones;
}
