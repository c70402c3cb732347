import { jsonSchema, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { emptyUsage, type AgentMessage, type AgentState } from '../../src/agent/runtime/agent-state.js';
import { defineLlmAgent } from '../../src/agent/runtime/llm-agent.js';
import { createScriptedModel, type ScriptedCall, type ScriptedTurn } from '../../src/agent/runtime/scripted-model.js';
import { findStepResultProblem } from '../../src/agent/runtime/step-result-check.js';
import { recordStep } from '../../src/agent/runtime/step-recorder.js';
import { nextStateAfter } from '../../src/agent/runtime/step-transition.js';
import { approvalResponseMessage, type ApprovalRequest } from '../../src/agent/runtime/tool-approval.js';

/** An agent with one tool that needs approval and one that does not; the script calls both, then reports what came back. */
function approvalAgent() {
  const removed: string[] = [];
  const seen: ScriptedCall[] = [];
  const agent = defineLlmAgent({
    name: 'cleaner',
    system: 'You clean up.',
    model: createScriptedModel({
      script: (call, turn): ScriptedTurn => {
        seen.push(call);
        if (turn === 0)
          return {
            toolCalls: [
              { toolName: 'remove', input: { path: 'a.txt' } },
              { toolName: 'remove', input: { path: 'b.txt' } },
              { toolName: 'list', input: {} },
            ],
          };
        return { text: `results: ${JSON.stringify(call.toolResults)}` };
      },
    }),
    tools: {
      remove: tool({
        description: 'Removes a file',
        inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }),
        needsApproval: true,
        execute: async ({ path }) => {
          removed.push(path);
          return `removed ${path}`;
        },
      }),
      list: tool({
        description: 'Lists files',
        inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }),
        execute: async () => ['a.txt', 'b.txt'],
      }),
    },
  });
  return { agent, removed, seen };
}

const stepOf = async (agent: ReturnType<typeof approvalAgent>['agent'], messages: AgentMessage[], stepNumber: number) => {
  const { context, recording } = recordStep(
    { executionId: 'e', tenantId: 't', userId: 'u', agentType: 'cleaner', stepNumber },
    new AbortController().signal,
    () => undefined,
  );
  const state: AgentState = { input: 'Remove the files', messages, data: {}, stepCount: stepNumber - 1, usage: emptyUsage() };
  const result = await agent.step(state, context);
  expect(findStepResultProblem(result)).toBeNull();
  return { result, logs: recording.logs };
};

/** What a checkpoint keeps of messages: their JSON. */
const stored = (messages: AgentMessage[]): AgentMessage[] => JSON.parse(JSON.stringify(messages));

