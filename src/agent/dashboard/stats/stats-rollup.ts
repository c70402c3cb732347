import type { PoolClient } from 'pg';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import {
  DELETE_BUCKETS_SQL,
  OLDEST_SOURCE_SQL,
  PRUNE_BUCKETS_SQL,
  READ_STATE_SQL,
  ROLL_UP_LEVEL_SQL,
  ROLL_UP_MINUTES_SQL,
  TRY_LOCK_SQL,
  WRITE_STATE_SQL,
} from './stats-rollup.sql.js';
import { BUCKET_SECONDS, bucketStart, LONGEST_WINDOW_SECONDS, type BucketSeconds } from './stats-window.js';

export interface RollupSettings {
  /** Each cycle rewrites the minutes this far back: rows committed late into them are counted. */
  recomputeSeconds: number;
  /** A first boot fills this far back at most (the week window: 168 h). */
  backfillHours: number;
}

/** The larger bucket sizes, each made from the one before it. */
const LEVELS: readonly { size: BucketSeconds; from: BucketSeconds }[] = [
  { size: 600, from: 60 },
  { size: 3600, from: 600 },
];

/** How long each size is kept: its window, the bucket still filling, and room for a level above to be made from it. */
const RETENTION_SECONDS: Record<BucketSeconds, number> = { 60: 3 * 3600, 600: 26 * 3600, 3600: 170 * 3600 };

/**
 * A backfill or a catch-up goes six hours per transaction (a first boot over a busy week: 28 of
 * them): a node that stops mid-way loses that much work at most, and each costs seconds, not minutes.
 */
const CHUNK_MS = 6 * 3600_000;

/** Execution ids are made on the nodes (uuid v7 from their clocks): the id range reaches this far before `created_at`. */
const NODE_CLOCK_MARGIN_MS = 10 * 60_000;

const MINUTE = 60;

export interface RollupStep {
  /** False: another node holds the lock (it is rolling up), nothing done here. */
  ran: boolean;
  /** The minutes rewritten. */
  from?: Date;
  to?: Date;
  /** Nothing older is left to fill: the next step rewrites only the recent minutes. */
  caughtUp?: boolean;
}

/**
 * Keeps `agent_stats_rollups` up to date. Each step is one transaction under an advisory lock: it
 * rewrites a range of 1-minute buckets from the source rows, then the 10-minute and 1-hour buckets
 * over it from the finer ones, prunes what no window reads, and records how far it got. Caught up,
 * a step rewrites the last `recomputeSeconds` (a row committed late lands in a bucket already
 * written: the next step counts it); behind (a first boot over existing rows, a node back after a
 * pause), steps go six hours at a time from where the last one stopped, `backfillHours` back at most.
 * Framework-free: the job runs it every few seconds, the bench's seed once.
 */
export class StatsRollup {
  constructor(
    private readonly pool: SqlPool,
    private readonly settings: RollupSettings,
  ) {}

  /** Steps until caught up (or `shouldStop`, checked between steps). `now`: the time to roll up to (default the database's clock). */
  async run(options: { now?: Date; shouldStop?: () => boolean } = {}): Promise<{ steps: RollupStep[] }> {
    const steps: RollupStep[] = [];
    for (;;) {
      const step = await this.step(options.now);
      if (step.ran) steps.push(step);
      if (!step.ran || step.caughtUp || options.shouldStop?.()) break;
    }
    if (steps.length > 1) await this.tidy();
    return { steps };
  }

  /**
   * After a backfill or a catch-up: the minutes (and 10-minute buckets) of every step's old hours were
   * written and deleted, so the table holds many dead rows until autovacuum comes by; the next
   * cycles' deletes and the routes' reads would step over them. A table of buckets vacuums in moments.
   */
  private async tidy(): Promise<void> {
    await this.pool.query('VACUUM (ANALYZE) agent_stats_rollups').catch(() => undefined);
  }

