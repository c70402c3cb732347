import { ScheduleService, ScheduleTicks, type TickOutcome } from 'nestjs-agents';
import { BENCH_AGENT, benchPrincipal, bootBenchApp, type BenchApp } from './support/bench-app.js';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct } from './support/cpu.js';
import { uniqueName } from './support/env.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { startBenchServers, type BenchServers, type BenchTransport } from './support/servers.js';
import { percentile, round } from './support/stats.js';
import { PARK_CASES, runParkCases } from './durable-parks.js';

/**
 * Durable-execution features measured on two nodes of the library (API and workers in each), one
 * case per feature. A case is a function of the running nodes that returns its figures; a new
 * case is one entry in `CASES`.
 *
 * - `cron`: SCHEDULES schedules (one user each: a user's starts take turns on the user's lock)
 *   ticking every second for RUN_SECONDS, with the default poll
 *   interval. Lateness of a tick = from the tick's time until its execution was committed and
 *   enqueued (`ScheduleTicks.fire` returned `started`, timed on the node); `start_p50_ms` runs to its
 *   first step (`started_at`). `duplicates` = ticks that started more than one execution (must be
 *   0), `ticks` = executions started, `lost_claims` = fires that found the tick taken by the other node.
 */
const NAME = 'durable';

interface Nodes {
  a: BenchApp;
  b: BenchApp;
  db: BenchDatabase;
  progress(message: string): void;
}

type Case = (nodes: Nodes) => Promise<Record<string, unknown>>;

const SCHEDULES = 20;
const RUN_SECONDS = 15;

const CASES: Record<string, Case> = {
  cron: async ({ a, b, db, progress }) => {
    progress(`cron: ${SCHEDULES} schedules every second for ${RUN_SECONDS} s on two nodes`);
    const late: number[] = [];
    let lostClaims = 0;
    for (const node of [a, b]) {
      const ticks = node.context.get(ScheduleTicks);
      const fire = ticks.fire.bind(ticks);
      ticks.fire = async (id: string, tick: Date): Promise<TickOutcome> => {
        const outcome = await fire(id, tick);
        if ('started' in outcome) late.push(Date.now() - tick.getTime());
        else lostClaims++;
        return outcome;
      };
    }
    const ids: string[] = [];
    const owners: (typeof benchPrincipal)[] = [];
    for (let i = 0; i < SCHEDULES; i++) {
      const service = (i % 2 ? a : b).context.get(ScheduleService);
      const owner = { ...benchPrincipal, userId: `cron-user-${i}` };
      ids.push((await service.create(owner, { agentType: BENCH_AGENT, input: { steps: 1 }, cron: '* * * * * *' })).id);
      owners.push(owner);
    }
    await new Promise((r) => setTimeout(r, RUN_SECONDS * 1000));
    for (const [i, id] of ids.entries()) await a.context.get(ScheduleService).pause(owners[i]!, id);
    await new Promise((r) => setTimeout(r, 2000)); // the last ticks' first steps
    const { rows } = await db.sql.query<{ start_ms: number | null; n: number }>(
      `SELECT extract(epoch FROM (min(started_at) - (metadata->>'schedule_tick')::timestamptz)) * 1000 AS start_ms,
              count(*)::int AS n
         FROM agent_executions WHERE metadata->>'schedule_id' = ANY($1)
        GROUP BY metadata->>'schedule_id', metadata->>'schedule_tick'`,
      [ids],
    );
    const start = rows.filter((r) => r.start_ms !== null).map((r) => Number(r.start_ms));
    return {
      schedules: SCHEDULES,
      seconds: RUN_SECONDS,
      ticks: rows.reduce((sum, r) => sum + r.n, 0),
      duplicates: rows.filter((r) => r.n > 1).length,
      lost_claims: lostClaims,
      p50_ms: round(percentile(late, 50), 1),
      p99_ms: round(percentile(late, 99), 1),
      start_p50_ms: round(percentile(start, 50), 1),
      start_p99_ms: round(percentile(start, 99), 1),
    };
  },
};

export const durable: Benchmark<BenchTransport> = {
  name: NAME,
  description: 'durable-execution features: cron tick lateness on two nodes, sleep lateness, concurrency-key exactness',
  cases: [...Object.keys(CASES), ...PARK_CASES],
  run: async (ctx) => {
    if (ctx.cases.length === 0 || Object.keys(CASES).some((c) => ctx.cases.includes(c))) {
      for (const transport of ctx.transports) await runTransport(transport, ctx);
    }
    await runParkCases(ctx);
  },
};

async function runTransport(transport: BenchTransport, ctx: BenchContext<BenchTransport>): Promise<void> {
  const servers: BenchServers = await startBenchServers(transport, ctx.progress);
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  const nodes: BenchApp[] = [];
  try {
    const boot = () =>
      bootBenchApp({ transport: servers.transport, redis: servers.redis, databaseUrl: db.url, queuePrefix, concurrency: 20, poolSize: 20 });
    nodes.push(await boot(), await boot());
    for (const [name, run] of Object.entries(CASES)) {
      if (ctx.cases.length > 0 && !ctx.cases.includes(name)) continue;
      const background = await backgroundBusyPct();
      const figures = await run({ a: nodes[0]!, b: nodes[1]!, db, progress: (m) => ctx.progress(`[${transport}] ${m}`) });
      ctx.emit({
        bench: NAME,
        transport,
        case: name,
        ...figures,
        background_cpu_busy_pct: background === null ? null : round(background, 1),
      });
    }
  } finally {
    for (const node of nodes) await node.close();
    if (servers.sharedRedis) await deleteRedisKeys(queuePrefix).catch(() => undefined);
    await db.drop();
    await servers.stop();
  }
}
