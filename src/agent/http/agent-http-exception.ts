import { HttpException, HttpStatus } from '@nestjs/common';
import { HTTP_STATUS_BY_CODE } from '../errors/agent-error-code.js';
import type { AgentError } from '../errors/agent.errors.js';
import { RateLimitedError, type LimitsReport } from '../errors/rate-limited.error.js';

/** The body of every error answer of the library's routes. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
  /** With 429 (SPEC §8). */
  limits?: LimitsReport;
}

/** `Not Found` for 404: the reason phrase Nest's own exceptions carry in `error`. */
export const reasonPhrase = (status: number): string =>
  (HttpStatus[status] ?? 'Error')
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');

/**
 * A domain error as Nest's `HttpException`: the status and body the library's own routes answer
 * with (404 unknown execution, 409 invalid transition, 429 over a tier's limits, ...). Any exception
 * filter that replies with `getResponse()` (Nest's default one included) sends that body.
 */
export class AgentHttpException extends HttpException {
  /** Seconds a 429 asks the caller to wait (`Retry-After`); null for every other error. */
  readonly retryAfterSeconds: number | null;

  constructor(readonly agentError: AgentError) {
    const statusCode = HTTP_STATUS_BY_CODE[agentError.code];
    const body: ErrorBody = {
      statusCode,
      error: reasonPhrase(statusCode),
      message: agentError.message,
      details: { code: agentError.code, ...agentError.details },
    };
    if (agentError instanceof RateLimitedError) body.limits = agentError.limits;
    super(body, statusCode, { cause: agentError });
    this.retryAfterSeconds = agentError instanceof RateLimitedError ? agentError.retryAfterSeconds : null;
  }

  override getResponse(): ErrorBody {
    return super.getResponse() as ErrorBody;
  }
}

/**
 * For a host that maps errors itself.
 * @example
 * try {
 *   return await this.agents.pause(principal, id);
 * } catch (error) {
 *   throw error instanceof AgentError ? toHttpException(error) : error;
 * }
 */
export const toHttpException = (error: AgentError): AgentHttpException => new AgentHttpException(error);
