import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake OpenAI-compatible chat completions server: one handler per request, in order. */
export type Handler = (body: ChatRequest, req: IncomingMessage, res: ServerResponse) => void;
export interface ChatRequest {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages: Array<{ role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }>;
}

export const chunk = (choices: unknown[], extra: object = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'fake-gpt',
  choices,
  ...extra,
});

export function startSse(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}
export const send = (res: ServerResponse, data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
export function finish(res: ServerResponse, finishReason: string, usage: { prompt_tokens: number; completion_tokens: number }) {
  send(res, chunk([{ index: 0, delta: {}, finish_reason: finishReason }]));
  send(res, chunk([], { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }));
  res.end('data: [DONE]\n\n');
}

export const toolCallAnswer: Handler = (_body, _req, res) => {
  startSse(res);
  const call = { index: 0, id: 'call_1', type: 'function', function: { name: 'lookup_weather', arguments: '' } };
  send(res, chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: null }]));
  // The arguments arrive in pieces, as real servers send them.
  for (const piece of ['{"city":', '"Paris"}']) {
    send(res, chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }]));
  }
  finish(res, 'tool_calls', { prompt_tokens: 31, completion_tokens: 9 });
};

export const textAnswer: Handler = (_body, _req, res) => {
  startSse(res);
  for (const piece of ['It is ', 'sunny ', 'in Paris.']) {
    send(res, chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  }
  finish(res, 'stop', { prompt_tokens: 57, completion_tokens: 6 });
};

export interface FakeOpenAiServer {
  baseURL: string;
  handlers: Handler[];
  requests: ChatRequest[];
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const fake = { handlers: [] as Handler[], requests: [] as ChatRequest[] };
  const server = createServer(async (req, res) => {
    const raw: Buffer[] = [];
    for await (const piece of req) raw.push(piece as Buffer);
    const body = JSON.parse(Buffer.concat(raw).toString('utf8')) as ChatRequest;
    fake.requests.push(body);
    const handler = req.method === 'POST' && req.url === '/v1/chat/completions' ? fake.handlers.shift() : undefined;
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    handler(body, req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get handlers() {
      return fake.handlers;
    },
    get requests() {
      return fake.requests;
    },
    reset() {
      fake.handlers = [];
      fake.requests = [];
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
