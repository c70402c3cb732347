import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventTriggerService, type JsonValue, type Principal, type Transport } from 'nestjs-agents';
import { BENCH_AGENT, benchPrincipal, bootBenchApp, type BenchApp } from './support/bench-app.js';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backendCpuMeter, backgroundBusyPct, cpuMeter } from './support/cpu.js';
import { redisConnection, uniqueName } from './support/env.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { round } from './support/stats.js';

/**
 * What one start, one step and one wake cost the servers, measured: PostgreSQL commits, rows
 * written, WAL bytes and backend CPU; Redis commands (Redis transport); this process's CPU. Then
 * what a day of DAY_EXECUTIONS executions of DAY_STEPS steps needs at that cost (`model`).
 *
 * Phases of RUNS executions of `bench-zero` (zero-cost steps), each read as deltas:
 * - `start`: runs of 1 step (admission, job, lease, one step, completion) per execution;
 * - `step`: (runs of 1 + STEPS steps − runs of 1 step) / STEPS, per step;
 * - `wake`: parked on an event (`startAwaitingEvent`) then woken by one trigger and run to the
 *   end (one step): the trigger and what follows, per execution; `park` is the parking itself.
 *
 * WAL and Redis counters are the servers' own: run it on a quiet machine (each line carries
 * `background_cpu_busy_pct`). Statistics views lag idle backends by up to 10 s: each reading
 * waits STATS_SETTLE_MS first.
 */
const NAME = 'capacity';
const CASES = ['start', 'step', 'park', 'wake', 'model'] as const;
const RUNS = 400;
const STEPS = 20;
const LANES = 32;
const USERS = 100;
const CONCURRENCY = 60;
const POOL_SIZE = 30;
/** An idle backend reports its statistics within PGSTAT_IDLE_INTERVAL (10 s) of its last transaction. */
const STATS_SETTLE_MS = 11_000;
const DAY_EXECUTIONS = 1_000_000;
const DAY_STEPS = 20;
const EVENT = 'capacity.go';

interface Reading {
  commits: number;
  rowsWritten: number;
  walBytes: number;
  redisCalls: number | null;
}

interface Cost {
  pg_commits: number;
  rows_written: number;
  wal_bytes: number;
  db_cpu_ms: number | null;
  node_cpu_ms: number;
  redis_calls: number | null;
}

export const capacity: Benchmark = {
  name: NAME,
  description: 'PostgreSQL commits, rows, WAL and CPU, and Redis commands, per start, step and wake; a day of executions at that cost',
  cases: CASES,
  run: async (ctx) => {
    for (const transport of ctx.transports) await runTransport(transport, ctx);
  },
};

const owner = (i: number): Principal => ({ ...benchPrincipal, userId: `user-${i % USERS}` });

async function runTransport(transport: Transport, ctx: BenchContext): Promise<void> {
  const want = (c: (typeof CASES)[number]) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  const redis = transport === 'redis' ? new Redis(redisConnection()) : null;
  let app: BenchApp | undefined;
  try {
    app = await bootBenchApp({ transport, databaseUrl: db.url, queuePrefix, concurrency: CONCURRENCY, poolSize: POOL_SIZE });
    const triggers = app.context.get(EventTriggerService);
    await runAll(app, 1, 50); // warm-up: connections, plans, code paths
    const background = await backgroundBusyPct();
    const line = (c: string, figures: Record<string, unknown>) =>
      want(c as (typeof CASES)[number]) && ctx.emit({ bench: NAME, transport, case: c, ...figures, background_cpu_busy_pct: background });

    ctx.progress(`[${transport}] start: ${RUNS} runs of 1 step`);
    const one = await measure(db, redis, () => runAll(app!, 1, RUNS));
    ctx.progress(`[${transport}] step: ${RUNS} runs of ${1 + STEPS} steps`);
    const many = await measure(db, redis, () => runAll(app!, 1 + STEPS, RUNS));
    ctx.progress(`[${transport}] park and wake: ${RUNS} executions on '${EVENT}'`);
    const park = await measure(db, redis, () => parkAll(triggers, RUNS));
    const wake = await measure(db, redis, () => wakeAll(app!, triggers, db, RUNS));

    const start = per(one, RUNS);
    const step = per(subtract(many, one), RUNS * STEPS);
    line('start', { runs: RUNS, per_start: start });
    line('step', { runs: RUNS, steps: STEPS, per_step: step });
    line('park', { runs: RUNS, per_park: per(park, RUNS) });
    line('wake', { runs: RUNS, per_wake: per(wake, RUNS) });
    line('model', model(start, step));
  } finally {
    await app?.close();
    await redis?.quit();
    if (transport === 'redis') await deleteRedisKeys(queuePrefix).catch(() => undefined);
    await db.drop();
  }
}

/** RUNS executions of `steps` steps, LANES starts in flight, until every one has completed. */
async function runAll(app: BenchApp, steps: number, count: number): Promise<void> {
  const ends: Promise<unknown>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      for (let i = next++; i < count; i = next++) {
        const { id } = await app.manager.start(owner(i), BENCH_AGENT, { steps } as unknown as JsonValue);
        ends.push(app.watcher.completed(id, steps).finally(() => app.watcher.forget(id)));
      }
    }),
  );
  await Promise.all(ends);
}

