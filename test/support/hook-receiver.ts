import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call a receiver got: its path, headers and raw body. */
export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HookReceiver {
  /** Every call, in the order they came. */
  received: ReceivedHook[];
  /** The receiver's URL for `path`: a hook target (a loopback address: the app needs `hooks.allowPrivateTargets`). */
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * What a receiver answers each call: its status, now or later (a call held open is still in flight).
 * `attempt` counts the calls of the same delivery id (`webhook-id`), from 1.
 */
export type HookAnswer = (call: ReceivedHook, attempt: number) => number | Promise<number>;

/**
 * A receiver of outbound hooks on 127.0.0.1. `answer`: a number `n` answers 500 to the first `n`
 * attempts of each delivery id, then 204; or a function choosing each status.
 */
export async function startHookReceiver(answer: number | HookAnswer): Promise<HookReceiver> {
  const status: HookAnswer = typeof answer === 'number' ? (_, attempt) => (attempt <= answer ? 500 : 204) : answer;
  const received: ReceivedHook[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const call = { path: req.url ?? '', headers: req.headers, body };
      received.push(call);
      const id = String(req.headers['webhook-id']);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      void Promise.resolve(status(call, n)).then((code) => res.writeHead(code).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
