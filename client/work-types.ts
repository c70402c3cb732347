import type { ExecutionStatus, JsonObject, JsonValue, QueueName } from './types.js';

// ── conversations (SPEC §9) ──

export interface ConversationMessage {
  role: string;
  content: JsonValue;
  execution_id: string;
  created_at: string;
}

export interface Conversation {
  id: string;
  agent_type: string;
  title: string | null;
  /** Completed turns: each added its user message and its answer to the history. */
  turn_count: number;
  /** Tokens of every turn that ended, completed or not. */
  total_tokens: number;
  last_activity_at: string;
  created_at: string;
  /** The turn running (or ending) now. */
  active_execution_id: string | null;
  /** Only on `conversations.get(id)`: the history, oldest first. */
  messages?: ConversationMessage[];
}

/** A turn was started: follow it with `client.subscribe(execution_id, …)`. */
export interface TurnStarted {
  conversation: Conversation;
  execution_id: string;
}

// ── pipelines (SPEC §10) ──

export interface PipelineStageInput {
  name: string;
  agent_type: string;
  /** `{initial_input}`, `{previous_output}`, `{stages.<name>.output}`. */
  prompt_template?: string;
  queue?: QueueName;
}

export type PipelineStageDefinition = PipelineStageInput | { parallel: PipelineStageInput[] };

export interface PipelineStage {
  name: string;
  agent_type: string;
  /** Its execution's status, or `waiting` (not started yet) / `skipped` (the pipeline ended first). */
  status: ExecutionStatus | 'waiting' | 'skipped';
  execution_id: string | null;
}

export type PipelineStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface Pipeline {
  id: string;
  status: PipelineStatus;
  current_stage: number;
  stages: (PipelineStage | { parallel: PipelineStage[] })[];
  stage_outputs: Record<string, JsonValue>;
  output: JsonValue | null;
  /** `{ code, message, stage_index, stage, execution_id }` when a stage failed. */
  error: JsonObject | null;
  metadata: JsonObject;
  created_at: string;
  completed_at: string | null;
}

// ── usage and budgets (SPEC §12) ──

export interface BudgetState {
  scope: 'user' | 'tenant';
  period: { from: string; to: string };
  limit_tokens: number | null;
  limit_usd: number | null;
  spent_tokens: number;
  spent_usd: number;
  reserved_tokens: number;
  reserved_usd: number;
}
