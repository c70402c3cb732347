import { BENCH_CHUNK_SIZE, bootBenchApp, type BenchApp } from './support/bench-app.js';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct, backendCpuMeter, cpuMeter } from './support/cpu.js';
import { uniqueName } from './support/env.js';
import { measureFirstStepFloor } from './support/first-step-floor.js';
import { measureInsertCeiling, measureInsertFloor, payloadBytes } from './support/insert-baseline.js';
import { deleteRedisKeys, measureBullmqAddToProcess } from './support/raw-bullmq.js';
import { startBenchServers, type BenchServers, type BenchTransport } from './support/servers.js';
import { median, percentile, round } from './support/stats.js';
import { enableWalInspect, walBetween, walMark, type WalMark, type WalWindow } from './support/wal.js';

/**
 * What the library adds to a step that does no work: the step commit (execution update + one
 * message + one log row in one statement), the loop around it, and the queue hop to the first step.
 * Every run of `bench-zero` fits in one job (chunk size BENCH_CHUNK_SIZE), so no case pays for
 * continuations unless it says so.
 */
const NAME = 'step-overhead';
const CASES = ['single', 'concurrent', 'bytes', 'first-step', 'first-step-eager', 'concurrent-200'] as const;

/** Worker concurrency on the bench queue and the library's pool: room for every concurrent execution. */
const CONCURRENCY = 60;
const POOL_SIZE = 60;

/** Rounds of the single and concurrent cases; the machine is shared, so medians, not one sample. */
const REPEATS = 3;
const SINGLE_STEPS = 500;
const INSERT_FLOOR_SAMPLES = 500;
const CONCURRENT_EXECUTIONS = 50;
const CONCURRENT_STEPS = 20;
/**
 * The wide case: more executions at once than PostgreSQL has connections to give them (100 by
 * default), so a commit per step per execution queues for the pool; what batching must beat.
 */
const WIDE_EXECUTIONS = 200;
const WIDE_POOL_SIZE = 40;
const CEILING_CLIENTS = 16;
const CEILING_MS = 3_000;
/** Two windows of BYTES_WINDOW step commits: steps 1–10 ("at 5") and 496–505 ("at 500"). */
const BYTES_WINDOW = 10;
const BYTES_EARLY = 1;
const BYTES_LATE = 496;
const BYTES_STEPS = 510;
const FIRST_STEP_RUNS = 100;
const FIRST_STEP_WARMUP = 5;

export const stepOverhead: Benchmark<BenchTransport> = {
  name: NAME,
  description: 'per-step cost of the durable step loop against what PostgreSQL and BullMQ cost alone',
  cases: CASES,
  transports: ['redis', 'postgres', 'redis-cluster'],
  run: async (ctx) => {
    for (const transport of ctx.transports) await runTransport(transport, ctx);
  },
};

