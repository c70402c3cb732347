import { APICallError, RetryError } from 'ai';
import { describe, expect, it } from 'vitest';
import { RetryableError, retryDecision, retryDelayMs } from '../../src/agent/runtime/retryable-error.js';

const apiError = (statusCode: number, headers: Record<string, string> = {}) =>
  new APICallError({ message: `HTTP ${statusCode}`, url: 'https://x/v1', requestBodyValues: {}, statusCode, responseHeaders: headers });

describe('which step errors are retried', () => {
  it('retries RetryableError, provider 408/409/429/5xx and network failures (also as a cause)', () => {
    expect(retryDecision(new RetryableError('busy', { retryAfterMs: 250 }))).toEqual({ retryable: true, retryAfterMs: 250 });
    for (const status of [408, 409, 429, 500, 502, 503]) expect(retryDecision(apiError(status)).retryable).toBe(true);
    expect(retryDecision(Object.assign(new Error('reset'), { code: 'ECONNRESET' })).retryable).toBe(true);
    expect(
      retryDecision(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) })).retryable,
    ).toBe(true);
    const exhausted = new RetryError({ message: 'gave up', reason: 'maxRetriesExceeded', errors: [apiError(503)] });
    expect(retryDecision(exhausted).retryable).toBe(true);
  });

  it('fails at once on anything else: a 400, a 401, a bug', () => {
    for (const status of [400, 401, 403, 404, 422]) expect(retryDecision(apiError(status)).retryable).toBe(false);
    expect(retryDecision(new TypeError('undefined is not a function')).retryable).toBe(false);
    expect(retryDecision('a string').retryable).toBe(false);
  });

  it('reads Retry-After in seconds, as a date, and retry-after-ms', () => {
    expect(retryDecision(apiError(429, { 'retry-after': '3' })).retryAfterMs).toBe(3000);
    expect(retryDecision(apiError(429, { 'retry-after-ms': '1500' })).retryAfterMs).toBe(1500);
    const date = new Date(Date.now() + 10_000).toUTCString();
    expect(retryDecision(apiError(503, { 'retry-after': date })).retryAfterMs).toBeGreaterThan(8000);
  });
});

describe('the wait before the next attempt', () => {
  const backoff = { initialMs: 1000, maxMs: 60_000 };
  it('doubles from the initial wait with equal jitter, capped', () => {
    expect(retryDelayMs(1, backoff, 0, () => 0)).toBe(500);
    expect(retryDelayMs(1, backoff, 0, () => 1)).toBe(1000);
    expect(retryDelayMs(3, backoff, 0, () => 1)).toBe(4000);
    expect(retryDelayMs(20, backoff, 0, () => 1)).toBe(60_000);
  });
  it('waits at least what the failure asked for, never past the cap', () => {
    expect(retryDelayMs(1, backoff, 5000, () => 0)).toBe(5000);
    expect(retryDelayMs(1, backoff, 600_000, () => 0)).toBe(60_000);
  });
});
