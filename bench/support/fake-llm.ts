import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deferred, type Deferred } from './deferred.js';

/** What the fake model saw of one request. */
export interface HangingRequest {
  /** performance.now() once the request was read and its first chunk handed to the socket. */
  streaming: Deferred<number>;
  /** performance.now() when the client went away; `abortedByClient` = the response had not ended. */
  closed: Deferred<{ at: number; abortedByClient: boolean }>;
}

const KEY = /bench-key:([0-9a-f-]{36})/;

/**
 * An OpenAI-compatible chat completions endpoint, inside the bench process, that streams one
 * content chunk and then stays silent forever: a model request is in flight until the client
 * aborts it. Requests are matched to runs by a key the bench puts in the prompt.
 */
export class HangingLlmServer {
  private readonly requests = new Map<string, HangingRequest>();
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();
  unmatched = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<HangingLlmServer> {
    const fake = new HangingLlmServer();
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    return fake;
  }

  /** `http://127.0.0.1:<port>/v1`, for `LLM_BASE_URL`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** The prompt of a run with this key; call `request(key)` to await the model call it makes. */
  static prompt(key: string): string {
    return `What files does the project have? (bench-key:${key})`;
  }

  request(key: string): HangingRequest {
    let r = this.requests.get(key);
    if (!r) this.requests.set(key, (r = { streaming: deferred<number>(), closed: deferred<{ at: number; abortedByClient: boolean }>() }));
    return r;
  }

  forget(key: string): void {
    this.requests.delete(key);
  }

  /** Requests still open (a run whose abort never came). */
  get openRequests(): number {
    return this.open.size;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw: Buffer[] = [];
    for await (const piece of req) raw.push(piece as Buffer);
    const key = KEY.exec(Buffer.concat(raw).toString('utf8'))?.[1];
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions' || !key) {
      this.unmatched++;
      res.writeHead(404).end();
      return;
    }
    const run = this.request(key);
    this.open.add(res);
    res.on('close', () => {
      this.open.delete(res);
      run.closed.resolve({ at: performance.now(), abortedByClient: res.writableEnded === false });
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = {
      id: `chatcmpl-${key}`,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'fake-gpt',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Let me look' }, finish_reason: null }],
    };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`, () => run.streaming.resolve(performance.now()));
    // ...and nothing more: the request stays in flight until the client goes away.
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
