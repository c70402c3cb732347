import type { JsonValue } from '../../runtime/json.js';
import type { ExecutionStatus } from '../execution-status.js';

/** One model or tool call inside a step, timed by the runner. Durations are milliseconds. */
export interface TimelineCallView {
  kind: 'model' | 'tool';
  /** The model id, or the tool's name. */
  name: string;
  /** From the step's start (0 for rows written before calls were timed). */
  offset_ms: number;
  /** Null when not known: a call that never ended in its step, or a row written before calls were timed. */
  duration_ms: number | null;
  ok: boolean | null;
  input_tokens?: number;
  output_tokens?: number;
  /** Tool calls: the arguments and the result (or error), as logged. */
  input?: JsonValue;
  output?: JsonValue;
  error?: string;
}

/** One attempt at a step. */
export interface TimelineStepView {
  step: number;
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: 'completed' | 'failed' | 'retry_scheduled';
  input_tokens: number;
  output_tokens: number;
  calls: TimelineCallView[];
}

/** A span with no step running: parked, waiting for a worker, sleeping. `to` null: still. */
export interface TimelineGapView {
  status: ExecutionStatus;
  from: string;
  to: string | null;
}

/** `GET /api/admin/agents/:id/timeline`: the run's waterfall. */
export interface ExecutionTimelineView {
  execution_id: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  steps: TimelineStepView[];
  gaps: TimelineGapView[];
  /** The timeline was built from the execution's first `TIMELINE_MAX_ROWS` log rows only: later steps are missing. */
  truncated: boolean;
}
