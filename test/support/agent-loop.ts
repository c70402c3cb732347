import { expect } from 'vitest';
import type { AgentDefinition } from '../../src/agent/runtime/agent-definition.js';
import { emptyUsage, type AgentState } from '../../src/agent/runtime/agent-state.js';
import type { JsonValue } from '../../src/agent/runtime/json.js';
import type { ModelUsage, StepLog } from '../../src/agent/runtime/step-context.js';
import { findStepResultProblem } from '../../src/agent/runtime/step-result-check.js';
import { recordStep } from '../../src/agent/runtime/step-recorder.js';
import type { StepResult } from '../../src/agent/runtime/step-result.js';

/** The runner's loop in miniature: step, check, append the step's messages, until done. */
export async function runAgentLoop(
  agent: AgentDefinition,
  input: JsonValue,
  signal = new AbortController().signal,
  onToken?: (t: string) => void,
) {
  let state: AgentState = { input, messages: [], data: {}, stepCount: 0, usage: emptyUsage() };
  const results: StepResult[] = [];
  const logs: StepLog[] = [];
  const usage: ModelUsage[] = [];
  const tokens: string[] = [];
  for (let stepNumber = 1; stepNumber <= 5; stepNumber++) {
    const identity = { executionId: 'exec-1', tenantId: 'tenant-1', userId: 'user-1', agentType: agent.name, stepNumber };
    const { context, recording } = recordStep(identity, signal, (t) => {
      tokens.push(t);
      onToken?.(t);
    });
    const result = await agent.step(state, context);
    expect(findStepResultProblem(result)).toBeNull();
    results.push(result);
    logs.push(...recording.logs);
    usage.push(...recording.usage);
    state = { ...state, messages: [...state.messages, ...(result.messages ?? [])], stepCount: stepNumber };
    if (result.outcome !== 'continue') break;
  }
  return { results, logs, usage, tokens, messages: state.messages };
}
