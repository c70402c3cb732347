import { jsonSchema, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { emptyUsage, type AgentMessage, type AgentState } from '../../src/agent/runtime/agent-state.js';
import { defineLlmAgent } from '../../src/agent/runtime/llm-agent.js';
import type { SubagentsSetting } from '../../src/agent/runtime/llm-spawn.js';
import { createScriptedModel, type Script, type ScriptedCall } from '../../src/agent/runtime/scripted-model.js';
import { recordStep } from '../../src/agent/runtime/step-recorder.js';
import { findStepResultProblem } from '../../src/agent/runtime/step-result-check.js';
import type { StepResult } from '../../src/agent/runtime/step-result.js';
import type { SubagentAccess } from '../../src/agent/runtime/subagent-access.js';
import { childResultMessage } from '../../src/agent/subagents/child-summary.js';

const specs = [
  { name: 'researcher', description: 'Finds facts' },
  { name: 'writer', description: 'Writes prose' },
];
const access = (depth = 0, maxDepth = 2): SubagentAccess => ({ available: specs, depth, maxDepth });

const clock = tool({
  description: 'Tells the time',
  inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }),
  execute: async () => '12:00',
});

/** One step of an LLM agent that may spawn, with what the script saw. */
async function stepOnce(
  script: Script,
  options: { access?: SubagentAccess; subagents?: SubagentsSetting; messages?: AgentMessage[] } = {},
) {
  const calls: ScriptedCall[] = [];
  const agent = defineLlmAgent({
    name: 'lead',
    model: createScriptedModel({ script: (call, turn) => (calls.push(call), script(call, turn)) }),
    system: 'You lead.',
    tools: { clock },
    subagents: options.subagents ?? true,
  });
  const state: AgentState = { input: 'Plan the trip', messages: options.messages ?? [], data: {}, stepCount: 0, usage: emptyUsage() };
  const { context, recording } = recordStep(
    { executionId: 'e', tenantId: 't', userId: 'u', agentType: 'lead', stepNumber: 1 },
    new AbortController().signal,
    () => {},
    undefined,
    options.access ?? access(),
  );
  const result = await agent.step(state, context);
  expect(findStepResultProblem(result)).toBeNull();
  return { result, logs: recording.logs, calls };
}

const spawnCall = (name: string, task: string) => ({ toolName: 'spawn_subagent', input: { name, task } });
const toolMessages = (result: StepResult) => (result.messages ?? []).filter((m) => m.role === 'tool');

describe('spawning subagents from an LLM agent', () => {
  it('offers spawn_subagent listing the allowed subagents', async () => {
    const { calls } = await stepOnce(() => ({ text: 'ok' }), { subagents: ['writer'] });
    const offered = calls[0].tools.find((t) => t.name === 'spawn_subagent');
    expect(offered?.description).toContain('- writer: Writes prose');
    expect(offered?.description).not.toContain('researcher');
  });

  it('does not offer the tool to an agent without subagents', async () => {
    const { calls } = await stepOnce(() => ({ text: 'ok' }), { subagents: false });
    expect(calls[0].tools.map((t) => t.name)).toEqual(['clock']);
  });

  it('ends the step with the spawn; other tool calls of the same answer still run', async () => {
    const { result } = await stepOnce(() => ({
      toolCalls: [spawnCall('researcher', 'Find trains'), { toolName: 'clock', input: {} }, spawnCall('writer', 'Draft')],
    }));
    expect(result.outcome).toBe('await_children');
    expect(result).toMatchObject({
      stepType: 'spawn',
      spawn: [
        { subagent: 'researcher', input: 'Find trains', toolCallId: 'call_0_0' },
        { subagent: 'writer', input: 'Draft', toolCallId: 'call_0_2' },
      ],
    });
    // The assistant's calls are kept; only the clock has a result so far (the children answer the others).
    expect(result.messages!.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(
      toolMessages(result)
        .flatMap((m) => m.content as { toolName: string }[])
        .map((p) => p.toolName),
    ).toEqual(['clock']);
  });

  it('refuses a spawn beyond the maximum depth at once, with an error result and a warning', async () => {
    const { result, logs } = await stepOnce(() => ({ toolCalls: [spawnCall('researcher', 'Dig deeper')] }), { access: access(2, 2) });
    expect(result.outcome).toBe('continue');
    const [refusal] = toolMessages(result).flatMap((m) => m.content as { toolCallId: string; output: { type: string; value: string } }[]);
    expect(refusal).toMatchObject({ toolCallId: 'call_0_0', output: { type: 'error-text' } });
    expect(refusal.output.value).toMatch(/depth 3, beyond the maximum depth 2/);
    expect(logs.filter((l) => l.eventType === 'subagent_refused')).toMatchObject([
      { level: 'warning', context: { subagent: 'researcher' } },
    ]);
  });

  it('refuses an unknown or not allowed subagent and a call without a task, and spawns the rest', async () => {
    const { result, logs } = await stepOnce(
      () => ({
        toolCalls: [
          spawnCall('poet', 'Rhyme'),
          spawnCall('writer', 'Draft'),
          spawnCall('researcher', ' '),
          spawnCall('researcher', 'Find'),
        ],
      }),
      { subagents: ['researcher'] },
    );
    expect(result).toMatchObject({ outcome: 'await_children', spawn: [{ subagent: 'researcher', input: 'Find', toolCallId: 'call_0_3' }] });
    const reasons = toolMessages(result)
      .flatMap((m) => m.content as { output: { value: string } }[])
      .map((p) => p.output.value);
    expect(reasons).toEqual([
      "Unknown subagent 'poet' (available: researcher)",
      "Unknown subagent 'writer' (available: researcher)",
      'spawn_subagent needs a task',
    ]);
    expect(logs.filter((l) => l.eventType === 'subagent_refused')).toHaveLength(3);
  });

  it("continues from the children's results: the next model call accepts them as the spawn calls' results", async () => {
    const first = await stepOnce(() => ({ toolCalls: [spawnCall('researcher', 'Find trains'), spawnCall('writer', 'Draft')] }));
    const results = [
      childResultMessage(
        { id: 'c1', status: 'completed', output: 'The 9:14 to Lyon', error: null, metadata: { tool_call_id: 'call_0_0' } },
        100,
      ),
      childResultMessage(
        { id: 'c2', status: 'failed', output: null, error: { message: 'model unavailable' }, metadata: { tool_call_id: 'call_0_1' } },
        100,
      ),
    ];
    const second = await stepOnce((call) => ({ text: `Got ${call.toolResults.length} results` }), {
      messages: [...first.result.messages!, ...results],
    });
    expect(second.result).toMatchObject({ outcome: 'done', output: 'Got 2 results' });
    expect(second.calls[0].toolResults).toEqual([
      { toolName: 'spawn_subagent', output: 'The 9:14 to Lyon' },
      { toolName: 'spawn_subagent', output: 'failed: model unavailable' },
    ]);
  });
});
