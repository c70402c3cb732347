import type { ErrorBody } from './types.js';

/**
 * A non-2xx answer of the API, with the server's error body (`{ statusCode, error, message, details? }`).
 *
 * @example
 * try {
 *   await client.pause(id);
 * } catch (error) {
 *   if (error instanceof AgentsApiError && error.statusCode === 409) console.log(error.details?.current_status);
 *   else throw error;
 * }
 */
export class AgentsApiError extends Error implements ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly details?: Record<string, unknown>;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'AgentsApiError';
    this.statusCode = body.statusCode;
    this.error = body.error;
    if (body.details !== undefined) this.details = body.details;
  }

  /** Builds the error from whatever came back: a proxy or a crash may answer something else than the API's JSON. */
  static fromResponse(status: number, statusText: string, body: unknown): AgentsApiError {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Partial<ErrorBody>;
    return new AgentsApiError({
      statusCode: typeof b.statusCode === 'number' ? b.statusCode : status,
      error: typeof b.error === 'string' ? b.error : statusText || 'Error',
      message: typeof b.message === 'string' ? b.message : typeof body === 'string' && body ? body : `HTTP ${status}`,
      ...(typeof b.details === 'object' && b.details !== null ? { details: b.details } : {}),
    });
  }
}

/** The server refused `subscribe` (`not_found`, `rate_limited`, …): the `error` of its ack. */
export class SubscribeRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`Subscription refused: ${reason}`);
    this.name = 'SubscribeRefusedError';
  }

  /** Only a rate limit passes with time; anything else will be refused again. */
  get retryable(): boolean {
    return this.reason === 'rate_limited';
  }
}

/** True for errors that asking again cannot fix (a 4xx other than a timeout or a rate limit, a refused subscription). */
export function isPermanent(error: unknown): boolean {
  if (error instanceof SubscribeRefusedError) return !error.retryable;
  if (error instanceof AgentsApiError)
    return error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 408 && error.statusCode !== 429;
  return false;
}
