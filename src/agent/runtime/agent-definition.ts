import type { AgentState } from './agent-state.js';
import type { StepContext } from './step-context.js';
import type { StepResult } from './step-result.js';

export interface AgentLimits {
  /** The run fails with `max_steps_exceeded` once this many steps ran without finishing. */
  maxSteps: number;
  /** The run fails with `max_tokens_exceeded` once its total tokens pass this. */
  maxTokens: number;
  /** Wall-clock limit from the first start; the step in flight is aborted at the deadline. */
  timeoutSeconds: number;
}

/** Per-type settings shared by custom and LLM agents. Everything but the name is optional. */
export interface AgentTypeSettings {
  name: string;
  description?: string;
  /** The queue this type runs on unless the tier or the caller chooses another. */
  queue?: string;
  limits?: Partial<AgentLimits>;
  /** Steps per job before the run checkpoints and re-enqueues its continuation. */
  chunkSize?: number;
  /**
   * How many times a step that failed with a retryable error (`RetryableError`, a provider's 429 or
   * 5xx, a network error) runs again, with exponential backoff and jitter, before the run fails.
   * 0: never. Default `defaults.retries` (3).
   */
  retries?: number;
}

/** The wait between attempts of a failed step: doubling from `initialMs`, at most `maxMs`, jittered. */
export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

/** The one thing the runner needs from an agent. */
export interface AgentStepper {
  step(state: AgentState, ctx: StepContext): Promise<StepResult>;
}

export interface AgentDefinition extends AgentTypeSettings, AgentStepper {}
