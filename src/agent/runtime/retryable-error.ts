import { APICallError, RetryError } from 'ai';

/**
 * Thrown by a step whose failure is worth another attempt (a flaky service, a rate limit): the
 * runner retries the step with backoff, holding no worker meanwhile, up to the agent's `retries`.
 * @example
 * if (response.status === 503) throw new RetryableError('Search is unavailable', { retryAfterMs: 2000 });
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  /** The earliest the next attempt should run (a `Retry-After`), when the thrower knows it. */
  readonly retryAfterMs?: number;

  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export interface RetryDecision {
  retryable: boolean;
  /** What the failure asked for (`Retry-After`, `RetryableError.retryAfterMs`), in milliseconds. */
  retryAfterMs?: number;
}

/** Network failures below HTTP: the request may not have reached the other side, or its answer was lost. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Whether a step's error is transient: a `RetryableError`, a model provider's 408/409/429/5xx (the AI
 * SDK's own `isRetryable`), or a network failure (also as the `cause` of a wrapping error). Anything
 * else (a bug, a 400, a refused input) fails the run at once.
 */
export function retryDecision(error: unknown): RetryDecision {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RetryableError) return { retryable: true, retryAfterMs: e.retryAfterMs };
    if (RetryError.isInstance(e)) return retryDecision(e.lastError);
    if (APICallError.isInstance(e)) return e.isRetryable ? { retryable: true, retryAfterMs: retryAfterHeader(e) } : { retryable: false };
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return { retryable: true };
  }
  return { retryable: false };
}

/** `Retry-After` in seconds or as an HTTP date, or `retry-after-ms`. */
function retryAfterHeader(error: APICallError): number | undefined {
  const headers = error.responseHeaders ?? {};
  const ms = Number(headers['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/**
 * The wait before attempt `attempt + 1` (attempt 1 just failed): exponential from `initialMs`,
 * capped at `maxMs`, with equal jitter (half fixed, half random) so retries of many runs spread out;
 * never sooner than what the failure asked for (still capped).
 */
export function retryDelayMs(
  attempt: number,
  backoff: { initialMs: number; maxMs: number },
  retryAfterMs = 0,
  random = Math.random,
): number {
  const exponential = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.min(backoff.maxMs, Math.max(jittered, retryAfterMs)));
}
