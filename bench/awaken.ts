import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  EventTriggerService,
  ExecutionEventName,
  ExecutionEvents,
  QueueName,
  TERMINAL_STATUSES,
  type JsonValue,
  type Principal,
  type Transport,
} from 'nestjs-agents';
import { WAKE_MATCHING_SQL } from '../src/agent/executions/lifecycle/event-wake.sql.js';
import { BENCH_AGENT, benchPrincipal, bootBenchApp, type BenchApp } from './support/bench-app.js';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { measureBullmqBulkFloor } from './support/bullmq-bulk.js';
import { backendCpuMeter, backgroundBusyPct, cpuMeter } from './support/cpu.js';
import { deferred, within } from './support/deferred.js';
import { measureInsertCeiling } from './support/insert-baseline.js';
import { redisConnection, uniqueName } from './support/env.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { percentile, round } from './support/stats.js';

/**
 * What executions parked on an event hold while they wait, and how fast one trigger wakes them.
 * The library booted as a host app would (`AgentModule.forRoot`, workers in this process) with
 * `bench-zero`, done after its first step. 10,000 executions are parked with
 * `EventTriggerService.startAwaitingEvent` (no wait deadline), spread over USERS users of one
 * tenant; while they are parked the bench counts what they hold; then one tenant-wide
 * `triggerEvent` wakes them all, and the library's own `ExecutionEvents` (timed in the listener,
 * right after each commit) say when each one was running and when done.
 *
 * - `parked-resources`: queue jobs (every state but finished, all three queues; the queue prefix
 *   is the bench's own), connections to the bench database by application_name and Redis keys /
 *   job rows, each read after pg-pool's idle timeout with nothing running, before and while
 *   parked; heap and RSS after full GCs, before, halfway and after parking (bytes per execution
 *   overall and over the second half). Also the parking rate, one user's parking rate (starts of
 *   one user are admitted one at a time), and what a wait deadline adds (a sample parked with
 *   `timeoutSeconds`).
 * - `wake`: the parked runs take WAKE_STEPS steps once woken. `trigger_ms` (the `triggerEvent`
 *   call), `all_running_ms` (until the last one is `running` or done; target RUNNING_TARGET_MS),
 *   `all_completed_ms` (until the last one completed; target COMPLETED_TARGET_MS), both 1.5× on
 *   the postgres transport; against BullMQ alone handing out as many jobs from one `addBulk` with
 *   the same worker concurrency (what one job per execution cannot beat), and PostgreSQL alone
 *   committing single-row inserts from POOL_SIZE clients (`floor_db_running_ms`: one commit per
 *   execution, what a lease per execution needs; `floor_db_completed_ms`: its WAKE_STEPS step
 *   commits). Ratios are figure / floor and figure / target. `wake_jobs` counts the jobs the
 *   trigger enqueued. The plan PostgreSQL picks for the library's wake statement at that moment is
 *   reported with it.
 *
 * Worker concurrency and pool size stay clear of the server's max_connections (100, shared with
 * whoever else uses this machine): with the postgres transport BullMQ opens pools of its own.
 */
const NAME = 'awaken';
const CASES = ['wake', 'parked-resources'] as const;

const EXECUTIONS = 10_000;
/** startAwaitingEvent calls in flight while parking. */
const PARK_LANES = 32;
/**
 * Parked executions belong to this many users of the bench tenant (round robin), and the trigger
 * targets the tenant. Starts of one user are admitted one at a time (the user's advisory lock,
 * then counts over the user's executions), so one user parking 10,000 would measure that
 * admission, not parking: `single_user_parks_per_s` shows it on a sample.
 */
const USERS = 100;
const SINGLE_USER_SAMPLE = 200;
/** Worker concurrency on `agents-default` (the bench agent's queue) and the library's pool. */
const CONCURRENCY = 60;
const POOL_SIZE = 30;
const EVENT = 'bench.go';
/** Steps a woken run of the `wake` case takes (the targets are for 2-step runs). */
const WAKE_STEPS = 2;
/** The targets on Redis; the postgres transport's are POSTGRES_TARGET_FACTOR times these. */
const RUNNING_TARGET_MS = 2_000;
const COMPLETED_TARGET_MS = 4_000;
const POSTGRES_TARGET_FACTOR = 1.5;
/** Floor of the database: single-row insert commits from POOL_SIZE clients for this long. */
const DB_FLOOR_MS = 3_000;
/** Commits a woken execution would make on its own before it is running with a lease per execution (one statement). */
const COMMITS_PER_WAKE = 1;
const WAIT_MS = 180_000;
/** pg-pool closes idle connections after 10 s: readings of connections held wait this long with nothing running. */
const POOL_IDLE_SETTLE_MS = 11_000;
/** Parked with a wait deadline (`timeoutSeconds`): a sample to see what a deadline costs while parked. */
const DEADLINE_SAMPLE = 100;

