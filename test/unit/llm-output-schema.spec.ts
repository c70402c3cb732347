import { jsonSchema, tool } from 'ai';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineLlmAgent } from '../../src/agent/runtime/llm-agent.js';
import { createScriptedModel } from '../../src/agent/runtime/scripted-model.js';
import { parseJsonAnswer } from '../../src/agent/runtime/schemas/structured-answer.js';
import { runAgentLoop } from '../support/agent-loop.js';

const Forecast = z.object({ city: z.string(), celsius: z.number() });

const weatherTool = {
  lookup_weather: tool({
    inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
    execute: async ({ city }) => ({ city, celsius: 21 }),
  }),
};

describe('an LLM agent with an output schema', () => {
  it('answers the parsed object after a tool call', async () => {
    const model = createScriptedModel({
      script: (_call, turn) =>
        turn === 0 ? { toolCalls: [{ toolName: 'lookup_weather', input: { city: 'Paris' } }] } : { text: '{"city":"Paris","celsius":21}' },
    });
    const agent = defineLlmAgent({ name: 'forecast', model, system: 'Answer as JSON.', tools: weatherTool, outputSchema: Forecast });

    const run = await runAgentLoop(agent, 'Weather in Paris?');

    expect(run.results.map((r) => r.outcome)).toEqual(['continue', 'done']);
    expect(run.results[1]).toMatchObject({ output: { city: 'Paris', celsius: 21 } });
  });

  it('passes text that is no JSON on as text (the runner rejects it against the schema)', async () => {
    const model = createScriptedModel({ script: () => ({ text: 'It is sunny.' }) });
    const agent = defineLlmAgent({ name: 'forecast', model, system: 'Answer as JSON.', outputSchema: Forecast });
    const run = await runAgentLoop(agent, 'Weather?');
    expect(run.results[0]).toMatchObject({ outcome: 'done', output: 'It is sunny.' });
  });

  it('answers text as before without an output schema', async () => {
    const model = createScriptedModel({ script: () => ({ text: '{"a":1}' }) });
    const run = await runAgentLoop(defineLlmAgent({ name: 'plain', model, system: 's' }), 'x');
    expect(run.results[0]).toMatchObject({ outcome: 'done', output: '{"a":1}' });
  });

  it('parses a fenced JSON answer, with a valibot schema too', async () => {
    expect(parseJsonAnswer('```json\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseJsonAnswer('not json')).toBe('not json');
    const model = createScriptedModel({ script: () => ({ text: '```json\n{"city":"Oslo","celsius":-3}\n```' }) });
    const outputSchema = v.object({ city: v.string(), celsius: v.number() });
    const run = await runAgentLoop(defineLlmAgent({ name: 'v', model, system: 's', outputSchema }), 'x');
    expect(run.results[0]).toMatchObject({ outcome: 'done', output: { city: 'Oslo', celsius: -3 } });
  });
});
