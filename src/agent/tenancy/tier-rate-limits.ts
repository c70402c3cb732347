/**
 * The library's named throttlers (`@nestjs/throttler`): each tier sets a limit per name. Names are
 * the keys of `@Throttle({ ... })` / `@SkipThrottle({ ... })` and the suffix of the headers
 * (`X-RateLimit-Limit-agents-sustained`). NOTE: never `default`, so a host's own
 * `@Throttle()`/`@SkipThrottle()` (which mean `default`) stay the host's throttler's business.
 */
export const AgentThrottler = {
  /** Short bursts: requests per second by default. */
  Burst: 'agents-burst',
  /** The steady rate: requests per minute by default. */
  Sustained: 'agents-sustained',
} as const;
export type AgentThrottler = (typeof AgentThrottler)[keyof typeof AgentThrottler];

/** One throttler's window for a tier. */
export interface RateLimit {
  /** Requests allowed in the window. */
  limit: number;
  ttlSeconds: number;
  /** How long a caller over the limit is refused (default `ttlSeconds`). */
  blockSeconds?: number;
}

/** A tier's request rates, per user across every library route (SPEC §8). */
export interface TierRateLimits {
  burst: RateLimit;
  sustained: RateLimit;
}

export type TierRateLimitsInput = { [K in keyof TierRateLimits]?: Partial<RateLimit> };

/** Which throttler each entry of the tier table drives. */
export const THROTTLER_OF: Record<keyof TierRateLimits, AgentThrottler> = {
  burst: AgentThrottler.Burst,
  sustained: AgentThrottler.Sustained,
};

const perSecond = (limit: number): RateLimit => ({ limit, ttlSeconds: 1 });
const perMinute = (limit: number): RateLimit => ({ limit, ttlSeconds: 60 });

/** SPEC §8 per minute; bursts let a page load fan out without spending the minute's budget at once. */
export const DEFAULT_RATE_LIMITS: Record<'free' | 'pro' | 'enterprise', TierRateLimits> = {
  free: { burst: perSecond(20), sustained: perMinute(60) },
  pro: { burst: perSecond(50), sustained: perMinute(300) },
  enterprise: { burst: perSecond(100), sustained: perMinute(1200) },
};

/** A tier's settings over its base; keys that name no throttler are kept, so validation can name them. */
export function mergeRateLimits(base: TierRateLimits, input: TierRateLimitsInput = {}): TierRateLimits {
  return {
    ...input,
    burst: { ...base.burst, ...input.burst },
    sustained: { ...base.sustained, ...input.sustained },
  };
}

const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

export function findRateLimitProblems(where: string, limits: TierRateLimits): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(THROTTLER_OF) as Array<keyof TierRateLimits>) {
    const rate = limits?.[key];
    if (typeof rate !== 'object' || rate === null) {
      problems.push(`${where}.${key} must be { limit, ttlSeconds, blockSeconds? }`);
      continue;
    }
    if (!isPositiveInt(rate.limit)) problems.push(`${where}.${key}.limit must be a positive integer (requests per window)`);
    if (!isPositiveInt(rate.ttlSeconds)) problems.push(`${where}.${key}.ttlSeconds must be a positive integer (the window, in seconds)`);
    if (rate.blockSeconds !== undefined && !isPositiveInt(rate.blockSeconds))
      problems.push(`${where}.${key}.blockSeconds must be a positive integer (seconds)`);
  }
  const unknown = Object.keys(limits ?? {}).filter((k) => !Object.hasOwn(THROTTLER_OF, k));
  for (const key of unknown) problems.push(`${where}.${key} is not a throttler (throttlers: ${Object.keys(THROTTLER_OF).join(', ')})`);
  return problems;
}