// A full GC before each memory reading, without a node flag on the bench command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export const awaken: Benchmark = {
  name: NAME,
  description: `${EXECUTIONS} executions parked on an event: what they hold while parked, and one trigger waking them all`,
  cases: CASES,
  run: async (ctx) => {
    for (const transport of ctx.transports) await runTransport(transport, ctx);
  },
};

interface Resources {
  /** Connections to the bench database other than the bench's own, by application_name. */
  connections: Record<string, number>;
  connectionsTotal: number;
  /** Of those, running a query or inside a transaction right now. */
  connectionsBusy: number;
  /** Jobs on the library's queues by state. */
  jobs: Record<string, number>;
  /** Redis keys under the queue prefix (redis transport), or job rows (postgres). */
  queueEntries: number;
  memory: NodeJS.MemoryUsage;
}

async function runTransport(transport: Transport, ctx: BenchContext): Promise<void> {
  const want = (c: (typeof CASES)[number]) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const log = (m: string) => ctx.progress(`[${transport}] ${m}`);
  const t0 = performance.now();
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  log(`database ${db.name}, queue prefix ${queuePrefix}`);
  let app: BenchApp | undefined;
  try {
    const running = await bootBenchApp({ transport, databaseUrl: db.url, queuePrefix, concurrency: CONCURRENCY, poolSize: POOL_SIZE });
    app = running;
    const triggers = running.context.get(EventTriggerService);
    log('library booted; warming up (runs, a park and wake of 500)');
    await warmUp(running, triggers);

    log(`waiting ${POOL_IDLE_SETTLE_MS / 1000} s for idle pool connections to close, then reading resources`);
    const background = await backgroundBusyPct();
    const before = await readResources(db, transport, queuePrefix, want('parked-resources'));

    log(`parking ${EXECUTIONS} executions of ${USERS} users on '${EVENT}' (${PARK_LANES} startAwaitingEvent calls in flight)`);
    // In two halves with a memory reading between: growth over the second half is the marginal cost
    // of a parked execution, free of one-time costs (code compiled and caches filled on first use).
    // The ids are not kept: nothing of the bench's own per execution is in the readings.
    const half = EXECUTIONS / 2;
    const parkCpu = cpuMeter();
    let parkStart = performance.now();
    await park(triggers, EVENT, half, PARK_LANES, { keepIds: false, steps: WAKE_STEPS });
    let parkMs = performance.now() - parkStart;
    const halfway = await settledMemory();
    parkStart = performance.now();
    await park(triggers, EVENT, half, PARK_LANES, { keepIds: false, offset: half, steps: WAKE_STEPS });
    parkMs += performance.now() - parkStart;
    const parkReading = parkCpu();
    log(`parked in ${round(parkMs, 0)} ms; waiting ${POOL_IDLE_SETTLE_MS / 1000} s, then reading resources again`);
    const parked = await readResources(db, transport, queuePrefix, want('parked-resources'));
    const ids = await parkedIds(db, EVENT);
    if (ids.length !== EXECUTIONS) throw new Error(`${ids.length} of ${EXECUTIONS} rows are awaiting '${EVENT}' after parking`);

    let wake: Record<string, unknown> | undefined;
    let wakeBackground: number | null = null;
    let wakePlan: { join: string; plannedRows: number } | undefined;
    if (want('wake')) {
      wakeBackground = await backgroundBusyPct();
      wakePlan = await planOfWake(db);
      log(`the wake statement's plan as PostgreSQL would run it now: ${wakePlan.join} (planned ${wakePlan.plannedRows} rows woken)`);
      log(`one triggerEvent('${EVENT}') waking ${EXECUTIONS}; worker concurrency ${CONCURRENCY}`);
      wake = await wakeAll(running, triggers, db, ids);
      log(
        `woken: trigger ${round(wake.trigger_ms as number, 0)} ms, all running ${round(wake.all_running_ms as number, 0)} ms, all completed ${round(wake.all_completed_ms as number, 0)} ms`,
      );
    }

    let deadline: { jobsPerExecution: number; states: Record<string, number> } | undefined;
    let singleUserParksPerS: number | null = null;
    if (want('parked-resources')) {
      log(`deadline sample: ${DEADLINE_SAMPLE} parked with timeoutSeconds = 3600`);
      const jobsBefore = sum(await jobCounts(db, transport, queuePrefix));
      await park(triggers, 'bench.deadline', DEADLINE_SAMPLE, PARK_LANES, { timeoutSeconds: 3600 });
      const states = await jobCounts(db, transport, queuePrefix);
      deadline = { jobsPerExecution: (sum(states) - jobsBefore) / DEADLINE_SAMPLE, states };
      log(`single-user sample: ${SINGLE_USER_SAMPLE} parked by one user, ${PARK_LANES} calls in flight`);
      const single: Principal = { ...benchPrincipal, userId: 'bench-single' };
      const st = performance.now();
      await park(triggers, 'bench.single', SINGLE_USER_SAMPLE, PARK_LANES, { owner: () => single });
      singleUserParksPerS = SINGLE_USER_SAMPLE / ((performance.now() - st) / 1000);
    }

    await running.close();
    app = undefined;

    if (want('parked-resources')) {
      const perExecution = (a: number, b: number) => round((b - a) / EXECUTIONS, 1);
      ctx.emit({
        bench: NAME,
        transport,
        case: 'parked-resources',
        executions: EXECUTIONS,
        park_ms: round(parkMs, 1),
        parks_per_s: round(EXECUTIONS / (parkMs / 1000), 0),
        park_lanes: PARK_LANES,
        users: USERS,
        single_user_parks_per_s: singleUserParksPerS === null ? null : round(singleUserParksPerS, 0),
        single_user_sample: SINGLE_USER_SAMPLE,
        park_node_cpu_ms_per_execution: round(parkReading.processCpuMs / EXECUTIONS, 3),
        queue_jobs_parked: sum(parked.jobs),
        queue_jobs_by_state: parked.jobs,
        queue_jobs_before: sum(before.jobs),
        [transport === 'redis' ? 'redis_keys_before' : 'job_rows_before']: before.queueEntries,
        [transport === 'redis' ? 'redis_keys_parked' : 'job_rows_parked']: parked.queueEntries,
        db_connections_before: before.connectionsTotal,
        db_connections_parked: parked.connectionsTotal,
        db_connections_busy_parked: parked.connectionsBusy,
        db_connections_by_app_parked: parked.connections,
        pool_size: POOL_SIZE,
        heap_used_before_bytes: before.memory.heapUsed,
        heap_used_parked_bytes: parked.memory.heapUsed,
        heap_bytes_per_execution: perExecution(before.memory.heapUsed, parked.memory.heapUsed),
        heap_bytes_per_execution_second_half: round((parked.memory.heapUsed - halfway.heapUsed) / (EXECUTIONS / 2), 1),
        rss_before_bytes: before.memory.rss,
        rss_parked_bytes: parked.memory.rss,
        rss_bytes_per_execution: perExecution(before.memory.rss, parked.memory.rss),
        rss_bytes_per_execution_second_half: round((parked.memory.rss - halfway.rss) / (EXECUTIONS / 2), 1),
        external_bytes_per_execution: perExecution(
          before.memory.external + before.memory.arrayBuffers,
          parked.memory.external + parked.memory.arrayBuffers,
        ),
        deadline_sample: DEADLINE_SAMPLE,
        deadline_jobs_per_execution: deadline ? round(deadline.jobsPerExecution, 2) : null,
        deadline_jobs_by_state: deadline?.states ?? null,
        settle_ms: POOL_IDLE_SETTLE_MS,
        background_cpu_busy_pct: background === null ? null : round(background, 1),
      });
    }

    if (wake) {
      log(`floor: BullMQ alone, one addBulk of ${EXECUTIONS} jobs → the processor invoked for all (concurrency ${CONCURRENCY})`);
      const floor = await measureBullmqBulkFloor({
        transport,
        databaseUrl: db.url,
        namespace: `${queuePrefix}_floor`,
        concurrency: CONCURRENCY,
        jobs: EXECUTIONS,
        timeoutMs: WAIT_MS,
      });
      if (transport === 'redis') await deleteRedisKeys(`${queuePrefix}_floor`);
      log(`floor: PostgreSQL alone, single-row insert commits from ${POOL_SIZE} clients for ${DB_FLOOR_MS} ms`);
      const commitsPerS = await measureInsertCeiling(db.url, POOL_SIZE, DB_FLOOR_MS);
      // A lease per execution is one commit each before it runs; completing adds its step commits.
      const dbRunningFloorMs = (COMMITS_PER_WAKE * EXECUTIONS * 1000) / commitsPerS;
      const dbCompletedFloorMs = (WAKE_STEPS * EXECUTIONS * 1000) / commitsPerS;
      const factor = transport === 'postgres' ? POSTGRES_TARGET_FACTOR : 1;
      const allRunning = wake.all_running_ms as number;
      const allCompleted = wake.all_completed_ms as number;
      ctx.emit({
        bench: NAME,
        transport,
        case: 'wake',
        executions: EXECUTIONS,
        steps_per_run: WAKE_STEPS,
        ...wake,
        running_target_ms: RUNNING_TARGET_MS * factor,
        completed_target_ms: COMPLETED_TARGET_MS * factor,
        ratio_running_to_target: round(allRunning / (RUNNING_TARGET_MS * factor), 2),
        ratio_completed_to_target: round(allCompleted / (COMPLETED_TARGET_MS * factor), 2),
        floor_bullmq_all_started_ms: round(floor.allStartedMs, 1),
        floor_bullmq_add_bulk_ms: round(floor.addBulkMs, 1),
        ratio_running_to_bullmq: round(allRunning / floor.allStartedMs, 2),
        floor_db_commits_per_s: round(commitsPerS, 0),
        floor_db_running_ms: round(dbRunningFloorMs, 1),
        floor_db_completed_ms: round(dbCompletedFloorMs, 1),
        ratio_running_to_db: round(allRunning / dbRunningFloorMs, 2),
        ratio_completed_to_db: round(allCompleted / dbCompletedFloorMs, 2),
        wake_sql_plan_join: wakePlan?.join ?? null,
        wake_sql_planned_rows: wakePlan?.plannedRows ?? null,
        worker_concurrency: CONCURRENCY,
        pool_size: POOL_SIZE,
        park_ms: round(parkMs, 1),
        background_cpu_busy_pct: wakeBackground === null ? null : round(wakeBackground, 1),
      });
    }
  } finally {
    await app?.close().catch((error: Error) => log(`closing the app failed: ${error.message}`));
    if (transport === 'redis') await deleteRedisKeys(queuePrefix).catch((error: Error) => log(`Redis cleanup failed: ${error.message}`));
    await db.drop();
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; database dropped`);
  }
}

/** First use of every path the measured cases take: runs, parking, a bulk wake. */
async function warmUp(app: BenchApp, triggers: EventTriggerService): Promise<void> {
  for (let i = 0; i < 20; i++) await app.watcher.completed(await app.start({ steps: 1 }), 1);
  const ids = await park(triggers, 'bench.warm', 500, PARK_LANES);
  const done = Promise.all(ids.map((id) => app.watcher.completed(id, 1)));
  const result = await triggers.triggerEvent('bench.warm', { warm: true }, { tenantId: benchPrincipal.tenantId });
  if (result.triggered_count !== ids.length) throw new Error(`warm-up trigger woke ${result.triggered_count} of ${ids.length}`);
  await done;
  for (const id of ids) app.watcher.forget(id);
}

const principals: Principal[] = Array.from({ length: USERS }, (_, i) => ({ ...benchPrincipal, userId: `bench-${i}` }));
const roundRobin = (i: number): Principal => principals[i % USERS];

/** `count` executions of bench-zero parked on `eventType`, `lanes` calls in flight; execution i belongs to `owner(i)`. */
async function park(
  triggers: EventTriggerService,
  eventType: string,
  count: number,
  lanes: number,
  o: { timeoutSeconds?: number; owner?: (i: number) => Principal; keepIds?: boolean; offset?: number; steps?: number } = {},
): Promise<string[]> {
  const keep = o.keepIds ?? true;
  const ids: string[] = keep ? new Array(count) : [];
  const owner = o.owner ?? roundRobin;
  let next = 0;
  const input = { steps: o.steps ?? 1 } as unknown as JsonValue;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const { id } = await triggers.startAwaitingEvent(owner(i + (o.offset ?? 0)), BENCH_AGENT, input, eventType, {
        timeoutSeconds: o.timeoutSeconds,
      });
      if (keep) ids[i] = id;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return ids;
}

/**
 * One `triggerEvent` for all. Each execution counts as woken at its first `status_changed` to
 * `running` (its lease taken by a worker) or to a terminal status, timed in the listener.
 */
async function wakeAll(app: BenchApp, triggers: EventTriggerService, db: BenchDatabase, ids: string[]): Promise<Record<string, unknown>> {
  const mine = new Set(ids);
  const upAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  let notCompleted = 0;
  let pendingEvents = 0;
  const allUp = deferred<void>();
  const allDone = deferred<void>();
  const events = app.context.get(ExecutionEvents);
  const unsubscribe = events.subscribe((e) => {
    if (e.name !== ExecutionEventName.StatusChanged || !mine.has(e.executionId)) return;
    const now = performance.now();
    if (e.status === 'pending') pendingEvents++;
    const terminal = TERMINAL_STATUSES.includes(e.status);
    if ((e.status === 'running' || terminal) && !upAt.has(e.executionId)) {
      upAt.set(e.executionId, now);
      if (upAt.size === ids.length) allUp.resolve();
    }
    if (terminal && !doneAt.has(e.executionId)) {
      if (e.status !== 'completed') notCompleted++;
      doneAt.set(e.executionId, now);
      if (doneAt.size === ids.length) allDone.resolve();
    }
  });
  const jobsAdded = countJobsAdded(app);
  try {
    const dbCpu = await backendCpuMeter(db.sql);
    const cpu = cpuMeter();
    const t0 = performance.now();
    const result = await triggers.triggerEvent(EVENT, { go: true }, { tenantId: benchPrincipal.tenantId });
    const triggerMs = performance.now() - t0;
    if (result.triggered_count !== ids.length) throw new Error(`triggerEvent woke ${result.triggered_count} of ${ids.length}`);
    await within(allUp.promise, WAIT_MS, `all ${ids.length} executions running`);
    await within(allDone.promise, WAIT_MS, `all ${ids.length} executions done`);
    const reading = cpu();
    const dbCpuMs = await dbCpu();
    if (notCompleted > 0) throw new Error(`${notCompleted} woken executions did not complete`);
    const completedRows = await countStatus(db, ids, 'completed');
    if (completedRows !== ids.length) throw new Error(`${completedRows} of ${ids.length} rows completed`);
    const ups = [...upAt.values()].map((t) => t - t0);
    const dones = [...doneAt.values()].map((t) => t - t0);
    const wakeMs = Math.max(...ups);
    return {
      triggered_count: result.triggered_count,
      wake_jobs: jobsAdded.count(),
      trigger_ms: round(triggerMs, 1),
      all_running_ms: round(wakeMs, 1),
      first_running_ms: round(Math.min(...ups), 1),
      half_running_ms: round(percentile(ups, 50), 1),
      all_completed_ms: round(Math.max(...dones), 1),
      wakes_per_s: round(ids.length / (wakeMs / 1000), 0),
      pending_events: pendingEvents,
      node_cpu_ms_per_execution: round(reading.processCpuMs / ids.length, 3),
      node_cpu_pct: round((100 * reading.processCpuMs) / reading.wallMs, 1),
      db_backend_cpu_ms_per_execution: dbCpuMs === null ? null : round(dbCpuMs / ids.length, 3),
      machine_cpu_busy_pct: reading.machineBusyPct === null ? null : round(reading.machineBusyPct, 1),
    };
  } finally {
    jobsAdded.restore();
    unsubscribe();
  }
}

/** Counts the jobs the library adds to its queues (`add`, `addBulk`) until `restore`. */
function countJobsAdded(app: BenchApp): { count(): number; restore(): void } {
  let added = 0;
  const restores = Object.values(QueueName).map((name) => {
    const queue = app.context.get<Queue>(getQueueToken(name), { strict: false });
    const { add, addBulk } = queue;
    queue.add = (...args: Parameters<Queue['add']>) => {
      added++;
      return add.apply(queue, args);
    };
    queue.addBulk = (jobs: Parameters<Queue['addBulk']>[0]) => {
      added += jobs.length;
      return addBulk.call(queue, jobs);
    };
    return () => {
      queue.add = add;
      queue.addBulk = addBulk;
    };
  });
  return { count: () => added, restore: () => restores.forEach((r) => r()) };
}

/**
 * EXPLAIN (no ANALYZE: nothing runs) of the library's wake statement with the trigger's
 * parameters: the join at its top joins the woken rows to their new log rows; planned from the
 * table's statistics at this moment (not re-analyzed by the bench).
 */
async function planOfWake(db: BenchDatabase): Promise<{ join: string; plannedRows: number }> {
  const { rows } = await db.sql.query(`EXPLAIN (FORMAT JSON) ${WAKE_MATCHING_SQL}`, [EVENT, benchPrincipal.tenantId, null, '{}']);
  const plan = (
    rows[0]['QUERY PLAN'] as {
      Plan: { 'Node Type': string; Plans?: { 'Node Type': string; 'Subplan Name'?: string; 'Plan Rows': number }[] };
    }[]
  )[0].Plan;
  const woke = plan.Plans?.find((p) => p['Subplan Name'] === 'CTE woke');
  return { join: plan['Node Type'], plannedRows: woke?.['Plan Rows'] ?? -1 };
}

async function parkedIds(db: BenchDatabase, eventType: string): Promise<string[]> {
  const { rows } = await db.sql.query<{ id: string }>(
    `SELECT id FROM agent_executions WHERE status = 'awaiting_event' AND awaiting_event = $1`,
    [eventType],
  );
  return rows.map((r) => r.id);
}

async function countStatus(db: BenchDatabase, ids: string[], status: string): Promise<number> {
  const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1::uuid[]) AND status = $2', [
    ids,
    status,
  ]);
  return rows[0].n;
}

async function readResources(db: BenchDatabase, transport: Transport, queuePrefix: string, settle: boolean): Promise<Resources> {
  if (settle) await sleep(POOL_IDLE_SETTLE_MS);
  // Connections first: counting jobs on PostgreSQL must not add any before they are read.
  const { rows } = await db.sql.query<{ app: string; n: number; busy: number }>(
    `SELECT coalesce(nullif(application_name, ''), '(none)') AS app, count(*)::int AS n,
            count(*) FILTER (WHERE state <> 'idle')::int AS busy
     FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'nestjs-agents-bench'
     GROUP BY 1 ORDER BY 1`,
  );
  const connections = Object.fromEntries(rows.map((r) => [r.app, r.n]));
  const jobs = await jobCounts(db, transport, queuePrefix);
  const queueEntries = transport === 'redis' ? await redisKeyCount(queuePrefix) : await jobRows(db, queuePrefix);
  return {
    connections,
    connectionsTotal: rows.reduce((a, r) => a + r.n, 0),
    connectionsBusy: rows.reduce((a, r) => a + r.busy, 0),
    jobs,
    queueEntries,
    memory: await settledMemory(),
  };
}

/** process.memoryUsage() after full garbage collections: what is still referenced. */
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  gc();
  await sleep(50);
  gc();
  return process.memoryUsage();
}

const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children'] as const;

/** Jobs not yet finished on the library's three queues, by state (the queue prefix is the bench's own). */
async function jobCounts(db: BenchDatabase, transport: Transport, queuePrefix: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (transport === 'postgres') {
    const { rows } = await db.sql.query<{ state: string; n: number }>(
      `SELECT state::text, count(*)::int AS n FROM "${queuePrefix}".job WHERE state NOT IN ('completed', 'failed') GROUP BY 1`,
    );
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }
  for (const name of Object.values(QueueName)) {
    const queue = new Queue(name, { connection: redisConnection(), prefix: queuePrefix });
    try {
      const c = await queue.getJobCounts(...JOB_STATES);
      for (const [state, n] of Object.entries(c)) if (n > 0) counts[state] = (counts[state] ?? 0) + n;
    } finally {
      await queue.close();
    }
  }
  return counts;
}

async function jobRows(db: BenchDatabase, queuePrefix: string): Promise<number> {
  const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM "${queuePrefix}".job`);
  return rows[0].n;
}

async function redisKeyCount(prefix: string): Promise<number> {
  const redis = new Redis(redisConnection());
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return n;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
