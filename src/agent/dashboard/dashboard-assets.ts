import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/** What `npm run build` writes (`vite build` of `ui/`): `<package root>/dist/dashboard`. */
export const DASHBOARD_BUILD_DIR = join('dist', 'dashboard');

/**
 * The package root: the nearest folder with a package.json above this file. The same whether the
 * library runs from its sources (tests) or from `dist/`, or is installed under node_modules.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return dirname(from);
    dir = parent;
  }
  return dir;
}

/**
 * The built page and its assets, read once into memory, keyed by their path under the build
 * folder (`index.html`, `assets/index-<hash>.js`). Null when the front end was not built.
 * NOTE: a lookup by exact key can never escape the folder, whatever the URL says.
 */
export function loadDashboardAssets(dir: string = join(packageRoot(), DASHBOARD_BUILD_DIR)): Map<string, DashboardAsset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, DashboardAsset>();
  try {
    for (const file of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      const body = readFileSync(path);
      assets.set(relative(dir, path).split(sep).join('/'), {
        body,
        contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      });
    }
  } catch {
    // NOTE: a build rewriting the folder while we read it: the page is missing, the app still boots.
    return null;
  }
  return assets.has('index.html') ? assets : null;
}
