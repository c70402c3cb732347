export const AgentErrorCode = {
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  ExecutionNotFound: 'execution_not_found',
  InvalidTransition: 'invalid_transition',
  NotRetryable: 'not_retryable',
  UnknownAgentType: 'unknown_agent_type',
  QueueNotAllowed: 'queue_not_allowed',
  InputTooLarge: 'input_too_large',
  QuotaExceeded: 'quota_exceeded',
  RateLimited: 'rate_limited',
  BudgetExceeded: 'budget_exceeded',
  InvalidRequest: 'invalid_request',
  ConversationNotFound: 'conversation_not_found',
  ConversationBusy: 'conversation_busy',
  PipelineNotFound: 'pipeline_not_found',
  InvalidPipeline: 'invalid_pipeline',
  IdempotencyKeyReused: 'idempotency_key_reused',
  InvalidInput: 'invalid_input',
  ApprovalNotFound: 'approval_not_found',
  ApprovalNotPending: 'approval_not_pending',
  ApprovalsPending: 'approvals_pending',
  ScheduleNotFound: 'schedule_not_found',
  InvalidSchedule: 'invalid_schedule',
  HookDeliveryNotFound: 'hook_delivery_not_found',
} as const;
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

/** HTTP status per domain error: the only place the two meet. */
export const HTTP_STATUS_BY_CODE: Record<AgentErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  execution_not_found: 404,
  invalid_transition: 409,
  // NOTE: 409 like a status that allows no retry: the execution is part of a larger piece of work.
  not_retryable: 409,
  unknown_agent_type: 400,
  queue_not_allowed: 400,
  input_too_large: 413,
  // NOTE: 413 like an oversize input: the request (the workspace it needs) is larger than the tier allows.
  quota_exceeded: 413,
  rate_limited: 429,
  budget_exceeded: 402,
  invalid_request: 400,
  conversation_not_found: 404,
  conversation_busy: 409,
  pipeline_not_found: 404,
  invalid_pipeline: 400,
  // NOTE: as Stripe answers it: the key already stands for a different request.
  idempotency_key_reused: 409,
  invalid_input: 400,
  approval_not_found: 404,
  approval_not_pending: 409,
  // NOTE: input on top of a tool call that has no result yet would leave the model a broken history.
  approvals_pending: 409,
  schedule_not_found: 404,
  invalid_schedule: 400,
  hook_delivery_not_found: 404,
};