async function parkAll(triggers: EventTriggerService, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      for (let i = next++; i < count; i = next++) {
        await triggers.startAwaitingEvent(owner(i), BENCH_AGENT, { steps: 1 } as unknown as JsonValue, EVENT);
      }
    }),
  );
}

async function wakeAll(app: BenchApp, triggers: EventTriggerService, db: BenchDatabase, count: number): Promise<void> {
  const { rows } = await db.sql.query<{ id: string }>(`SELECT id FROM agent_executions WHERE awaiting_event = $1`, [EVENT]);
  if (rows.length !== count) throw new Error(`${rows.length} of ${count} executions are parked on '${EVENT}'`);
  const ends = rows.map(({ id }) => app.watcher.completed(id, 1).finally(() => app.watcher.forget(id)));
  await triggers.triggerEvent(EVENT, {}, { tenantId: benchPrincipal.tenantId });
  await Promise.all(ends);
}

async function measure(db: BenchDatabase, redis: Redis | null, phase: () => Promise<void>): Promise<Cost> {
  const before = await read(db, redis);
  const stopDbCpu = await backendCpuMeter(db.sql);
  const stopCpu = cpuMeter();
  await phase();
  const node = stopCpu();
  const dbCpu = await stopDbCpu();
  const after = await read(db, redis);
  return {
    pg_commits: after.commits - before.commits,
    rows_written: after.rowsWritten - before.rowsWritten,
    wal_bytes: after.walBytes - before.walBytes,
    db_cpu_ms: dbCpu,
    node_cpu_ms: node.processCpuMs,
    redis_calls: after.redisCalls === null || before.redisCalls === null ? null : after.redisCalls - before.redisCalls,
  };
}

/** The servers' counters, once the statistics views have caught up with their backends. */
async function read(db: BenchDatabase, redis: Redis | null): Promise<Reading> {
  await sleep(STATS_SETTLE_MS);
  const client = await db.sql.connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ commits: string; rows_written: string; wal: string }>(
      `SELECT xact_commit AS commits, tup_inserted + tup_updated + tup_deleted AS rows_written,
              pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') AS wal
       FROM pg_stat_database WHERE datname = current_database()`,
    );
    return {
      commits: Number(rows[0]!.commits),
      rowsWritten: Number(rows[0]!.rows_written),
      walBytes: Number(rows[0]!.wal),
      redisCalls: redis ? redisCalls(await redis.info('commandstats')) : null,
    };
  } finally {
    client.release();
  }
}

/** Total commands Redis has run (`calls=` of every `cmdstat_*`). */
const redisCalls = (commandstats: string): number => [...commandstats.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);

const subtract = (a: Cost, b: Cost): Cost => ({
  pg_commits: a.pg_commits - b.pg_commits,
  rows_written: a.rows_written - b.rows_written,
  wal_bytes: a.wal_bytes - b.wal_bytes,
  db_cpu_ms: a.db_cpu_ms === null || b.db_cpu_ms === null ? null : a.db_cpu_ms - b.db_cpu_ms,
  node_cpu_ms: a.node_cpu_ms - b.node_cpu_ms,
  redis_calls: a.redis_calls === null || b.redis_calls === null ? null : a.redis_calls - b.redis_calls,
});

const per = (c: Cost, n: number): Cost => ({
  pg_commits: round(c.pg_commits / n, 2),
  rows_written: round(c.rows_written / n, 2),
  wal_bytes: round(c.wal_bytes / n, 0),
  db_cpu_ms: c.db_cpu_ms === null ? null : round(c.db_cpu_ms / n, 3),
  node_cpu_ms: round(c.node_cpu_ms / n, 3),
  redis_calls: c.redis_calls === null ? null : round(c.redis_calls / n, 2),
});

/**
 * A day of DAY_EXECUTIONS executions of DAY_STEPS steps at the measured cost: average rates, the
 * database's CPU in cores and the worker's, WAL per day. Peaks are the operator's multiple of it.
 */
function model(start: Cost, step: Cost) {
  const perExecution = (k: keyof Cost) => {
    const s = start[k];
    const t = step[k];
    return s === null || t === null ? null : s + (DAY_STEPS - 1) * t;
  };
  const day = 86_400;
  const daily = (k: keyof Cost) => {
    const v = perExecution(k);
    return v === null ? null : v * DAY_EXECUTIONS;
  };
  const cores = (ms: number | null) => (ms === null ? null : round(ms / 1000 / day, 3));
  return {
    executions_per_day: DAY_EXECUTIONS,
    steps_per_execution: DAY_STEPS,
    avg_starts_per_s: round(DAY_EXECUTIONS / day, 1),
    avg_steps_per_s: round((DAY_EXECUTIONS * DAY_STEPS) / day, 1),
    pg_commits_per_s: round(daily('pg_commits')! / day, 1),
    wal_gb_per_day: round(daily('wal_bytes')! / 1e9, 2),
    db_cpu_cores: cores(daily('db_cpu_ms')),
    worker_cpu_cores: cores(daily('node_cpu_ms')),
    redis_calls_per_s: daily('redis_calls') === null ? null : round(daily('redis_calls')! / day, 1),
  };
}
