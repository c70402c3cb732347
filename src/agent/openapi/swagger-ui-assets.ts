import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The Swagger UI files the docs page loads. */
const FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

/**
 * Swagger UI as `@nestjs/swagger` ships it (its `swagger-ui-dist` dependency), read once. NOTE:
 * resolved from `@nestjs/swagger`'s own location, so the library needs no copy of its own. Read as
 * text: Express's adapter would answer a `Buffer` as JSON.
 */
export function loadSwaggerUiAssets(): Map<(typeof FILES)[number], string> {
  const require = createRequire(import.meta.url);
  const fromSwagger = createRequire(require.resolve('@nestjs/swagger'));
  const root = dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
  return new Map(FILES.map((name) => [name, readFileSync(join(root, name), 'utf8')]));
}

/** The page: Swagger UI over the JSON document at `<page>-json`. Asset URLs are absolute from where the page was asked for. */
export function swaggerUiPage(pagePath: string, title: string): string {
  const base = pagePath.replace(/\/+$/, '');
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escape(title)}</title><link rel="stylesheet" href="${escape(base)}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="${escape(base)}-json"></div>
<script src="${escape(base)}/swagger-ui-bundle.js"></script><script src="${escape(base)}/swagger-ui-init.js"></script></body>
</html>`;
}

/** Starts Swagger UI on the document the page names (no inline script: the page may run under a strict CSP). */
export const SWAGGER_UI_INIT = `window.ui = SwaggerUIBundle({ url: document.getElementById('swagger-ui').dataset.url, dom_id: '#swagger-ui' });\n`;
