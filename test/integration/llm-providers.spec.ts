import type { IncomingMessage } from 'node:http';
import { jsonSchema, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineLlmAgent } from '../../src/agent/runtime/llm-agent.js';
import { demoModel } from '../../src/demo/demo-model.js';
import { readHostConfig } from '../../src/host/host-config.js';
import { runAgentLoop } from '../support/agent-loop.js';
import { textAnswer, toolCallAnswer, type ChatRequest, type Handler } from '../support/fake-openai-server.js';
import {
  anthropicJson,
  anthropicText,
  anthropicToolUse,
  responsesText,
  responsesToolCall,
  startFakeProviderServer,
  type FakeProviderServer,
  type ProviderHandler,
} from '../support/fake-provider-server.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

// NOTE: the fake servers' model ids are unknown to the SDK, which warns about each on the console.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** The Chat Completions handlers of the OpenAI-compatible tests, which read nothing of the request. */
const chat =
  (handler: Handler): ProviderHandler =>
  (res) =>
    handler({} as ChatRequest, {} as IncomingMessage, res);

interface ProviderCase {
  provider: 'openai' | 'anthropic' | 'openai-compatible';
  endpoint: string;
  model: string;
  toolCall: ProviderHandler;
  answer: ProviderHandler;
  /** Where the API key travels. */
  keyHeader: [string, string];
  /** The tool's result as the second request carries it back to the model. */
  toolResultIn: (body: Record<string, unknown>) => unknown;
}

const CASES: ProviderCase[] = [
  {
    provider: 'openai',
    endpoint: '/responses',
    model: 'gpt-fake',
    toolCall: responsesToolCall,
    answer: responsesText,
    keyHeader: ['authorization', 'Bearer key-openai'],
    toolResultIn: (body) => (body.input as Array<{ type?: string; call_id?: string }>).find((i) => i.type === 'function_call_output'),
  },
  {
    provider: 'anthropic',
    endpoint: '/messages',
    model: 'claude-fake',
    toolCall: anthropicToolUse,
    answer: anthropicText,
    keyHeader: ['x-api-key', 'key-anthropic'],
    toolResultIn: (body) =>
      (body.messages as Array<{ content: Array<{ type: string }> | string }>)
        .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
        .find((part) => part.type === 'tool_result'),
  },
  {
    provider: 'openai-compatible',
    endpoint: '/chat/completions',
    model: 'fake-gpt',
    toolCall: chat(toolCallAnswer),
    answer: chat(textAnswer),
    keyHeader: ['authorization', 'Bearer key-openai-compatible'],
    toolResultIn: (body) => (body.messages as Array<{ role: string }>).find((m) => m.role === 'tool'),
  },
];

describe('the example app selects its LLM provider by configuration', () => {
  let db: TestDatabase;
  let t: TestApp;
  const servers = new Map<string, FakeProviderServer>();
  const weatherCalls: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const agents = [];
    for (const c of CASES) {
      const server = await startFakeProviderServer(c.endpoint);
      servers.set(c.provider, server);
      // The example app's own reading of its environment, and its own choice of provider package.
      const { llm } = readHostConfig({
        LLM_PROVIDER: c.provider,
        LLM_BASE_URL: server.baseURL,
        LLM_API_KEY: `key-${c.provider}`,
        LLM_MODEL: c.model,
      });
      agents.push(
        defineLlmAgent({
          name: `weather-${c.provider}`,
          model: demoModel(llm),
          system: 'You report the weather.',
          tools: {
            lookup_weather: tool({
              description: 'Looks up the weather of a city',
              inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
              execute: async ({ city }) => {
                weatherCalls.push(city);
                return { city, forecast: 'sunny' };
              },
            }),
          },
        }),
      );
    }
    t = await startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), agents });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await Promise.all([...servers.values()].map((s) => s.close()));
  });

  it.each(CASES)('$provider: a tool call and a final answer complete the run, with the usage recorded', async (c) => {
    const server = servers.get(c.provider)!;
    server.handlers.push(c.toolCall, c.answer);
    const calledBefore = weatherCalls.length;

    const execution = await t.manager.start(principal(), `weather-${c.provider}`, { prompt: 'Weather in Paris?' });
    const row = await waitForStatus(t, db, execution.id, ['completed', 'failed']);

    expect(row).toMatchObject({ status: 'completed', step_count: 2, output: 'It is sunny in Paris.', token_usage: '103' });
    expect(weatherCalls.slice(calledBefore)).toEqual(['Paris']);
    const usage = await db.sql.query(
      'SELECT model, input_tokens, output_tokens FROM token_usage_records WHERE execution_id = $1 ORDER BY recorded_at, id',
      [execution.id],
    );
    expect(usage.rows).toEqual([
      { model: c.model, input_tokens: 31, output_tokens: 9 },
      { model: c.model, input_tokens: 57, output_tokens: 6 },
    ]);

    // Two streamed requests to the vendor's endpoint, with the key where the vendor expects it;
    // the second carries the tool's result back to the model.
    expect(server.requests.map((r) => [r.path, r.body.stream, r.body.model])).toEqual([
      [`/v1${c.endpoint}`, true, c.model],
      [`/v1${c.endpoint}`, true, c.model],
    ]);
    for (const request of server.requests) expect(request.headers[c.keyHeader[0]]).toBe(c.keyHeader[1]);
    expect(JSON.stringify(c.toolResultIn(server.requests[1]!.body))).toContain('sunny');
  });
});

// The output schema's structured-output request, as a provider receives it.
describe('an output schema reaches the provider as a JSON Schema response format', () => {
  it('sends text.format json_schema on the OpenAI Responses API', async () => {
    const server = await startFakeProviderServer('/responses');
    try {
      server.handlers.push(responsesText);
      const { llm } = readHostConfig({ LLM_PROVIDER: 'openai', LLM_BASE_URL: server.baseURL, LLM_API_KEY: 'k', LLM_MODEL: 'gpt-fake' });
      const agent = defineLlmAgent({ name: 'json', model: demoModel(llm), system: 's', outputSchema: z.object({ city: z.string() }) });
      await runAgentLoop(agent, 'Weather?');
      expect(server.requests[0]!.body.text).toMatchObject({
        format: { type: 'json_schema', schema: { type: 'object', required: ['city'] } },
      });
    } finally {
      await server.close();
    }
  });

  it('sends output_config.format on the Anthropic Messages API, and the JSON answer becomes the output', async () => {
    const server = await startFakeProviderServer('/messages');
    try {
      server.handlers.push(anthropicJson('{"city":"Paris"}'));
      const { llm } = readHostConfig({ LLM_PROVIDER: 'anthropic', LLM_BASE_URL: server.baseURL, LLM_API_KEY: 'k' });
      const agent = defineLlmAgent({ name: 'json', model: demoModel(llm), system: 's', outputSchema: z.object({ city: z.string() }) });
      const run = await runAgentLoop(agent, 'Weather?');
      expect(server.requests[0]!.body.output_config).toMatchObject({
        format: { type: 'json_schema', schema: { type: 'object', required: ['city'] } },
      });
      expect(run.results[0]).toMatchObject({ outcome: 'done', output: { city: 'Paris' } });
    } finally {
      await server.close();
    }
  });
});
