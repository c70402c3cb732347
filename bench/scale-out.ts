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
const CASES = ['workers', 'workers-cpu'] as const;
type Case = (typeof CASES)[number];

/** What one case runs: `executions` runs (a user each) of the `steps` agent. */
interface Workload {
  executions: number;
  steps: number;
  /** CPU each step spends in the worker (the agent's own work), in ms. */
  cpuMs: number;
  /**
   * Jobs each worker process runs at once: `all` = every execution, in either phase; `shared` = the
   * executions split between the processes (the same slots in all), as one would size a fleet whose
   * steps are CPU-bound: a process that took every job would keep them while the other idles.
   */
  slots: 'all' | 'shared';
}

/**
 * `workers`: zero-cost steps, where the database's commits and the queue are all the work (on two
 * cores the machine is the limit: PostgreSQL, Redis, the API and the workers share it).
 * `workers-cpu`: steps that compute 5 ms each on the worker (the `steps` agent's `cpu_ms`), so a
 * worker process's one thread is the limit and the database is not: what a second process adds.
 */
const WORKLOADS: Record<Case, Workload> = {
  workers: { executions: 200, steps: 50, cpuMs: 0, slots: 'all' },
  'workers-cpu': { executions: 100, steps: 20, cpuMs: 5, slots: 'shared' },
};

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
  for (const name of CASES) {
    if (ctx.cases.length === 0 || ctx.cases.includes(name)) await runCase(name, WORKLOADS[name], transport, build, ctx);
  }
}

async function runCase(name: Case, work: Workload, transport: Transport, build: WorkerBuild, ctx: BenchContext): Promise<void> {
  const db = await createBenchDatabase();
  const prefix = uniqueName('bench');
  let api: ApiHost | undefined;
  try {
    api = await startApiHost({ transport, databaseUrl: db.url, queuePrefix: prefix, llmBaseUrl: 'http://127.0.0.1:9' });
    const phases = [];
    for (const workers of [1, 2]) {
      ctx.progress(`[${transport}] ${name}, ${workers} worker process(es): ${work.executions} executions × ${work.steps} steps`);
      phases.push(await phase(api, db, build, work, workers, transport, ctx));
    }
    const [one, two] = phases as [Phase, Phase];
    ctx.emit({
      bench: NAME,
      transport,
      case: name,
      executions: work.executions,
      steps: work.steps,
      step_cpu_ms: work.cpuMs,
      worker_concurrency_1: concurrency(work, 1),
      worker_concurrency_2: concurrency(work, 2),
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
  work: Workload,
  count: number,
  transport: Transport,
  ctx: BenchContext,
): Promise<Phase> {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(
        startWorkerProcess(build.entry, { ...api.env, AGENTS_WORKER_CONCURRENCY: String(concurrency(work, count)) }, ctx.progress),
      );
    }
    await Promise.all(workers.map((w) => w.ready));
    await runAll(api, db, { ...work, executions: Math.min(20, work.executions) }, `warm-${count}`); // first use of every path, in every worker
    const backgroundPct = await backgroundBusyPct();
    const workerCpu0 = workers.map((w) => processCpuMs(w.pid) ?? 0);
    const dbCpu = await backendCpuMeter(db.sql);
    const machine = cpuMeter();
    const wallMs = await runAll(api, db, work, `run-${count}`);
    const cpu = machine();
    const dbMs = await dbCpu();
    const workerMs = workers.reduce((sum, w, i) => sum + ((processCpuMs(w.pid) ?? workerCpu0[i]!) - workerCpu0[i]!), 0);
    ctx.progress(`[${transport}] ${count} worker(s): ${round(wallMs, 0)} ms`);
    return {
      stepsPerS: round((work.executions * work.steps) / (wallMs / 1000), 1),
      workerCpuPct: round((100 * workerMs) / wallMs, 1),
      dbCpuPct: dbMs === null ? null : round((100 * dbMs) / wallMs, 1),
      machinePct: cpu.machineBusyPct === null ? null : round(cpu.machineBusyPct, 1),
      backgroundPct: backgroundPct === null ? null : round(backgroundPct, 1),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

const concurrency = (work: Workload, processes: number): number =>
  work.slots === 'all' ? work.executions : Math.ceil(work.executions / processes);

/** Starts the workload's runs (a user each) and waits for all of them to complete; the time from the first start. */
async function runAll(api: ApiHost, db: BenchDatabase, work: Workload, tag: string): Promise<number> {
  const n = work.executions;
  const input = { steps: work.steps, cpu_ms: work.cpuMs };
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await api.as(`${tag}-${i}`).expect([201], 'POST', '/api/agents', { agent_type: 'steps', input });
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
