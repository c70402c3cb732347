import type { JsonValue, Principal } from 'nestjs-agents';
import { BENCH_AGENT, benchPrincipal, bootBenchApp, type BenchApp } from './support/bench-app.js';
import { createBenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct } from './support/cpu.js';
import { uniqueName } from './support/env.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { startBenchServers, type BenchTransport } from './support/servers.js';
import { percentile, round } from './support/stats.js';

/**
 * How many starts an API node admits: `AgentManager.start` (admission under the user's advisory
 * lock, the insert, the job) with no worker in the process, LANES calls in flight.
 *
 * - `one-user`: every start by one user, so each waits for the user's lock (the limits stay exact).
 * - `many-users`: round robin over USERS users of one tenant.
 * - `one-user-batches`: one user's starts as `AgentManager.startMany` calls of BATCH items, one call
 *   at a time (what `POST /api/agents/batch` does); `p50_ms` / `p99_ms` are of one call.
 *
 * Figures: `starts_per_s` (STARTS from the first call to the last answer), `p50_ms` / `p99_ms` of
 * one call. The bench tier has no practical limit, so every start is admitted.
 */
const NAME = 'starts';
const CASES = ['one-user', 'many-users', 'one-user-batches'] as const;
const STARTS = 2_000;
const LANES = 32;
const USERS = 100;
const BATCH = 100;
const POOL_SIZE = 40;

export const starts: Benchmark<BenchTransport> = {
  name: NAME,
  description: 'starts per second one API node admits, for one user and across users',
  cases: CASES,
  transports: ['redis', 'postgres', 'redis-cluster'],
  run: async (ctx) => {
    for (const transport of ctx.transports) await runTransport(transport, ctx);
  },
};

async function runTransport(transport: BenchTransport, ctx: BenchContext<BenchTransport>): Promise<void> {
  const want = (c: (typeof CASES)[number]) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const servers = await startBenchServers(transport, ctx.progress);
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  let app: BenchApp | undefined;
  try {
    app = await bootBenchApp({
      transport: servers.transport,
      redis: servers.redis,
      databaseUrl: db.url,
      queuePrefix,
      concurrency: 1,
      poolSize: POOL_SIZE,
      workers: false,
    });
    await measure(app, () => benchPrincipal, 200); // warm-up: connections and plans
    // As autovacuum would on a table in use: without statistics the plans of the admission's counts
    // swing from run to run on a fresh table (about 900 or 1,500 starts/s across users).
    await db.sql.query('ANALYZE agent_executions');
    for (const c of CASES) {
      if (!want(c)) continue;
      const principalOf =
        c === 'one-user' ? () => benchPrincipal : (i: number): Principal => ({ ...benchPrincipal, userId: `user-${i % USERS}` });
      const background = await backgroundBusyPct();
      const batches = c === 'one-user-batches';
      ctx.progress(`[${transport}] ${c}: ${STARTS} starts, ${batches ? `${BATCH} a call, one call` : LANES} in flight`);
      const figures = batches ? await measureBatches(app, STARTS) : await measure(app, principalOf, STARTS);
      ctx.emit({
        bench: NAME,
        transport,
        case: c,
        starts: STARTS,
        ...(batches ? { batch: BATCH, lanes: 1 } : { lanes: LANES }),
        ...figures,
        background_cpu_busy_pct: background === null ? null : round(background, 1),
      });
    }
  } finally {
    await app?.close();
    if (servers.sharedRedis) await deleteRedisKeys(queuePrefix).catch(() => undefined);
    await db.drop();
    await servers.stop();
  }
}

async function measure(app: BenchApp, principalOf: (i: number) => Principal, count: number) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      for (let i = next++; i < count; i = next++) {
        const started = performance.now();
        await app.manager.start(principalOf(i), BENCH_AGENT, { steps: 1 } as unknown as JsonValue);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return summary(count, seconds, latencies);
}

/** `count` starts of the bench user as sequential `startMany` calls of BATCH items. */
async function measureBatches(app: BenchApp, count: number) {
  const latencies: number[] = [];
  const items = Array.from({ length: BATCH }, () => ({ agentType: BENCH_AGENT, input: { steps: 1 } as unknown as JsonValue }));
  const t0 = performance.now();
  for (let done = 0; done < count; done += BATCH) {
    const started = performance.now();
    const outcomes = await app.manager.startMany(benchPrincipal, items);
    latencies.push(performance.now() - started);
    if (outcomes.some((o) => o.error)) throw new Error(`A batch start was refused: ${outcomes.find((o) => o.error)!.error!.message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  return summary(count, seconds, latencies);
}

const summary = (count: number, seconds: number, latencies: number[]) => ({
  starts_per_s: round(count / seconds, 1),
  p50_ms: round(percentile(latencies, 50), 3),
  p99_ms: round(percentile(latencies, 99), 3),
});
