export const ExecutionStatus = {
  Scheduled: 'scheduled',
  Pending: 'pending',
  Running: 'running',
  Paused: 'paused',
  AwaitingInput: 'awaiting_input',
  AwaitingEvent: 'awaiting_event',
  /** A parent waiting for the subagents it spawned: no job, no worker (DESIGN rule 3). */
  AwaitingChildren: 'awaiting_children',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled'];

export const isTerminal = (status: ExecutionStatus): boolean => TERMINAL_STATUSES.includes(status);

export const NON_TERMINAL_STATUSES: readonly ExecutionStatus[] = Object.values(ExecutionStatus).filter((s) => !isTerminal(s));

/** Where nothing runs: a cancel lands at once. */
export const PARKED_STATUSES: readonly ExecutionStatus[] = [
  'scheduled',
  'pending',
  'paused',
  'awaiting_input',
  'awaiting_event',
  'awaiting_children',
];

/** Why a run failed: stored in `error.code`. */
export const FailureCode = {
  StepError: 'step_error',
  MaxStepsExceeded: 'max_steps_exceeded',
  MaxTokensExceeded: 'max_tokens_exceeded',
  Timeout: 'timeout',
  UnknownAgentType: 'unknown_agent_type',
  /** The agent version that started the execution is registered on no worker (for longer than `lifecycle.versionGoneAfterSeconds`). */
  AgentVersionGone: 'agent_version_gone',
  AwaitingInputTimeout: 'awaiting_input_timeout',
  AwaitingEventTimeout: 'awaiting_event_timeout',
  /** The user's or tenant's monthly budget has no room for the next step. */
  BudgetExceeded: 'budget_exceeded',
  /** The finishing step's output does not match the agent type's `outputSchema`. */
  InvalidOutput: 'invalid_output',
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

export interface ExecutionError {
  code: FailureCode | string;
  message: string;
}
