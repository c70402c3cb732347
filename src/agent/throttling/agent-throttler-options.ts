import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions, ThrottlerOptions } from '@nestjs/throttler';
import { THROTTLER_OF, type TierRateLimits } from '../tenancy/tier-rate-limits.js';
import { throttledCallerOf } from './throttled-caller.js';

/** The library's throttler options: its own token, so a host's `ThrottlerModule` options are never touched. */
export const AGENT_THROTTLER_OPTIONS = Symbol('AGENT_THROTTLER_OPTIONS');

const rateOf = (context: ExecutionContext, key: keyof TierRateLimits) => throttledCallerOf(context).rateLimits[key];

/** One named throttler per entry of the tier table; `limit`/`ttl` are read from the caller's tier at each request. */
export function agentThrottlerOptions(): ThrottlerModuleOptions {
  const throttlers: ThrottlerOptions[] = (Object.keys(THROTTLER_OF) as Array<keyof TierRateLimits>).map((key) => ({
    name: THROTTLER_OF[key],
    limit: (context) => rateOf(context, key).limit,
    ttl: (context) => rateOf(context, key).ttlSeconds * 1000,
    blockDuration: (context) => {
      const rate = rateOf(context, key);
      return (rate.blockSeconds ?? rate.ttlSeconds) * 1000;
    },
  }));
  return { throttlers, errorMessage: 'Too many requests: slow down (see Retry-After)' };
}