async function runTransport(transport: BenchTransport, ctx: BenchContext<BenchTransport>): Promise<void> {
  const want = (c: (typeof CASES)[number]) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const line = (c: string, figures: Record<string, unknown>, background: number | null) =>
    ctx.emit({ bench: NAME, transport, case: c, ...figures, background_cpu_busy_pct: background === null ? null : round(background, 1) });
  const t0 = performance.now();
  const servers = await startBenchServers(transport, ctx.progress);
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  ctx.progress(`[${transport}] database ${db.name}, queue prefix ${queuePrefix}`);
  const on = { transport: servers.transport, redis: servers.redis, databaseUrl: db.url, queuePrefix };
  let app: BenchApp | undefined;
  try {
    const running = await bootBenchApp({ ...on, concurrency: CONCURRENCY, poolSize: POOL_SIZE });
    app = running;
    ctx.progress(`[${transport}] library booted; warming up`);
    await warmUp(running);

    if (want('single')) line('single', ...(await withBackground(() => single(running, db, ctx, transport))));
    if (want('concurrent')) line('concurrent', ...(await withBackground(() => concurrent(running, db, ctx, transport))));
    if (want('bytes')) line('bytes', ...(await withBackground(() => bytes(running, db, ctx, transport))));

    let library: [FirstStepSamples, number | null] | undefined;
    if (want('first-step')) library = await withBackground(() => firstStepLibrary(running, ctx, transport));
    await running.close();
    app = undefined;
    let eager: [FirstStepSamples, number | null] | undefined;
    if (want('first-step-eager')) {
      // Its own app: `workers.eagerStart` on, the rest as above.
      const eagerApp = await bootBenchApp({ ...on, concurrency: CONCURRENCY, poolSize: POOL_SIZE, eagerStart: true });
      app = eagerApp;
      await warmUp(eagerApp);
      eager = await withBackground(() => firstStepLibrary(eagerApp, ctx, transport));
      await eagerApp.close();
      app = undefined;
    }
    if (library || eager) {
      // One BullMQ floor for both, measured with nothing else running.
      const raw = await bullmqAddToProcess(db, transport, servers, queuePrefix, ctx);
      // And PostgreSQL's own share of an eager first step, on a bare client (the same for both cases).
      const database = await measureFirstStepFloor(db.url, FIRST_STEP_RUNS, FIRST_STEP_WARMUP);
      if (library) line('first-step', firstStepFigures(library[0], raw, database), library[1]);
      if (eager) line('first-step-eager', firstStepFigures(eager[0], raw, database), eager[1]);
    }

    if (want('concurrent-200')) {
      // Its own app: WIDE_EXECUTIONS workers on a pool of WIDE_POOL_SIZE (the other cases keep theirs).
      const wide = await bootBenchApp({ ...on, concurrency: WIDE_EXECUTIONS, poolSize: WIDE_POOL_SIZE });
      app = wide;
      await warmUp(wide);
      line('concurrent-200', ...(await withBackground(() => concurrent(wide, db, ctx, transport, WIDE_EXECUTIONS))));
      await wide.close();
      app = undefined;
    }
  } finally {
    await app?.close().catch((error: Error) => ctx.progress(`[${transport}] closing the app failed: ${error.message}`));
    if (servers.sharedRedis)
      await deleteRedisKeys(queuePrefix).catch((error: Error) => ctx.progress(`[${transport}] Redis cleanup failed: ${error.message}`));
    await db.drop();
    await servers.stop();
    ctx.progress(`[${transport}] done in ${((performance.now() - t0) / 1000).toFixed(1)} s; database dropped`);
  }
}

/** Runs a case after sampling how busy the machine is without it. */
async function withBackground<T>(run: () => Promise<T>): Promise<[T, number | null]> {
  const background = await backgroundBusyPct();
  return [await run(), background];
}

/** Opens the pool's connections and runs the code paths once, so no case pays for first use. */
async function warmUp(app: BenchApp): Promise<void> {
  const ids = await Promise.all(Array.from({ length: CONCURRENT_EXECUTIONS }, () => app.start({ steps: 3 })));
  await Promise.all(ids.map((id) => app.watcher.completed(id, 3)));
  const id = await app.start({ steps: 50 });
  await app.watcher.completed(id, 50);
  for (const x of [...ids, id]) app.watcher.forget(x);
}

/**
 * One execution of SINGLE_STEPS steps: time between commits, against a bare insert's commit.
 * REPEATS rounds of (floor, run), interleaved so both see the same machine; medians reported.
 */
