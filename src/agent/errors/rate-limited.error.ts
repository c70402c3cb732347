import { AgentErrorCode } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';

export interface LimitUsage {
  used: number;
  limit: number;
  remaining: number;
}

/** SPEC §8: what `GET /api/agents/limits` answers and a 429 carries. */
export interface LimitsReport {
  concurrent: LimitUsage;
  hourly: LimitUsage & { resets_at: string | null };
}

/** A start over the tier's concurrency or hourly limit. The filter adds `limits` and `Retry-After`. */
export class RateLimitedError extends AgentError {
  constructor(
    message: string,
    readonly limits: LimitsReport,
    readonly retryAfterSeconds: number,
  ) {
    super(AgentErrorCode.RateLimited, message);
  }
}

export class InvalidRequestError extends AgentError {
  constructor(message: string) {
    super(AgentErrorCode.InvalidRequest, message);
  }
}
