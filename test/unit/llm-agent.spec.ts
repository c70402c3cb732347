import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { runAgentLoop as runAgent } from '../support/agent-loop.js';
import { describe, expect, it } from 'vitest';
import { emptyUsage } from '../../src/agent/runtime/agent-state.js';
import type { JsonValue } from '../../src/agent/runtime/json.js';
import { defineLlmAgent } from '../../src/agent/runtime/llm-agent.js';
import { createScriptedModel } from '../../src/agent/runtime/scripted-model.js';
import { recordStep } from '../../src/agent/runtime/step-recorder.js';

const listFiles = tool({
  description: 'Lists the files of a directory',
  inputSchema: jsonSchema<{ dir: string }>({ type: 'object', properties: { dir: { type: 'string' } }, required: ['dir'] }),
  execute: async ({ dir }) => ({ dir, files: ['main.ts', 'app.module.ts'] }),
});
const calculator = tool({
  description: 'Evaluates arithmetic',
  inputSchema: jsonSchema<{ a: number }>({ type: 'object', properties: { a: { type: 'number' } }, required: ['a'] }),
  execute: async ({ a }) => a * 2,
});

const codeAssistant = (model = createScriptedModel({ modelId: 'scripted-test' })) =>
  defineLlmAgent({ name: 'code-assistant', model, system: 'You help with code.', tools: { calculator, list_files: listFiles } });

