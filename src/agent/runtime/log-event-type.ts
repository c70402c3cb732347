/**
 * What an execution's log row says happened (`agent_logs.event_type`, `event_type` to clients).
 * Stored and sent as is: the values never change. A step may log under a type of its own as well
 * (`ctx.log.info(message, context, 'my_type')`); these are the library's.
 */
export const LogEventType = {
  /** A step's own log line, without a type of its own. */
  AgentLog: 'agent_log',
  ModelCalled: 'model_called',
  /**
   * A model call ended (`context`: model, offset_ms from the step's start, duration_ms, input_tokens,
   * output_tokens, ok; error when it failed).
   */
  ModelCompleted: 'model_completed',
  ToolCalled: 'tool_called',
  /** A tool call ended, successfully or not (`context.ok`). */
  ToolCompleted: 'tool_completed',
  SubagentRefused: 'subagent_refused',
  /** A step opened a connection to one of its agent's MCP servers (`context.server`): the first use on this worker, or after a crash. */
  McpServerConnected: 'mcp_server_connected',
  /** An MCP server could not be reached (`context.server`, `context.error`): its tools are missing from that step. */
  McpServerUnavailable: 'mcp_server_unavailable',
  /** A tool call waits for a person's decision; the step parks the run (`context`: approvalId, toolCallId, toolName, input). */
  ToolApprovalRequested: 'tool.approval_requested',
  /** Written by the decision's statement (`context`: approvalId, toolCallId, toolName, approved, reason). */
  ToolApprovalDecided: 'tool.approval_decided',
  StepCompleted: 'step_completed',
  /** A step failed with a retryable error: \`scheduled\` until its next attempt (\`context.attempt\`, \`delay_ms\`). */
  StepRetryScheduled: 'step_retry_scheduled',
  /** A retried step's tool call was answered from an earlier attempt's committed result, not run again. */
  ToolReused: 'tool_reused',
  /** A runner took the lease (written by the lease statement). */
  Started: 'started',
  Completed: 'completed',
  Failed: 'failed',
  Paused: 'paused',
  Resumed: 'resumed',
  Cancelled: 'cancelled',
  AwaitingInput: 'awaiting_input',
  InputReceived: 'input_received',
  AwaitingEvent: 'awaiting_event',
  /** Written by the event wake's statement. */
  EventReceived: 'event_received',
  AwaitingChildren: 'awaiting_children',
  /** A step asked to sleep: \`scheduled\` until \`context.until\`. */
  Sleeping: 'sleeping',
  /** Written by the parent wake's statement. */
  ChildrenCompleted: 'children_completed',
  /** A chunk ended or a worker shut down: back to `pending`, a continuation follows. */
  Checkpointed: 'checkpointed',
  BudgetExceeded: 'budget_exceeded',
  /** Written by the recovery sweep's statement: a runner stopped heartbeating. */
  Recovered: 'recovered',
  /** A worker lacked the execution's agent version and handed it back for another worker. */
  VersionMissing: 'version_missing',
  /** An execution waiting for its concurrency key started: a slot was free. */
  ConcurrencySlotFree: 'concurrency_released',
  /** A queued conversation turn started once the turn before it ended. */
  TurnReleased: 'turn_released',
} as const;
export type LogEventType = (typeof LogEventType)[keyof typeof LogEventType];