async function single(app: BenchApp, db: BenchDatabase, ctx: BenchContext<BenchTransport>, transport: BenchTransport) {
  const runs: { msPerStep: number; floorMs: number; cpuMsPerStep: number; dbCpuMsPerStep: number | null; busyPct: number | null }[] = [];
  for (let r = 1; r <= REPEATS; r++) {
    ctx.progress(
      `[${transport}] single ${r}/${REPEATS}: insert floor (${INSERT_FLOOR_SAMPLES} single-row inserts), then 1 execution × ${SINGLE_STEPS} steps`,
    );
    const floor = await measureInsertFloor(db.url, INSERT_FLOOR_SAMPLES);
    const id = await app.start({ steps: SINGLE_STEPS });
    const first = await app.watcher.firstStep(id);
    const stopCpu = cpuMeter();
    const stopDbCpu = await backendCpuMeter(db.sql);
    const ended = await app.watcher.completed(id, SINGLE_STEPS);
    const cpu = stopCpu();
    const dbCpuMs = await stopDbCpu();
    app.watcher.forget(id);
    // From the commit of step 1 to the commit of the last step: SINGLE_STEPS - 1 step intervals.
    runs.push({
      msPerStep: (ended.at - first) / (SINGLE_STEPS - 1),
      floorMs: floor.p50Ms,
      cpuMsPerStep: cpu.processCpuMs / (SINGLE_STEPS - 1),
      dbCpuMsPerStep: dbCpuMs === null ? null : dbCpuMs / (SINGLE_STEPS - 1),
      busyPct: cpu.machineBusyPct,
    });
  }
  const msPerStep = median(runs.map((r) => r.msPerStep));
  const floorMs = median(runs.map((r) => r.floorMs));
  return {
    steps: SINGLE_STEPS,
    chunk_size: BENCH_CHUNK_SIZE,
    ms_per_step: round(msPerStep),
    floor_ms: round(floorMs),
    ratio: round(msPerStep / floorMs, 2),
    repeats: REPEATS,
    ms_per_step_runs: runs.map((r) => round(r.msPerStep)),
    floor_ms_runs: runs.map((r) => round(r.floorMs)),
    floor_row_bytes: payloadBytes(),
    node_cpu_ms_per_step: round(median(runs.map((r) => r.cpuMsPerStep))),
    db_backend_cpu_ms_per_step: medianOrNull(
      runs.map((r) => r.dbCpuMsPerStep),
      3,
    ),
    machine_cpu_busy_pct: medianOrNull(runs.map((r) => r.busyPct)),
  };
}

/**
 * `executions` in parallel (CONCURRENT_EXECUTIONS, or WIDE_EXECUTIONS): steps/s from the first start to the last
 * completion, REPEATS times (median reported), against what 16 bare inserting clients reach.
 */
async function concurrent(
  app: BenchApp,
  db: BenchDatabase,
  ctx: BenchContext<BenchTransport>,
  transport: BenchTransport,
  executions = CONCURRENT_EXECUTIONS,
) {
  ctx.progress(`[${transport}] concurrent: insert ceiling (${CEILING_CLIENTS} clients × ${CEILING_MS} ms)`);
  const ceiling = await measureInsertCeiling(db.url, CEILING_CLIENTS, CEILING_MS);
  const totalSteps = executions * CONCURRENT_STEPS;
  const runs: {
    stepsPerS: number;
    wallMs: number;
    startsMs: number;
    cpuMsPerStep: number;
    cpuPct: number;
    dbCpuMsPerStep: number | null;
    busyPct: number | null;
  }[] = [];
  for (let r = 1; r <= REPEATS; r++) {
    ctx.progress(`[${transport}] concurrent ${r}/${REPEATS}: ${executions} executions × ${CONCURRENT_STEPS} steps`);
    const stopDbCpu = await backendCpuMeter(db.sql);
    const stopCpu = cpuMeter();
    const t0 = performance.now();
    const ids = await Promise.all(Array.from({ length: executions }, () => app.start({ steps: CONCURRENT_STEPS })));
    const startsReturned = performance.now();
    const ends = await Promise.all(ids.map((id) => app.watcher.completed(id, CONCURRENT_STEPS)));
    const last = Math.max(...ends.map((e) => e.at));
    const cpu = stopCpu();
    const dbCpuMs = await stopDbCpu();
    for (const id of ids) app.watcher.forget(id);
    runs.push({
      stepsPerS: totalSteps / ((last - t0) / 1000),
      wallMs: last - t0,
      startsMs: startsReturned - t0,
      cpuMsPerStep: cpu.processCpuMs / totalSteps,
      cpuPct: (100 * cpu.processCpuMs) / cpu.wallMs,
      dbCpuMsPerStep: dbCpuMs === null ? null : dbCpuMs / totalSteps,
      busyPct: cpu.machineBusyPct,
    });
  }
  const stepsPerS = median(runs.map((r) => r.stepsPerS));
  return {
    executions,
    steps: CONCURRENT_STEPS,
    steps_per_s: round(stepsPerS, 1),
    insert_ceiling_rows_per_s: round(ceiling, 1),
    ratio_to_ceiling: round(stepsPerS / ceiling, 2),
    repeats: REPEATS,
    steps_per_s_runs: runs.map((r) => round(r.stepsPerS, 1)),
    wall_ms: round(median(runs.map((r) => r.wallMs)), 1),
    starts_ms: round(median(runs.map((r) => r.startsMs)), 1),
    worker_concurrency: app.concurrency,
    pool_size: app.poolSize,
    node_cpu_ms_per_step: round(median(runs.map((r) => r.cpuMsPerStep))),
    node_cpu_pct: round(median(runs.map((r) => r.cpuPct)), 1),
    db_backend_cpu_ms_per_step: medianOrNull(
      runs.map((r) => r.dbCpuMsPerStep),
      3,
    ),
    machine_cpu_busy_pct: medianOrNull(runs.map((r) => r.busyPct)),
  };
}