describe('defineLlmAgent with the scripted model', () => {
  it('calls the relevant tool in one step, then answers with a summary in the next', async () => {
    const run = await runAgent(codeAssistant(), { prompt: 'Please list the files in src' });

    expect(run.results.map((r) => [r.outcome, r.stepType, r.toolNames])).toEqual([
      ['continue', 'tool', ['list_files']],
      ['done', 'model', undefined],
    ]);
    expect(run.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(run.messages[0]).toEqual({ role: 'user', content: 'Please list the files in src' });
    const output = (run.results[1] as { output: JsonValue }).output;
    expect(output).toContain('app.module.ts');

    const toolEvents = run.logs.filter((l) => l.eventType.startsWith('tool_'));
    expect(toolEvents.map((l) => [l.eventType, l.context.toolName])).toEqual([
      ['tool_called', 'list_files'],
      ['tool_completed', 'list_files'],
    ]);
    expect(toolEvents[0].context.input).toEqual({ dir: 'Please list the files in src' });
    expect(run.logs.filter((l) => l.eventType === 'model_called')).toHaveLength(2);

    // The answer was streamed in several pieces that add up to it.
    expect(run.tokens.length).toBeGreaterThan(3);
    expect(run.tokens.join('')).toBe(output);
  });

  it('times each model and tool call from the start of its step, for the run timeline', async () => {
    const slowList = tool({
      inputSchema: jsonSchema<{ dir: string }>({ type: 'object', properties: { dir: { type: 'string' } } }),
      execute: async () => new Promise<string[]>((resolve) => setTimeout(() => resolve(['a.ts']), 30)),
    });
    const model = createScriptedModel({ modelId: 'scripted-test', firstChunkDelayMs: 20 });
    const agent = defineLlmAgent({ name: 'timed', model, system: 'You help.', tools: { list_files: slowList } });
    const run = await runAgent(agent, 'Please list the files');

    const rows = run.logs.filter((l) => ['model_called', 'model_completed', 'tool_called', 'tool_completed'].includes(l.eventType));
    expect(rows.map((l) => l.eventType)).toEqual([
      'model_called',
      'tool_called',
      'tool_completed',
      'model_completed',
      'model_called',
      'model_completed',
    ]);
    const [, called, completed, model1, , model2] = rows.map((l) => l.context as Record<string, number>);
    expect(completed!.duration_ms).toBeGreaterThanOrEqual(25);
    expect(completed!.offset_ms).toBe(called!.offset_ms! + completed!.duration_ms!);
    for (const [i, m] of [model1!, model2!].entries()) {
      expect(m).toMatchObject({
        ok: true,
        model: 'scripted-test',
        input_tokens: run.usage[i]!.inputTokens,
        output_tokens: run.usage[i]!.outputTokens,
      });
      expect(m.duration_ms).toBeGreaterThanOrEqual(15);
      expect(m.offset_ms).toBeGreaterThanOrEqual(0);
    }
    // The first call waited for its tool: the call lasts past the tool's end.
    expect(model1!.offset_ms! + model1!.duration_ms!).toBeGreaterThanOrEqual(completed!.offset_ms!);
  });

  it('records deterministic usage for every model call', async () => {
    const first = await runAgent(codeAssistant(), 'Please list the files in src');
    const second = await runAgent(codeAssistant(), 'Please list the files in src');

    expect(first.usage).toHaveLength(2);
    expect(first.usage).toEqual(second.usage);
    const output = (first.results[1] as { output: string }).output;
    expect(first.usage[1]).toMatchObject({ model: 'scripted-test', outputTokens: Math.ceil(output.length / 4) });
    expect(first.usage.every((u) => u.inputTokens > 0 && u.outputTokens > 0)).toBe(true);
    // The second call reads the tool result too, so it reads more.
    expect(first.usage[1].inputTokens).toBeGreaterThan(first.usage[0].inputTokens);
  });

  it('stores messages that survive a JSON round trip and replay into the next step', async () => {
    const run = await runAgent(codeAssistant(), { prompt: 'Please list the files in src' });

    for (const message of run.messages) expect(JSON.parse(JSON.stringify(message))).toStrictEqual(message);
    // Replaying the stored history (as after a restart) gives the same final step.
    const resumed = await codeAssistant().step(
      { input: null, messages: JSON.parse(JSON.stringify(run.messages.slice(0, 3))), data: {}, stepCount: 1, usage: emptyUsage() },
      recordStep(
        { executionId: 'e', tenantId: 't', userId: 'u', agentType: 'code-assistant', stepNumber: 2 },
        new AbortController().signal,
        () => {},
      ).context,
    );
    expect(resumed).toEqual(run.results[1]);
  });

  it('follows a custom script and its usage figures', async () => {
    const model = createScriptedModel({
      script: (call, turn) =>
        turn === 0
          ? { toolCalls: [{ toolName: 'calculator', input: { a: 21 } }], usage: { inputTokens: 100, outputTokens: 7 } }
          : { text: `The answer is ${JSON.stringify(call.toolResults[0].output)}`, usage: { inputTokens: 120, outputTokens: 5 } },
    });
    const run = await runAgent(codeAssistant(model), 'Double 21');

    expect(run.results.at(-1)).toMatchObject({ outcome: 'done', output: 'The answer is 42' });
    expect(run.usage).toEqual([
      { model: 'scripted', inputTokens: 100, outputTokens: 7 },
      { model: 'scripted', inputTokens: 120, outputTokens: 5 },
    ]);
  });

  it('answers directly when it has no tools, using the JSON of an input without a prompt', async () => {
    const agent = defineLlmAgent({ name: 'plain', model: () => createScriptedModel(), system: 'Be brief.' });
    const run = await runAgent(agent, { question: 'why?' });

    expect(run.results).toHaveLength(1);
    expect(run.messages[0]).toEqual({ role: 'user', content: '{"question":"why?"}' });
    expect(run.results[0]).toMatchObject({ outcome: 'done', stepType: 'model' });
  });

  it('logs a failing tool as completed with an error and lets the model see it', async () => {
    const broken = tool({
      inputSchema: jsonSchema<{ dir: string }>({ type: 'object', properties: { dir: { type: 'string' } } }),
      execute: async (): Promise<string> => {
        throw new Error('disk on fire');
      },
    });
    const agent = defineLlmAgent({ name: 'broken', model: createScriptedModel(), system: '', tools: { list_files: broken } });
    const run = await runAgent(agent, 'list files');

    expect(run.logs.find((l) => l.eventType === 'tool_completed')).toMatchObject({
      level: 'warning',
      context: { toolName: 'list_files', ok: false, error: 'disk on fire' },
    });
    expect(run.results.at(-1)).toMatchObject({ outcome: 'done' });
    expect((run.results.at(-1) as { output: string }).output).toContain('disk on fire');
  });

  it('rejects promptly when aborted in the middle of a slow stream', async () => {
    const words = Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ');
    const model = createScriptedModel({ chunkDelayMs: 200, script: () => ({ text: words }) });
    const agent = defineLlmAgent({ name: 'slow', model, system: '' });
    const controller = new AbortController();
    let abortedAt = 0;

    const running = runAgent(agent, 'talk', controller.signal, () => {
      if (abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort(new Error('force killed'));
      }
    });

    await expect(running).rejects.toThrow('force killed');
    // One chunk is 200 ms; the whole answer would take 10 s.
    expect(Date.now() - abortedAt).toBeLessThan(150);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(runAgent(codeAssistant(), 'hi', controller.signal)).rejects.toThrow('gone');
  });
});

describe('createScriptedModel without streaming', () => {
  it('answers generateText the same way it streams', async () => {
    const result = await generateText({
      model: createScriptedModel(),
      prompt: 'Please list the files in src',
      tools: { calculator, list_files: listFiles },
      stopWhen: stepCountIs(3),
    });

    expect(result.steps.map((s) => s.toolCalls.map((c) => c.toolName))).toEqual([['list_files'], []]);
    expect(result.text).toContain('app.module.ts');
    expect(result.steps[1].usage.outputTokens).toBe(Math.ceil(result.text.length / 4));
  });

  it('rejects promptly when aborted while generating', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const generating = generateText({
      model: createScriptedModel({ chunkDelayMs: 10_000 }),
      prompt: 'hi',
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    setImmediate(() => controller.abort(new Error('stop now')));

    await expect(generating).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
