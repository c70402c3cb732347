import swc from 'unplugin-swc';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * NOTE: the example app imports the library by its package name ('nestjs-agents'), tests import its
 * files by path. The package's `nestjs-agents-source` export condition points the name at the
 * TypeScript sources, so both reach the same module instances (one AgentModule, one set of DI
 * tokens) instead of the sources plus the build in dist/.
 */
const SOURCE_CONDITION = 'nestjs-agents-source';

// NOTE: Nest's DI reads decorator metadata, which esbuild (Vitest's default) does not emit: SWC does.
export default defineConfig({
  plugins: [swc.vite({ swcrc: true })],
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions.filter((c) => c !== 'module')] } },
  test: {
    include: ['test/**/*.spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    // NOTE: a file's first database may wait for the file beside it (test/support/test-database.ts, ConnectionUse).
    hookTimeout: 150_000,
    pool: 'forks',
    // Two files at a time: most of a test's time is spent waiting on PostgreSQL, Redis, timers and child processes.
    maxWorkers: 2,
    // A worker runs file after file on one module graph: the library, Nest, TypeORM and BullMQ load
    // once per worker, not once per file (~2 s each). Files share no state but what they close.
    isolate: false,
    env: { TZ: 'UTC' },
  },
});