const medianOrNull = (values: (number | null)[], decimals = 1): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : round(median(known), decimals);
};

/**
 * Bytes written per step early and late in one long execution. The agent waits at gates before
 * steps 1, 11, 496 and 506; with nothing in flight the bench marks the WAL position, so each
 * window holds exactly BYTES_WINDOW step commits and nothing else of this run.
 */
async function bytes(app: BenchApp, db: BenchDatabase, ctx: BenchContext<BenchTransport>, transport: BenchTransport) {
  await enableWalInspect(db.sql);
  ctx.progress(
    `[${transport}] bytes: 1 execution × ${BYTES_STEPS} steps, windows of ${BYTES_WINDOW} steps from ${BYTES_EARLY} and ${BYTES_LATE}`,
  );
  const windows = [BYTES_EARLY, BYTES_LATE];
  const gates = windows.flatMap((from) => [from, from + BYTES_WINDOW]);
  const id = await app.start({ steps: BYTES_STEPS, gates });
  const marks: WalMark[] = [];
  for (const gate of gates) {
    await app.gates.arrived(id, gate);
    marks.push(await walMark(db.sql));
    app.gates.release(id, gate);
  }
  await app.watcher.completed(id, BYTES_STEPS);
  app.watcher.forget(id);
  const early = await walBetween(db.sql, marks[0], marks[1]);
  const late = await walBetween(db.sql, marks[2], marks[3]);
  ctx.progress(`[${transport}] bytes: WAL by relation, steps ${BYTES_EARLY}-${BYTES_EARLY + BYTES_WINDOW - 1}: ${describeWindow(early)}`);
  ctx.progress(`[${transport}] bytes: WAL by relation, steps ${BYTES_LATE}-${BYTES_LATE + BYTES_WINDOW - 1}: ${describeWindow(late)}`);
  const per = (n: number) => round(n / BYTES_WINDOW, 1);
  return {
    measure: 'wal_record_bytes_excluding_full_page_images',
    window_steps: BYTES_WINDOW,
    bytes_per_step_at_5: per(early.recordBytes),
    bytes_per_step_at_500: per(late.recordBytes),
    ratio: round(late.recordBytes / early.recordBytes, 3),
    fpi_bytes_per_step_at_5: per(early.fpiBytes),
    fpi_bytes_per_step_at_500: per(late.fpiBytes),
    appended_bytes_per_step_at_5: per(appended(early)),
    appended_bytes_per_step_at_500: per(appended(late)),
    execution_row_bytes_per_step_at_5: per(early.usedGrowthBytes.agent_executions),
    execution_row_bytes_per_step_at_500: per(late.usedGrowthBytes.agent_executions),
    wal_records_per_step_at_5: per(early.records),
    wal_records_per_step_at_500: per(late.records),
    execution_hot_updates_at_5: `${early.executionHotUpdates}/${early.executionUpdates}`,
    execution_hot_updates_at_500: `${late.executionHotUpdates}/${late.executionUpdates}`,
  };
}

