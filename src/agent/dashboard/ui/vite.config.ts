import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** `npm run build` (after the server build): the page and its assets into `dist/dashboard`, where the module serves them. */
export default defineConfig({
  root: here,
  // NOTE: relative asset URLs, so the page works at whatever `dashboard.path` the host chose.
  base: './',
  logLevel: 'warn',
  // Preact's JSX runtime (as tsconfig.json says for the type check).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../../../dist/dashboard', import.meta.url)),
    // NOTE: not emptied first: a running app serves from it; new hashed assets are written beside the old.
    emptyOutDir: false,
    target: 'es2022',
    // The favicon too is a file of its own (CSP: no data: URLs needed for it).
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
