import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** At most one warning this often while the counters cannot be reached. */
const WARN_EVERY_MS = 30_000;

/**
 * The request-rate counters when their server is away (a Redis restart): requests are let through
 * uncounted, with a warning, instead of every route answering 500. Rates go unlimited for that
 * while; the start admission in PostgreSQL still limits work exactly.
 */
export class FailOpenThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('AgentThrottler');
  private warnedAt = 0;

  constructor(private readonly counters: ThrottlerStorage) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.counters.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      if (Date.now() - this.warnedAt >= WARN_EVERY_MS) {
        this.warnedAt = Date.now();
        this.logger.warn(`Request rates are not counted while their storage fails: ${(error as Error).message}`);
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** The counters' own connection closes with the app (Nest calls this on the provider, the wrapper). */
  async onApplicationShutdown(): Promise<void> {
    await (this.counters as Partial<OnApplicationShutdown>).onApplicationShutdown?.();
  }
}
