import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers one LLM vendor's streaming endpoint (`/v1/responses` for
 * OpenAI, `/v1/messages` for Anthropic, `/v1/chat/completions` for OpenAI-compatible servers) with
 * the handlers queued by the test, in order, so the vendor's real client library talks to it.
 */
export type ProviderHandler = (res: ServerResponse) => void;

export interface ProviderRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> & { model?: string; stream?: boolean };
}

export interface FakeProviderServer {
  /** `http://127.0.0.1:<port>/v1`: the base URL every provider package appends its endpoint to. */
  baseURL: string;
  handlers: ProviderHandler[];
  requests: ProviderRequest[];
  close(): Promise<void>;
}

export async function startFakeProviderServer(endpoint: string): Promise<FakeProviderServer> {
  const fake = { handlers: [] as ProviderHandler[], requests: [] as ProviderRequest[] };
  const server = createServer(async (req, res) => {
    const raw: Buffer[] = [];
    for await (const piece of req) raw.push(piece as Buffer);
    fake.requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(raw).toString('utf8') || '{}') });
    const handler = req.method === 'POST' && req.url === `/v1${endpoint}` ? fake.handlers.shift() : undefined;
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no handler queued"}}');
      return;
    }
    handler(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    handlers: fake.handlers,
    requests: fake.requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const startSse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });

/** One Server-Sent Event; `event:` only where the protocol names its events (Anthropic). */
const sse = (res: ServerResponse, data: Record<string, unknown> & { type: string }, named = false) =>
  res.write(`${named ? `event: ${data.type}\n` : ''}data: ${JSON.stringify(data)}\n\n`);

/** Arguments arrive in pieces, as the real servers send them. */
const ARGUMENT_PIECES = ['{"city":', '"Paris"}'];
const ANSWER_PIECES = ['It is ', 'sunny ', 'in Paris.'];

/** OpenAI Responses API: a `lookup_weather` function call, then `response.completed` with usage. */
export const responsesToolCall: ProviderHandler = (res) => {
  startSse(res);
  sse(res, { type: 'response.created', response: { id: 'resp_1', created_at: 1_700_000_000, model: 'gpt-fake' } });
  const item = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'lookup_weather', arguments: '' };
  sse(res, { type: 'response.output_item.added', output_index: 0, item });
  for (const delta of ARGUMENT_PIECES)
    sse(res, { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta });
  const done = { ...item, arguments: ARGUMENT_PIECES.join(''), status: 'completed' };
  sse(res, { type: 'response.output_item.done', output_index: 0, item: done });
  sse(res, { type: 'response.completed', response: { usage: { input_tokens: 31, output_tokens: 9 } } });
  res.end('data: [DONE]\n\n');
};

/** OpenAI Responses API: a streamed text answer. */
export const responsesText: ProviderHandler = (res) => {
  startSse(res);
  sse(res, { type: 'response.created', response: { id: 'resp_2', created_at: 1_700_000_001, model: 'gpt-fake' } });
  sse(res, { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'msg_1' } });
  for (const delta of ANSWER_PIECES) sse(res, { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, delta });
  sse(res, { type: 'response.output_item.done', output_index: 0, item: { type: 'message', id: 'msg_1' } });
  sse(res, { type: 'response.completed', response: { usage: { input_tokens: 57, output_tokens: 6 } } });
  res.end('data: [DONE]\n\n');
};

const anthropicStart = (res: ServerResponse, id: string, inputTokens: number) => {
  startSse(res);
  const message = { id, type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: null, stop_sequence: null };
  sse(res, { type: 'message_start', message: { ...message, usage: { input_tokens: inputTokens, output_tokens: 1 } } }, true);
};

const anthropicEnd = (res: ServerResponse, stopReason: string, outputTokens: number) => {
  sse(
    res,
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } },
    true,
  );
  sse(res, { type: 'message_stop' }, true);
  res.end();
};

/** Anthropic Messages API: a `lookup_weather` tool_use block, its input as JSON deltas, usage in message_start and message_delta. */
export const anthropicToolUse: ProviderHandler = (res) => {
  anthropicStart(res, 'msg_1', 31);
  const block = { type: 'tool_use', id: 'toolu_1', name: 'lookup_weather', input: {} };
  sse(res, { type: 'content_block_start', index: 0, content_block: block }, true);
  for (const partial_json of ARGUMENT_PIECES)
    sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json } }, true);
  sse(res, { type: 'content_block_stop', index: 0 }, true);
  anthropicEnd(res, 'tool_use', 9);
};

/** Anthropic Messages API: a streamed text answer. */
export const anthropicText: ProviderHandler = (res) => {
  anthropicStart(res, 'msg_2', 57);
  sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, true);
  for (const text of ANSWER_PIECES) sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, true);
  sse(res, { type: 'content_block_stop', index: 0 }, true);
  anthropicEnd(res, 'end_turn', 6);
};

/** Anthropic Messages API: one text block holding `json` (a structured-output answer). */
export const anthropicJson =
  (json: string): ProviderHandler =>
  (res) => {
    anthropicStart(res, 'msg_3', 20);
    sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, true);
    sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: json } }, true);
    sse(res, { type: 'content_block_stop', index: 0 }, true);
    anthropicEnd(res, 'end_turn', 8);
  };