describe('LLM agent tools that need approval', () => {
  it('parks with every pending call, having run the tools that need none, and logs each request', async () => {
    const { agent, removed } = approvalAgent();
    const { result, logs } = await stepOf(agent, [], 1);

    expect(result.outcome).toBe('await_input');
    const approvals = (result as { approvals: ApprovalRequest[] }).approvals;
    expect(approvals.map((a) => [a.toolName, a.input])).toEqual([
      ['remove', { path: 'a.txt' }],
      ['remove', { path: 'b.txt' }],
    ]);
    expect(new Set(approvals.map((a) => a.approvalId)).size).toBe(2);
    expect(removed).toEqual([]);
    expect(
      nextStateAfter(result, { stepCount: 1, totalTokens: 0, stepsThisJob: 1 }, { maxSteps: 9, maxTokens: 1e9, timeoutSeconds: 9 }, 9),
    ).toMatchObject({ kind: 'awaiting_input', approvals });
    const requested = logs.filter((l) => l.eventType === 'tool.approval_requested');
    expect(requested.map((l) => l.context)).toEqual(
      approvals.map((a) => ({ approvalId: a.approvalId, toolCallId: a.toolCallId, toolName: 'remove', input: a.input })),
    );
    // The tool that needs no approval ran and its result is in the history already.
    expect(logs.filter((l) => l.eventType === 'tool_completed').map((l) => l.context.toolName)).toEqual(['list']);
  });

  it('runs an approved call once in the next step and gives a denied one the denial as its result', async () => {
    const { agent, removed, seen } = approvalAgent();
    const first = await stepOf(agent, [], 1);
    const [a, b] = (first.result as { approvals: ApprovalRequest[] }).approvals;
    // One decision per tool message, as the kernel appends them; the next step reads both.
    const history = stored([
      ...first.result.messages!,
      approvalResponseMessage(a.approvalId, { approved: true }),
      approvalResponseMessage(b.approvalId, { approved: false, reason: 'b.txt is still needed' }),
    ]);

    const second = await stepOf(agent, history, 2);
    expect(removed).toEqual(['a.txt']);
    expect(second.result.outcome).toBe('done');
    const results = seen[1].toolResults;
    expect(results).toContainEqual({ toolName: 'remove', output: 'removed a.txt' });
    expect(results).toContainEqual({ toolName: 'remove', output: { type: 'execution-denied', reason: 'b.txt is still needed' } });
    expect(results).toContainEqual({ toolName: 'list', output: ['a.txt', 'b.txt'] });
    expect(second.logs.filter((l) => l.eventType === 'tool_completed').map((l) => [l.context.toolName, l.context.ok])).toEqual([
      ['remove', false],
      ['remove', true],
    ]);

    // Replayed from the stored history (a later step, another process): nothing runs again.
    const later = stored([...history, ...second.result.messages!]);
    expect(later.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'tool', 'tool', 'assistant']);
    const replay = await stepOf(agent, later.slice(0, -1), 2);
    expect(replay.result.outcome).toBe('done');
    expect(removed).toEqual(['a.txt']);
  });

  it('builds the decision message in the SDK shape, with the reason only when given', () => {
    expect(approvalResponseMessage('ap1', { approved: true })).toEqual({
      role: 'tool',
      content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: true }],
    });
    expect(approvalResponseMessage('ap1', { approved: false, reason: 'no' }).content).toEqual([
      { type: 'tool-approval-response', approvalId: 'ap1', approved: false, reason: 'no' },
    ]);
  });

  it('refuses malformed approvals in a custom step result', () => {
    expect(findStepResultProblem({ outcome: 'await_input', prompt: 'x', approvals: [] })).toMatch(/non-empty/);
    expect(findStepResultProblem({ outcome: 'await_input', prompt: 'x', approvals: [{ approvalId: 'a' }] })).toMatch(/toolCallId/);
  });
});

describe('a call that needs approval beside a spawn', () => {
  it('parks on the approval and answers the spawn as not started, so the model may ask again', async () => {
    const agent = defineLlmAgent({
      name: 'lead',
      system: 'You lead.',
      model: createScriptedModel({
        script: (): ScriptedTurn => ({
          toolCalls: [
            { toolName: 'spawn_subagent', input: { name: 'researcher', task: 'Find facts' } },
            { toolName: 'book', input: { trip: 'Rome' } },
          ],
        }),
      }),
      tools: {
        book: tool({
          description: 'Books a trip',
          inputSchema: jsonSchema<{ trip: string }>({ type: 'object', properties: { trip: { type: 'string' } }, required: ['trip'] }),
          needsApproval: true,
          execute: async () => 'booked',
        }),
      },
      subagents: true,
    });
    const { context } = recordStep(
      { executionId: 'e', tenantId: 't', userId: 'u', agentType: 'lead', stepNumber: 1 },
      new AbortController().signal,
      () => undefined,
      undefined,
      { available: [{ name: 'researcher', description: 'Finds facts' }], depth: 0, maxDepth: 2 },
    );
    const result = await agent.step({ input: 'Plan the trip', messages: [], data: {}, stepCount: 0, usage: emptyUsage() }, context);

    expect(findStepResultProblem(result)).toBeNull();
    expect(result).toMatchObject({ outcome: 'await_input', approvals: [{ toolName: 'book', input: { trip: 'Rome' } }] });
    const answers = (result.messages ?? []).filter((m) => m.role === 'tool').flatMap((m) => m.content as Array<Record<string, unknown>>);
    expect(answers).toEqual([
      {
        type: 'tool-result',
        toolCallId: expect.any(String),
        toolName: 'spawn_subagent',
        output: { type: 'error-text', value: expect.stringContaining('awaits approval') },
      },
    ]);
  });
});
