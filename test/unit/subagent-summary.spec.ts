import { describe, expect, it } from 'vitest';
import { findStepResultProblem } from '../../src/agent/runtime/step-result-check.js';
import { step } from '../../src/agent/runtime/step-result.js';
import { nextStateAfter } from '../../src/agent/runtime/step-transition.js';
import { findSpawnProblem, spawnRefusal, subagentAgentType } from '../../src/agent/runtime/subagent-access.js';
import { capText, childResultMessage, childSummary } from '../../src/agent/subagents/child-summary.js';

const limits = { maxSteps: 10, maxTokens: 1000, timeoutSeconds: 60 };
const access = { available: [{ name: 'researcher', description: 'Finds facts' }], depth: 1, maxDepth: 2 };

describe('a child summary for its parent', () => {
  it('is the output as text, cut to the cap', () => {
    expect(childSummary({ status: 'completed', output: 'short', error: null }, 10)).toEqual({ type: 'text', value: 'short' });
    const long = childSummary({ status: 'completed', output: 'x'.repeat(50), error: null }, 10);
    expect(long).toEqual({ type: 'text', value: `${'x'.repeat(9)}…` });
    expect((long as { value: string }).value).toHaveLength(10);
    expect(childSummary({ status: 'completed', output: { facts: [1, 2] }, error: null }, 100)).toEqual({
      type: 'text',
      value: '{"facts":[1,2]}',
    });
  });

  it('says why there is no output: failed with the error, or cancelled', () => {
    expect(childSummary({ status: 'failed', output: null, error: { code: 'timeout', message: 'too slow' } }, 100)).toEqual({
      type: 'error-text',
      value: 'failed: too slow',
    });
    expect(childSummary({ status: 'cancelled', output: null, error: null }, 100)).toEqual({ type: 'error-text', value: 'cancelled' });
    expect(capText('abc', 3)).toBe('abc');
  });

  it('answers the spawn call, or a call named after the child for a custom agent', () => {
    const message = childResultMessage(
      { id: 'c1', status: 'completed', output: 'done', error: null, metadata: { tool_call_id: 'call_1' } },
      100,
    );
    expect(message).toEqual({
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'spawn_subagent', output: { type: 'text', value: 'done' } }],
    });
    const custom = childResultMessage(
      { id: 'c2', status: 'completed', output: 'done', error: null, metadata: { tool_call_id: null } },
      100,
    );
    expect((custom.content as { toolCallId: string }[])[0].toolCallId).toBe('subagent-c2');
  });
});

describe('the spawn outcome', () => {
  it('parks the run as awaiting_children, whatever the limits say', () => {
    const result = step.spawn([{ subagent: 'researcher', input: 'Find' }]);
    expect(nextStateAfter(result, { stepCount: 10, totalTokens: 5000, stepsThisJob: 1 }, limits, 5)).toEqual({
      kind: 'awaiting_children',
      spawn: [{ subagent: 'researcher', input: 'Find' }],
    });
  });

  it('needs a non-empty list of named requests with an input', () => {
    expect(findStepResultProblem(step.spawn([]))).toMatch(/non-empty/);
    expect(findStepResultProblem({ outcome: 'await_children', spawn: [{ input: 'x' }] })).toMatch(/subagent name/);
    expect(findStepResultProblem({ outcome: 'await_children', spawn: [{ subagent: 'researcher' }] })).toMatch(/no input/);
    expect(findStepResultProblem(step.spawn([{ subagent: 'researcher', input: null }]))).toBeNull();
  });

  it('is refused beyond the maximum depth or for an unknown subagent', () => {
    expect(spawnRefusal(access, 'researcher')).toBeNull();
    expect(spawnRefusal({ ...access, depth: 2 }, 'researcher')).toMatch(/beyond the maximum depth 2/);
    expect(spawnRefusal(access, 'poet')).toBe("Unknown subagent 'poet' (available: researcher)");
    expect(spawnRefusal(access, 'researcher', ['writer'])).toBe("Unknown subagent 'researcher' (available: none)");
    expect(
      findSpawnProblem(
        [
          { subagent: 'researcher', input: 1 },
          { subagent: 'poet', input: 2 },
        ],
        access,
      ),
    ).toMatch(/^cannot spawn 'poet'/);
    expect(subagentAgentType('researcher')).toBe('subagent.researcher');
  });
});
