/**
 * The wait before the next attempt after `attempt` failed: exponential, capped, with full jitter
 * (a random wait up to the exponential one), so receivers coming back are not hit by every retry at once.
 */
export function retryDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling * random()));
}
