import { NestFactory } from '@nestjs/core';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import {
  AgentManager,
  AgentModule,
  step,
  type AgentDefinition,
  type AgentModuleOptions,
  type Principal,
  type Transport,
} from 'nestjs-agents';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct } from './support/cpu.js';
import { redisUrl, uniqueName } from './support/env.js';
import { percentile, round } from './support/stats.js';

/**
 * The durable-execution features, each against its promise:
 *
 * - `sleep`: SLEEPERS executions each `step.sleep(SLEEP_MS)` after their first step; lateness is the
 *   second step's start minus the time the first asked to wake at (p50/p99; the promise: about a
 *   second at worst while workers are free).
 * - `concurrency-key`: ROUNDS rounds of PARALLEL starts at once with one key and a limit of LIMIT,
 *   each run a short step. `admitted` is the most executions of the key ever holding a slot at once
 *   (sampled every few ms; the promise: exactly LIMIT), `order_kept` whether the waiting ones started
 *   in the order they were admitted, and `p50_ms`/`p99_ms` the release latency: a holder's end to the
 *   start of the execution it let in.
 */
const NAME = 'durable';
const CASES = ['sleep', 'concurrency-key'] as const;
const SLEEPERS = 1000;
const SLEEP_MS = 3000;
const PARALLEL = 20;
const LIMIT = 2;
const ROUNDS = 5;
const principal: Principal = { tenantId: 'bench', userId: 'bench', tier: 'pro', roles: [] };

/** When each sleeper's second step started, against the time it asked to wake at. */
const lateness = new Map<string, number>();

const sleeper: AgentDefinition = {
  name: 'bench-sleeper',
  step: async (state, ctx) => {
    if (ctx.stepNumber === 1) {
      const ms = Number((state.input as { ms: number }).ms);
      return step.sleep(ms, { data: { wakeAt: Date.now() + ms } });
    }
    lateness.set(ctx.executionId, Date.now() - Number(state.data.wakeAt));
    return step.done(null);
  },
};
const brief: AgentDefinition = {
  name: 'bench-brief',
  step: async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return step.done(null);
  },
};

@Module({})
class DurableBenchModule {
  static register(options: AgentModuleOptions): DynamicModule {
    return { module: DurableBenchModule, imports: [AgentModule.forRoot(options)] };
  }
}

export const durable: Benchmark = {
  name: NAME,
  description: 'durable sleep lateness, concurrency-key exactness and release latency',
  cases: CASES,
  async run(ctx: BenchContext): Promise<void> {
    const cases = ctx.cases.length > 0 ? ctx.cases : [...CASES];
    for (const transport of ctx.transports) {
      const db = await createBenchDatabase();
      const app = await boot(transport, db);
      try {
        if (cases.includes('sleep')) await sleepCase(ctx, transport, app, db);
        if (cases.includes('concurrency-key')) await concurrencyCase(ctx, transport, app, db);
      } finally {
        await app.close();
        await db.drop();
      }
    }
  },
};

async function boot(transport: Transport, db: BenchDatabase): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(
    DurableBenchModule.register({
      database: { url: db.url, poolSize: 20 },
      transport,
      redis: transport === 'redis' ? { url: redisUrl() } : undefined,
      queuePrefix: uniqueName('bench_durable'),
      resolvePrincipal: () => principal,
      agents: [sleeper, brief],
      workers: { enabled: true, concurrency: { 'agents-default': 50 } },
      tiers: { pro: { maxConcurrent: 1_000_000, perHour: 1_000_000 } },
    }),
    { logger: ['error', 'warn'], abortOnError: false },
  );
}

async function sleepCase(ctx: BenchContext, transport: Transport, app: INestApplicationContext, db: BenchDatabase) {
  ctx.progress(`${NAME} sleep (${transport}): ${SLEEPERS} executions sleeping ${SLEEP_MS} ms`);
  const manager = app.get(AgentManager);
  const busy = await backgroundBusyPct();
  lateness.clear();
  const ids: string[] = [];
  for (let i = 0; i < SLEEPERS; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => manager.start(principal, sleeper.name, { ms: SLEEP_MS })));
    ids.push(...batch.map((e) => e.id));
  }
  await waitUntil(() => countWhere(db, `id = ANY($1) AND status = 'completed'`, [ids]).then((n) => n === SLEEPERS), SLEEP_MS + 120_000);
  const samples = [...lateness.values()];
  ctx.emit({
    bench: NAME,
    transport,
    case: 'sleep',
    executions: SLEEPERS,
    sleep_ms: SLEEP_MS,
    p50_ms: round(percentile(samples, 50), 1),
    p99_ms: round(percentile(samples, 99), 1),
    max_ms: round(Math.max(...samples), 1),
    background_cpu_busy_pct: busy,
  });
}

async function concurrencyCase(ctx: BenchContext, transport: Transport, app: INestApplicationContext, db: BenchDatabase) {
  ctx.progress(`${NAME} concurrency-key (${transport}): ${ROUNDS} rounds of ${PARALLEL} parallel starts, limit ${LIMIT}`);
  const manager = app.get(AgentManager);
  const busy = await backgroundBusyPct();
  let admitted = 0;
  let orderKept = true;
  const latencies: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const key = uniqueName('key');
    const started = await Promise.all(
      Array.from({ length: PARALLEL }, () => manager.start(principal, brief.name, null, { concurrency: { key, limit: LIMIT } })),
    );
    const ids = started.map((e) => e.id);
    await waitUntil(async () => {
      admitted = Math.max(admitted, await countWhere(db, `concurrency_key = $1 AND ${HOLDING}`, [key]));
      return (await countWhere(db, `id = ANY($1) AND status = 'completed'`, [ids])) === PARALLEL;
    }, 60_000);
    const { rows } = await db.sql.query<{ id: string; started_at: Date; completed_at: Date }>(
      `SELECT id, started_at, completed_at FROM agent_executions WHERE id = ANY($1) ORDER BY created_at, id`,
      [ids],
    );
    const waiting = rows.slice(LIMIT);
    const byStart = [...waiting].sort((a, b) => a.started_at.getTime() - b.started_at.getTime());
    if (byStart.some((r, i) => r.id !== waiting[i]!.id)) orderKept = false;
    const ends = rows.map((r) => r.completed_at.getTime()).sort((a, b) => a - b);
    byStart.forEach((r, i) => latencies.push(r.started_at.getTime() - ends[i]!));
  }
  ctx.emit({
    bench: NAME,
    transport,
    case: 'concurrency-key',
    parallel: PARALLEL,
    rounds: ROUNDS,
    limit: LIMIT,
    admitted,
    order_kept: orderKept,
    p50_ms: round(percentile(latencies, 50), 1),
    p99_ms: round(percentile(latencies, 99), 1),
    background_cpu_busy_pct: busy,
  });
}

const HOLDING = `status NOT IN ('completed', 'failed', 'cancelled') AND NOT (status = 'scheduled' AND scheduled_for IS NULL)`;

async function countWhere(db: BenchDatabase, where: string, params: unknown[]): Promise<number> {
  const { rows } = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM agent_executions WHERE ${where}`, params);
  return rows[0]!.n;
}

async function waitUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`${NAME}: not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
