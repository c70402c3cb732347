import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

// NOTE: the record type is not exported by the throttler's index.
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
import type { SqlPool } from './sql-pool.js';
import { COUNT_HIT_SQL, SWEEP_EXPIRED_SQL } from './rate-limits.sql.js';

const SWEEP_EVERY_MS = 5 * 60_000;
/** Arbitrary but fixed, distinct from the migration and maintenance locks. */
const SWEEP_LOCK_KEY = 0x6167_7274; // 'agrt'

/** The throttler's counters in PostgreSQL (`agent_rate_limits`): every node sharing the database shares them. */
export class PostgresThrottlerStorage implements ThrottlerStorage, OnApplicationBootstrap, OnApplicationShutdown {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly pool: SqlPool) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, _throttlerName: string): Promise<ThrottlerStorageRecord> {
    const { rows } = await this.pool.query<{ hits: number; seconds_to_expire: number; blocked: boolean; seconds_to_unblock: number }>(
      COUNT_HIT_SQL,
      [key, ttl, limit, blockDuration],
    );
    const row = rows[0]!;
    return {
      totalHits: row.hits,
      timeToExpire: row.seconds_to_expire,
      isBlocked: row.blocked,
      timeToBlockExpire: row.blocked ? row.seconds_to_unblock : 0,
    };
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Deletes counters nobody has used for a minute past their window; returns how many. */
  async sweep(): Promise<number> {
    return (await this.pool.query(SWEEP_EXPIRED_SQL, [SWEEP_LOCK_KEY])).rowCount ?? 0;
  }
}
