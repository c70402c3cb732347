import { createServer, request, type Server } from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import react from '@vitejs/plugin-react';
import { build } from 'vite';

const PAGE_SOURCES = join(import.meta.dirname, '../../e2e/chat-page');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Builds the test's chat page (test/e2e/chat-page) with Vite into a temporary folder. */
export async function buildChatPage(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'chat-page-'));
  await build({
    root: PAGE_SOURCES,
    configFile: false,
    logLevel: 'error',
    plugins: [react()],
    build: { outDir, emptyOutDir: true, minify: false },
  });
  return outDir;
}

/**
 * Serves the built page and passes `/api/*` through to the app, so the page and the API share one
 * origin (no CORS); responses are piped as they come, so a stream stays a stream.
 */
export async function serveChatPage(dir: string, appBase: string): Promise<{ base: string; server: Server }> {
  const app = new URL(appBase);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://page');
    if (url.pathname.startsWith('/api/')) {
      const upstream = request(
        { host: app.hostname, port: app.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
      return;
    }
    const file = normalize(join(dir, url.pathname === '/' ? 'index.html' : url.pathname));
    if (!file.startsWith(dir)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
