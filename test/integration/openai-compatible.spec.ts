import { jsonSchema, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineLlmAgent } from '../../src/agent/runtime/llm-agent.js';
import { createOpenAiCompatibleModel } from '../../src/agent/runtime/openai-compatible.js';
import { runAgentLoop as runAgent } from '../support/agent-loop.js';
import {
  chunk,
  send,
  startFakeOpenAiServer,
  startSse,
  textAnswer,
  toolCallAnswer,
  type FakeOpenAiServer,
} from '../support/fake-openai-server.js';
import { principal, startTestApp, waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix } from '../support/test-database.js';

describe('LLM agent on an OpenAI-compatible server', () => {
  let fake: FakeOpenAiServer;
  let baseURL: string;

  beforeAll(async () => {
    fake = await startFakeOpenAiServer();
    baseURL = fake.baseURL;
  });

  afterAll(() => fake.close());

  beforeEach(() => fake.reset());

  const weatherCalls: Array<{ city: string }> = [];
  const weatherAgent = () =>
    defineLlmAgent({
      name: 'weather',
      model: () => createOpenAiCompatibleModel({ baseURL, model: 'fake-gpt' }),
      system: 'You report the weather.',
      tools: {
        lookup_weather: tool({
          description: 'Looks up the weather of a city',
          inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
          execute: async (input) => {
            weatherCalls.push(input);
            return { city: input.city, forecast: 'sunny' };
          },
        }),
      },
    });

  it('runs a tool call, then a final answer, with the server reported usage', async () => {
    fake.handlers.push(toolCallAnswer, textAnswer);
    const run = await runAgent(weatherAgent(), { prompt: 'Weather in Paris?' });

    expect(run.results.map((r) => r.outcome)).toEqual(['continue', 'done']);
    expect(run.results[0]).toMatchObject({ stepType: 'tool', toolNames: ['lookup_weather'] });
    expect(run.results[1]).toMatchObject({ output: 'It is sunny in Paris.', stepType: 'model' });
    expect(weatherCalls).toEqual([{ city: 'Paris' }]);
    expect(run.tokens.join('')).toBe('It is sunny in Paris.');
    expect(run.usage).toEqual([
      { model: 'fake-gpt', inputTokens: 31, outputTokens: 9 },
      { model: 'fake-gpt', inputTokens: 57, outputTokens: 6 },
    ]);
    expect(run.logs.filter((l) => l.eventType.startsWith('tool_')).map((l) => [l.eventType, l.context.toolName])).toEqual([
      ['tool_called', 'lookup_weather'],
      ['tool_completed', 'lookup_weather'],
    ]);

    // Two streamed fake.requests; the second carries the call and its result back to the model.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.every((r) => r.stream === true && r.stream_options?.include_usage === true && r.model === 'fake-gpt')).toBe(true);
    expect(fake.requests[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(fake.requests[1].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    const toolMessage = fake.requests[1].messages[3];
    expect(toolMessage.tool_call_id).toBe('call_1');
    expect(JSON.parse(toolMessage.content as string)).toEqual({ city: 'Paris', forecast: 'sunny' });
    for (const message of run.messages) expect(JSON.parse(JSON.stringify(message))).toStrictEqual(message);
  });

  it('closes the request when the step is aborted mid-stream, and the step rejects', async () => {
    let closed!: Promise<{ endedByServer: boolean }>;
    fake.handlers.push((_body, _req, res) => {
      closed = new Promise((resolve) => res.once('close', () => resolve({ endedByServer: res.writableEnded })));
      startSse(res);
      // First words, then silence: the server never finishes on its own.
      send(res, chunk([{ index: 0, delta: { role: 'assistant', content: 'Thinking ' }, finish_reason: null }]));
    });
    const controller = new AbortController();

    const running = runAgent(weatherAgent(), 'Weather in Paris?', controller.signal, () => controller.abort(new Error('force killed')));

    await expect(running).rejects.toThrow('force killed');
    expect(await closed).toEqual({ endedByServer: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('completes as an execution through the runner, with the tokens in the row', async () => {
    fake.handlers.push(toolCallAnswer, textAnswer);
    const db = await createTestDatabase();
    const app = await startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), agents: [weatherAgent()] });
    try {
      const execution = await app.manager.start(principal(), 'weather', { prompt: 'Weather in Paris?' });
      const row = await waitForStatus(app, db, execution.id, ['completed', 'failed']);
      expect(row).toMatchObject({ status: 'completed', step_count: 2, output: 'It is sunny in Paris.', token_usage: '103' });
      const tokens = await db.sql.query('SELECT input_tokens, output_tokens FROM agent_executions WHERE id = $1', [execution.id]);
      expect(tokens.rows[0]).toEqual({ input_tokens: '88', output_tokens: '15' });
      const messages = await db.sql.query('SELECT role FROM agent_messages WHERE execution_id = $1 ORDER BY seq', [execution.id]);
      expect(messages.rows.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      expect(fake.requests).toHaveLength(2);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
