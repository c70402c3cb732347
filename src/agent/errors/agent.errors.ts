import { AgentErrorCode } from './agent-error-code.js';

/** Base of every error the library throws on purpose; mapped to HTTP once, in `AgentExceptionFilter`. */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends AgentError {
  constructor() {
    super(AgentErrorCode.Unauthenticated, 'Authentication required');
  }
}

export class ForbiddenError extends AgentError {
  constructor(message: string) {
    super(AgentErrorCode.Forbidden, message);
  }
}

export class ExecutionNotFoundError extends AgentError {
  constructor(id: string) {
    super(AgentErrorCode.ExecutionNotFound, `Execution ${id} not found`);
  }
}

/** An idempotency key sent again with a different request (agent type, input or metadata): 409, nothing started. */
export class IdempotencyKeyReusedError extends AgentError {
  constructor(key: string, executionId: string) {
    super(
      AgentErrorCode.IdempotencyKeyReused,
      `The idempotency key '${key}' was already used for a different request (execution ${executionId}); use a new key for a new request`,
      { execution_id: executionId },
    );
  }
}

export class InvalidTransitionError extends AgentError {
  constructor(operation: string, currentStatus: string) {
    super(AgentErrorCode.InvalidTransition, `Cannot ${operation} an execution that is ${currentStatus}`, {
      current_status: currentStatus,
    });
  }
}

/** A retry of an execution that belongs to a larger piece of work (a conversation, a pipeline, a parent): 409, nothing started. */
export class NotRetryableError extends AgentError {
  constructor(id: string, reason: string) {
    super(AgentErrorCode.NotRetryable, `Execution ${id} cannot be retried: ${reason}`, { execution_id: id });
  }
}

export class UnknownAgentTypeError extends AgentError {
  constructor(agentType: string, known: string[]) {
    super(AgentErrorCode.UnknownAgentType, `Unknown agent type '${agentType}'. Known types: ${known.join(', ')}`, {
      known_types: known,
    });
  }
}

/** A start whose input the agent type's `inputSchema` rejects: 400 with each field's problem, nothing written. */
export class InvalidInputError extends AgentError {
  constructor(
    agentType: string,
    readonly fields: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(
      AgentErrorCode.InvalidInput,
      `The input does not match the input schema of agent type '${agentType}': ${fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; ')}`,
      { agent_type: agentType, fields: fields.map(({ path, message }) => ({ path, message })) },
    );
  }
}

export class QueueNotAllowedError extends AgentError {
  constructor(queue: string, allowed: readonly string[]) {
    super(AgentErrorCode.QueueNotAllowed, `Queue '${queue}' is not allowed. Allowed: ${allowed.join(', ')}`, {
      allowed_queues: [...allowed],
    });
  }
}

export class InputTooLargeError extends AgentError {
  constructor(bytes: number, limit: number) {
    super(AgentErrorCode.InputTooLarge, `Input is ${bytes} bytes; the limit is ${limit}`, { limit_bytes: limit });
  }
}

/** The tenant's workspaces use the tier's disk quota: a start (413) or a workspace write is refused. */
export class QuotaExceededError extends AgentError {
  constructor(usedBytes: number, quotaBytes: number, action = 'start an execution') {
    super(
      AgentErrorCode.QuotaExceeded,
      `Workspace quota exceeded: the tenant's workspaces would use ${mb(usedBytes)} of ${mb(quotaBytes)}; cannot ${action}. Free space or wait for old workspaces to be cleaned up`,
      { used_bytes: usedBytes, quota_bytes: quotaBytes },
    );
  }
}

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** One item of a batch of starts failed its checks: the item's own error (its code and status), with `details.index`; nothing was started. */
export class StartItemError extends AgentError {
  constructor(
    readonly index: number,
    readonly cause: AgentError,
  ) {
    super(cause.code, `items[${index}]: ${cause.message}`, { ...cause.details, index });
  }
}
