import type { AgentMessage, AgentState, TokenUsage } from '../../runtime/agent-state.js';
import type { StepResult } from '../../runtime/step-result.js';
import type { Lease } from './lease.js';

/** What the first step of a job sees: the checkpoint the lease read, and the history loaded once. */
export const initialState = (lease: Lease, messages: AgentMessage[]): AgentState => ({
  input: lease.input,
  messages,
  data: lease.state,
  stepCount: lease.stepCount,
  usage: { inputTokens: lease.inputTokens, outputTokens: lease.outputTokens },
});

/** What the next step sees after `result` committed: the history appended in memory, not reloaded. */
export const stateAfterStep = (
  state: AgentState,
  result: StepResult,
  messages: AgentMessage[],
  stepNumber: number,
  usage: TokenUsage,
): AgentState => ({
  input: state.input,
  messages: messages.length > 0 ? [...state.messages, ...messages] : state.messages,
  data: result.data ?? state.data,
  stepCount: stepNumber,
  usage: { inputTokens: state.usage.inputTokens + usage.inputTokens, outputTokens: state.usage.outputTokens + usage.outputTokens },
});
