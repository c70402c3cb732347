import type { Transport } from 'nestjs-agents';
import { startApiHost, type ApiHost } from './support/api-host.js';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { Benchmark, BenchContext } from './support/benchmark.js';
import { backendCpuMeter, backgroundBusyPct, cpuMeter, processCpuMs } from './support/cpu.js';
import { uniqueName } from './support/env.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { round } from './support/stats.js';
import { snapshotWorkerBuild, startWorkerProcess, type WorkerBuild, type WorkerProcess } from './support/worker-process.js';

const NAME = 'scale-out';
const CASES = ['workers'] as const;
const EXECUTIONS = 200;
const STEPS = 50;
/** Jobs each worker process runs at once: every execution of the run has a slot, with one worker or two. */
const WORKER_CONCURRENCY = EXECUTIONS;

/**
 * Throughput with one worker process, then two, against one database (the example app's `steps`
 * agent, zero-cost steps, chunks of 25): 200 executions × 50 steps, started through the API node
 * in this process, each by its own user. `steps_per_s` counts from the first start to the last
 * completion (polled every 10 ms). `scale` = two workers / one (target ≥ 1.6 while the database
 * is not the bottleneck). Per phase: CPU of the worker processes, of the database backends and the
 * machine, which say what the bottleneck is on this machine.
 */
export const scaleOut: Benchmark = {
  name: NAME,
  description: 'steps per second with one worker process and with two against one database',
  cases: CASES,
  async run(ctx) {
    const build = await snapshotWorkerBuild();
    try {
      for (const transport of ctx.transports) await runTransport(transport, build, ctx);
    } finally {
      await build.remove();
    }
  },
};

async function runTransport(transport: Transport, build: WorkerBuild, ctx: BenchContext): Promise<void> {
  const db = await createBenchDatabase();
  const prefix = uniqueName('bench');
  let api: ApiHost | undefined;
  try {
    api = await startApiHost({ transport, databaseUrl: db.url, queuePrefix: prefix, llmBaseUrl: 'http://127.0.0.1:9' });
    const phases = [];
    for (const workers of [1, 2]) {
      ctx.progress(`[${transport}] ${workers} worker process(es): ${EXECUTIONS} executions × ${STEPS} steps`);
      phases.push(await phase(api, db, build, workers, transport, ctx));
    }
    const [one, two] = phases as [Phase, Phase];
    ctx.emit({
      bench: NAME,
      transport,
      case: 'workers',
      executions: EXECUTIONS,
      steps: STEPS,
      worker_concurrency: WORKER_CONCURRENCY,
      steps_per_s_1: one.stepsPerS,
      steps_per_s_2: two.stepsPerS,
      scale: round(two.stepsPerS / one.stepsPerS, 2),
      worker_cpu_pct_1: one.workerCpuPct,
      worker_cpu_pct_2: two.workerCpuPct,
      db_backend_cpu_pct_1: one.dbCpuPct,
      db_backend_cpu_pct_2: two.dbCpuPct,
      machine_cpu_busy_pct_1: one.machinePct,
      machine_cpu_busy_pct_2: two.machinePct,
      background_cpu_busy_pct: one.backgroundPct,
    });
  } finally {
    await api?.close();
    if (transport === 'redis') await deleteRedisKeys(prefix).catch(() => undefined);
    await db.drop();
  }
}

interface Phase {
  stepsPerS: number;
  /** CPU of all worker processes, in % of one core. */
  workerCpuPct: number | null;
  /** CPU of the database's backends, in % of one core. */
  dbCpuPct: number | null;
  machinePct: number | null;
  backgroundPct: number | null;
}

async function phase(
  api: ApiHost,
  db: BenchDatabase,
  build: WorkerBuild,
  count: number,
  transport: Transport,
  ctx: BenchContext,
): Promise<Phase> {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(startWorkerProcess(build.entry, { ...api.env, AGENTS_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) }, ctx.progress));
    }
    await Promise.all(workers.map((w) => w.ready));
    await runAll(api, db, Math.min(20, EXECUTIONS), `warm-${count}`); // first use of every path, in every worker
    const backgroundPct = await backgroundBusyPct();
    const workerCpu0 = workers.map((w) => processCpuMs(w.pid) ?? 0);
    const dbCpu = await backendCpuMeter(db.sql);
    const machine = cpuMeter();
    const wallMs = await runAll(api, db, EXECUTIONS, `run-${count}`);
    const cpu = machine();
    const dbMs = await dbCpu();
    const workerMs = workers.reduce((sum, w, i) => sum + ((processCpuMs(w.pid) ?? workerCpu0[i]!) - workerCpu0[i]!), 0);
    ctx.progress(`[${transport}] ${count} worker(s): ${round(wallMs, 0)} ms`);
    return {
      stepsPerS: round((EXECUTIONS * STEPS) / (wallMs / 1000), 1),
      workerCpuPct: round((100 * workerMs) / wallMs, 1),
      dbCpuPct: dbMs === null ? null : round((100 * dbMs) / wallMs, 1),
      machinePct: cpu.machineBusyPct === null ? null : round(cpu.machineBusyPct, 1),
      backgroundPct: backgroundPct === null ? null : round(backgroundPct, 1),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Starts `n` runs (a user each) and waits for all of them to complete; the time from the first start. */
async function runAll(api: ApiHost, db: BenchDatabase, n: number, tag: string): Promise<number> {
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await api.as(`${tag}-${i}`).expect([201], 'POST', '/api/agents', { agent_type: 'steps', input: { steps: STEPS } });
      return (res.body as { id: string }).id;
    }),
  );
  for (;;) {
    const { rows } = await db.sql.query<{ done: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'completed')::int AS done, count(*) FILTER (WHERE status IN ('failed', 'cancelled'))::int AS failed
       FROM agent_executions WHERE id = ANY($1)`,
      [ids],
    );
    if (rows[0]!.failed > 0) throw new Error(`${rows[0]!.failed} runs failed`);
    if (rows[0]!.done === n) return performance.now() - t0;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