  /** One transaction: the next hours of a backfill, or the recent minutes once caught up. */
  async step(fixedNow?: Date): Promise<RollupStep> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // NOTE: these statements' estimates can pass the JIT threshold; compiling them costs more than running them.
      await client.query('SET LOCAL jit = off');
      const { rows } = await client.query<{ locked: boolean; now: Date }>(TRY_LOCK_SQL);
      if (!rows[0]!.locked) {
        await client.query('ROLLBACK');
        return { ran: false };
      }
      const now = fixedNow ?? rows[0]!.now;
      const state = (await client.query<{ rolled_up_to: Date }>(READ_STATE_SQL)).rows[0]?.rolled_up_to ?? null;
      const recentFrom = bucketStart(new Date(now.getTime() - this.settings.recomputeSeconds * 1000), MINUTE);
      const end = new Date(bucketStart(now, MINUTE).getTime() + MINUTE * 1000);
      const from = state === null ? await this.backfillStart(client, now, recentFrom) : this.resumeFrom(state, now, recentFrom);
      const caughtUp = from >= recentFrom;
      // NOTE: chunks end on hours (the first one may start inside one): each hour bucket is made whole.
      const to = caughtUp ? end : new Date(Math.min(bucketStart(from, 3600).getTime() + CHUNK_MS, end.getTime()));
      await this.rollUp(client, from, to);
      await this.prune(client, from, to, now, caughtUp);
      await client.query(WRITE_STATE_SQL, [new Date(Math.min(to.getTime(), now.getTime()))]);
      await client.query('COMMIT');
      return { ran: true, from, to, caughtUp };
    } catch (error) {
      broken = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Rewrites the minutes of [from, to) and the larger buckets over them. */
  private async rollUp(client: PoolClient, from: Date, to: Date): Promise<void> {
    await client.query(DELETE_BUCKETS_SQL, [MINUTE, from, to]);
    await client.query(ROLL_UP_MINUTES_SQL, [from, to, uuidFloor(from.getTime() - NODE_CLOCK_MARGIN_MS)]);
    for (const level of LEVELS) {
      const a = bucketStart(from, level.size);
      const b = bucketEnd(to, level.size);
      await client.query(DELETE_BUCKETS_SQL, [level.size, a, b]);
      await client.query(ROLL_UP_LEVEL_SQL, [level.size, level.from, a, b]);
    }
  }

  /**
   * Deletes the buckets no window reads any more. Caught up: those that just aged out. In a backfill's
   * step: those of its hours already too old, in the transaction that wrote them (once the larger
   * buckets are made of them). NOTE: deleting only that range keeps each step's cost its own; one
   * delete of everything older would step over every earlier step's dead rows, again at each step.
   */
  private async prune(client: PoolClient, from: Date, to: Date, now: Date, caughtUp: boolean): Promise<void> {
    for (const size of BUCKET_SECONDS) {
      const oldest = new Date(now.getTime() - RETENTION_SECONDS[size] * 1000);
      if (caughtUp) {
        await client.query(PRUNE_BUCKETS_SQL, [size, oldest]);
        continue;
      }
      const a = bucketStart(from, size);
      const b = new Date(Math.min(bucketEnd(to, size).getTime(), oldest.getTime()));
      if (a < b) await client.query(DELETE_BUCKETS_SQL, [size, a, b]);
    }
  }

  /** A first boot: from the oldest source row (an hour's start), `backfillHours` back at most; the recent minutes when there is none. */
  private async backfillStart(client: PoolClient, now: Date, recentFrom: Date): Promise<Date> {
    const oldest = (await client.query<{ oldest: Date | null }>(OLDEST_SOURCE_SQL)).rows[0]?.oldest ?? null;
    if (oldest === null || oldest >= recentFrom) return recentFrom;
    return bucketStart(new Date(Math.max(oldest.getTime(), this.limit(now))), 3600);
  }

  /** Where the last step stopped (its minute), or the recent minutes, whichever is older; `backfillHours` back at most. */
  private resumeFrom(state: Date, now: Date, recentFrom: Date): Date {
    const from = new Date(Math.min(bucketStart(state, MINUTE).getTime(), recentFrom.getTime()));
    return from.getTime() < this.limit(now) ? bucketStart(new Date(this.limit(now)), 3600) : from;
  }

  private limit(now: Date): number {
    return now.getTime() - Math.min(this.settings.backfillHours * 3600, LONGEST_WINDOW_SECONDS) * 1000;
  }
}

/** The end of the bucket `at` falls in, or `at` itself on a boundary. */
const bucketEnd = (at: Date, size: number): Date => {
  const start = bucketStart(at, size);
  return start.getTime() === at.getTime() ? start : new Date(start.getTime() + size * 1000);
};

/** The lowest uuid v7 of a millisecond: every id made at or after it sorts at or above it. */
export function uuidFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
