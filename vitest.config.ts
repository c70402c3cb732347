import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// NOTE: Nest's DI reads decorator metadata, which esbuild (Vitest's default) does not emit: SWC does.
export default defineConfig({
  plugins: [swc.vite({ swcrc: true })],
  test: {
    include: ['test/**/*.spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { TZ: 'UTC' },
  },
});