/** Tuple-bytes growth of the append-only tables (messages, logs) with their indexes and TOAST. */
const appended = (w: WalWindow): number => w.usedGrowthBytes.agent_messages + w.usedGrowthBytes.agent_logs;

const describeWindow = (w: WalWindow): string =>
  Object.entries(w.byRelation)
    .sort((a, b) => b[1] - a[1])
    .map(([rel, b]) => `${rel}=${round(b / BYTES_WINDOW, 1)}`)
    .join(' ') + ` (per step; FPI ${round(w.fpiBytes / BYTES_WINDOW, 1)})`;

interface FirstStepSamples {
  latencies: number[];
  startCalls: number[];
}

/** `AgentManager.start` → the first `execution.step_completed`, one execution at a time. */
async function firstStepLibrary(app: BenchApp, ctx: BenchContext<BenchTransport>, transport: BenchTransport): Promise<FirstStepSamples> {
  ctx.progress(`[${transport}] first-step: ${FIRST_STEP_RUNS} sequential starts (+${FIRST_STEP_WARMUP} warm-up)`);
  const latencies: number[] = [];
  const startCalls: number[] = [];
  for (let i = 0; i < FIRST_STEP_WARMUP + FIRST_STEP_RUNS; i++) {
    const t0 = performance.now();
    const id = await app.start({ steps: 1 });
    const returned = performance.now();
    const first = await app.watcher.firstStep(id);
    await app.watcher.completed(id, 1);
    app.watcher.forget(id);
    if (i >= FIRST_STEP_WARMUP) {
      latencies.push(first - t0);
      startCalls.push(returned - t0);
    }
  }
  return { latencies, startCalls };
}

/** BullMQ alone on the same backend (the app closed, so nothing else runs): `queue.add` → processor, ms each. */
function bullmqAddToProcess(
  db: BenchDatabase,
  transport: BenchTransport,
  servers: BenchServers,
  queuePrefix: string,
  ctx: BenchContext<BenchTransport>,
): Promise<number[]> {
  ctx.progress(`[${transport}] first-step: raw BullMQ add → processor, ${FIRST_STEP_RUNS} sequential jobs`);
  return measureBullmqAddToProcess({
    transport: servers.transport,
    redis: servers.redis,
    databaseUrl: db.url,
    namespace: `${queuePrefix}_raw`,
    concurrency: CONCURRENCY,
    runs: FIRST_STEP_RUNS,
    warmup: FIRST_STEP_WARMUP,
  });
}

/** The library's first steps against BullMQ's floor of the same run. */
function firstStepFigures(library: FirstStepSamples, raw: number[], database: number[]) {
  const p50 = percentile(library.latencies, 50);
  const bullmqP50 = percentile(raw, 50);
  const databaseP50 = percentile(database, 50);
  return {
    n: FIRST_STEP_RUNS,
    p50_ms: round(p50),
    p99_ms: round(percentile(library.latencies, 99)),
    bullmq_p50_ms: round(bullmqP50),
    bullmq_p99_ms: round(percentile(raw, 99)),
    ratio: round(p50 / bullmqP50, 2),
    start_call_p50_ms: round(percentile(library.startCalls, 50)),
    database_floor_p50_ms: round(databaseP50),
    database_floor_ratio: round(databaseP50 / bullmqP50, 2),
  };
}
