import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from './infrastructure.options.js';
import { openRedis, withinMs } from './redis-connections.js';

// NOTE: the record type is not exported by the throttler's index.
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One hit, in one round trip (a script runs atomically, so nodes counting at once never lose a
 * hit). The same rules as `@nestjs/throttler`'s own storage: a window starts at its first hit; past
 * the limit the caller is blocked for the block duration (0: to the window's end) and not counted;
 * when the block ends, counting starts afresh. KEYS: hits, block. ARGV: ttl ms, limit, block ms.
 * Returns { hits, ms to the window's end, blocked (0/1), ms to the block's end }.
 */
const COUNT_HIT_LUA = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { tonumber(redis.call('GET', KEYS[1]) or '0'), math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft }
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local windowLeft = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  local blockMs = tonumber(ARGV[3])
  if blockMs <= 0 then blockMs = math.max(windowLeft, 1) end
  redis.call('SET', KEYS[2], '1', 'PX', blockMs)
  redis.call('SET', KEYS[1], '0', 'PX', blockMs)
  return { hits, windowLeft, 1, blockMs }
end
return { hits, windowLeft, 0, 0 }
`;

type CountHit = (
  hitsKey: string,
  blockKey: string,
  ttlMs: number,
  limit: number,
  blockMs: number,
) => Promise<[number, number, number, number]>;

/** A bound on each count, so a request waits at most that long while Redis is away (then goes uncounted). */
const COUNT_TIMEOUT_MS = 1000;

/**
 * The throttler's counters in Redis (one server or a cluster), under the queue prefix: every node
 * on that Redis shares them; keys expire by themselves.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly redis: (Redis | Cluster) & { agentsCountHit: CountHit };

  constructor(
    target: RedisOptions,
    private readonly prefix: string,
  ) {
    const redis = openRedis(target, { lazyConnect: true, maxRetriesPerRequest: 3, commandTimeout: COUNT_TIMEOUT_MS });
    // NOTE: while Redis is down each request's own command fails; the connection's errors say nothing more.
    redis.on('error', () => undefined);
    // NOTE: defineCommand sends EVALSHA and falls back to EVAL once per connection: one round trip per hit.
    redis.defineCommand('agentsCountHit', { numberOfKeys: 2, lua: COUNT_HIT_LUA });
    this.redis = redis as (Redis | Cluster) & { agentsCountHit: CountHit };
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, _throttlerName: string): Promise<ThrottlerStorageRecord> {
    // NOTE: the braces make both keys one hash slot, as a script on Redis Cluster needs (the key
    // starts with the throttler's name, so the tag is never empty).
    const base = `${this.prefix}:throttle:{${key}}`;
    // NOTE: `commandTimeout` bounds the wait on one server; a cluster that lost every node holds commands without one.
    const [hits, windowMs, blocked, blockMs] = await withinMs(
      this.redis.agentsCountHit(`${base}:hits`, `${base}:block`, ttl, limit, blockDuration),
      COUNT_TIMEOUT_MS,
      'counting a request',
    );
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(windowMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.ceil(blockMs / 1000) : 0,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
