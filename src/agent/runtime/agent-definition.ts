import type { AgentState } from './agent-state.js';
import type { HookTarget } from './hook-target.js';
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
  /** Signed HTTP callbacks for every execution of this type, beside those a start names. */
  hooks?: HookTarget[];
}

/** The one thing the runner needs from an agent. */
export interface AgentStepper {
  step(state: AgentState, ctx: StepContext): Promise<StepResult>;
}

export interface AgentDefinition extends AgentTypeSettings, AgentStepper {}
