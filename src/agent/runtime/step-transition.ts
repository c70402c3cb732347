import type { AgentLimits } from './agent-definition.js';
import type { JsonValue } from './json.js';
import { StepOutcome, type StepResult } from './step-result.js';
import type { SpawnRequest } from './subagent-access.js';
import type { ApprovalRequest } from './tool-approval.js';

/** Where an execution goes after a committed step. Framework-free so it is tested without I/O. */
export type NextState =
  | { kind: 'continue' }
  | { kind: 'chunk_spent' }
  | { kind: 'completed'; output: JsonValue }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'awaiting_input'; prompt: string; approvals?: ApprovalRequest[] }
  | { kind: 'awaiting_event'; eventType: string; timeoutSeconds?: number }
  | { kind: 'awaiting_children'; spawn: SpawnRequest[] }
  | { kind: 'sleeping'; until: Date };

export interface StepProgress {
  /** Steps committed including this one. */
  stepCount: number;
  /** Total tokens including this step's. */
  totalTokens: number;
  /** Steps run by the current job including this one. */
  stepsThisJob: number;
}

/**
 * Decides the transition that is committed together with the step. The agent's own answer wins
 * over limits (a step that finishes the work on its last allowed step completes).
 */
export function nextStateAfter(result: StepResult, progress: StepProgress, limits: AgentLimits, chunkSize: number): NextState {
  switch (result.outcome) {
    case StepOutcome.Done:
      return { kind: 'completed', output: result.output };
    case StepOutcome.AwaitInput:
      return { kind: 'awaiting_input', prompt: result.prompt, ...(result.approvals ? { approvals: result.approvals } : {}) };
    case StepOutcome.AwaitEvent:
      return { kind: 'awaiting_event', eventType: result.eventType, timeoutSeconds: result.timeoutSeconds };
    case StepOutcome.AwaitChildren:
      return { kind: 'awaiting_children', spawn: result.spawn };
    case StepOutcome.Sleep:
      return { kind: 'sleeping', until: result.until };
    case StepOutcome.Continue:
      break;
  }
  if (progress.totalTokens > limits.maxTokens) {
    return { kind: 'failed', code: 'max_tokens_exceeded', message: `Token limit exceeded: ${progress.totalTokens} > ${limits.maxTokens}` };
  }
  if (progress.stepCount >= limits.maxSteps) {
    return { kind: 'failed', code: 'max_steps_exceeded', message: `Step limit reached (${limits.maxSteps}) without finishing` };
  }
  if (progress.stepsThisJob >= chunkSize) return { kind: 'chunk_spent' };
  return { kind: 'continue' };
}
