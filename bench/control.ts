import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transport } from 'nestjs-agents';
import { startApiHost, type ApiHost } from './support/api-host.js';
import type { ApiClient } from './support/http-client.js';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct, cpuMeter } from './support/cpu.js';
import { within } from './support/deferred.js';
import { uniqueName } from './support/env.js';
import { HangingLlmServer } from './support/fake-llm.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { RowWatcher, type WatchedRow } from './support/row-watcher.js';
import { ExecutionEventStream } from './support/sse.js';
import { percentile, round } from './support/stats.js';
import { snapshotWorkerBuild, startWorkerProcess, type WorkerBuild, type WorkerProcess } from './support/worker-process.js';

/**
 * How fast control requests take effect, seen from a client of the REST API: the API is the
 * example app in this process (`createApp`, `AGENTS_WORKERS=off`, HTTP on localhost), the
 * executions run in a worker child process (`node dist/src/worker.js`), as in production.
 */
const NAME = 'control';
const CASES = ['force-kill', 'cancel', 'pause', 'recovery'] as const;
type Case = (typeof CASES)[number];

/** force-kill: runs measured, after warm-up ones; this many model requests are in flight while one is killed. */
const KILL_RUNS = 200;
const KILL_WARMUP = 8;
const KILL_IN_FLIGHT = 8; // ≤ the worker's concurrency on agents-default (10)
const KILL_TARGET_P99_MS = 100;

/** cancel / pause: a `steps` execution with STEP_MS steps; the request lands at a random point in a step. */
const SIGNAL_RUNS = 50;
const SIGNAL_LANES = 5; // executions under control at once (the worker runs up to 10)
const SIGNAL_WARMUP = SIGNAL_LANES;
const SIGNAL_STEPS = 50;
const STEP_MS = 200;
const SIGNAL_TARGET_MS = 50;

/** Commits are seen by polling the row on a dedicated connection, this often. */
const POLL_MS = 2;

/** recovery: worker processes with this lease timeout; SIGKILL mid-run of a (RECOVERY_STEPS × RECOVERY_STEP_MS) execution. */
const RECOVERY_RUNS = 5;
const RECOVERY_LEASE_MS = 2000;
const RECOVERY_STEPS = 100;
const RECOVERY_STEP_MS = 50;
/** Steps committed before the kill: mid-run, with most of the run still ahead. */
const RECOVERY_KILL_AFTER_STEPS = 10;

const WAIT_MS = 30_000;

/** A fresh demo user per execution: tier limits (concurrent executions, starts per hour) are per user and stay out of the figures. */
const runUser = () => `run-${randomUUID().slice(0, 13)}`;

export const control: Benchmark = {
  name: NAME,
  description: 'control latency over HTTP with workers in a separate process: force kill, cancel, pause, crash recovery',
  cases: CASES,
  run: async (ctx) => {
    const build = await snapshotWorkerBuild();
    ctx.progress(`worker processes run a snapshot of dist/src: ${build.entry}`);
    try {
      for (const transport of ctx.transports) await runTransport(transport, ctx, build);
    } finally {
      await build.remove();
    }
  },
};

interface Harness {
  transport: Transport;
  ctx: BenchContext;
  db: BenchDatabase;
  api: ApiHost;
  llm: HangingLlmServer;
  watcher: RowWatcher;
  /** A worker process of the example app on this API's database and queue prefix; ready when it resolves. */
  spawnWorker(extraEnv?: Record<string, string>): Promise<WorkerProcess>;
}

/**
 * Two phases, each with its own API host and queue prefix: the control cases with a worker at the
 * default lease timeout, then `recovery` with workers at RECOVERY_LEASE_MS. Sharing a queue would
 * skew recovery: BullMQ's stalled-job check holds a lock for the stalled interval of the worker
 * that ran it (= its lease timeout), so a stopped 30 s worker would delay the 2 s workers' checks.
 */
async function runTransport(transport: Transport, ctx: BenchContext, build: WorkerBuild): Promise<void> {
  const want = (c: Case) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const line = (c: Case, figures: Record<string, unknown>, background: number | null) =>
    ctx.emit({ bench: NAME, transport, case: c, ...figures, background_cpu_busy_pct: background === null ? null : round(background, 1) });
  const t0 = performance.now();
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  const prefixes: string[] = [];
  ctx.progress(`[${transport}] database ${db.name}, queue prefixes ${queuePrefix}, ${queuePrefix}_r`);
  const llm = await HangingLlmServer.start();
  let watcher: RowWatcher | undefined;
  try {
    watcher = await RowWatcher.open(db.url, POLL_MS);
    const phase = async (prefix: string, run: (h: Harness) => Promise<void>) => {
      prefixes.push(prefix);
      const api = await startApiHost({ transport, databaseUrl: db.url, queuePrefix: prefix, llmBaseUrl: llm.baseUrl });
      ctx.progress(
        `[${transport}] API (example app, AGENTS_WORKERS=off, queue prefix ${prefix}) on 127.0.0.1:${api.port}; fake model at ${llm.baseUrl}`,
      );
      const workers: WorkerProcess[] = [];
      let failed = false;
      try {
        await run({
          transport,
          ctx,
          db,
          api,
          llm,
          watcher: watcher!,
          spawnWorker: async (extraEnv = {}) => {
            const worker = startWorkerProcess(build.entry, { ...api.env, ...extraEnv }, ctx.progress);
            workers.push(worker);
            await worker.ready;
            return worker;
          },
        });
      } catch (error) {
        failed = true;
        for (const w of workers) ctx.progress(`[${transport}] worker ${w.pid} output (last lines):\n${w.tail()}`);
        throw error;
      } finally {
        // A failed run may leave steps in flight that a clean shutdown would wait for: SIGKILL then.
        await Promise.all(workers.map((w) => (failed ? w.kill() : w.stop()).catch(() => undefined)));
        await api.close().catch((error: Error) => ctx.progress(`[${transport}] closing the API failed: ${error.message}`));
      }
    };

    if (want('force-kill') || want('cancel') || want('pause')) {
      await phase(queuePrefix, async (h) => {
        const worker = await h.spawnWorker(); // the default lease timeout: what a user runs
        ctx.progress(`[${transport}] worker ${worker.pid} ready (default lease timeout); warming up`);
        await warmUp(h);
        if (want('force-kill')) line('force-kill', ...(await withBackground(() => forceKill(h))));
        if (want('cancel')) line('cancel', ...(await withBackground(() => signalLatency(h, 'cancel'))));
        if (want('pause')) line('pause', ...(await withBackground(() => signalLatency(h, 'pause'))));
      });
    }
    if (want('recovery')) {
      await phase(`${queuePrefix}_r`, async (h) => line('recovery', ...(await withBackground(() => recovery(h)))));
    }
  } finally {
    await watcher?.close().catch(() => undefined);
    await llm.close();
    if (transport === 'redis') {
      for (const prefix of prefixes)
        await deleteRedisKeys(prefix).catch((error: Error) => ctx.progress(`[${transport}] Redis cleanup failed: ${error.message}`));
    }
    await db.drop();
    ctx.progress(`[${transport}] done in ${((performance.now() - t0) / 1000).toFixed(1)} s; database dropped`);
  }
}

/**
 * Runs a case after sampling how busy the machine is without it, and adds how busy it was during
 * it: this process (API, fake model, clients; % of one core) and the whole machine (all cores, everyone's).
 */
async function withBackground(run: () => Promise<Record<string, unknown>>): Promise<[Record<string, unknown>, number | null]> {
  const background = await backgroundBusyPct();
  const stop = cpuMeter();
  const figures = await run();
  const cpu = stop();
  return [
    {
      ...figures,
      bench_process_cpu_pct: round((100 * cpu.processCpuMs) / cpu.wallMs, 1),
      machine_cpu_busy_pct: cpu.machineBusyPct === null ? null : round(cpu.machineBusyPct, 1),
    },
    background,
  ];
}

/** The worker's connections, its queue polling and its notification subscription, used once before anything is measured. */
async function warmUp(h: Harness): Promise<void> {
  const ids = await Promise.all(
    Array.from(
      { length: 5 },
      async () =>
        (await h.api.as(runUser()).expect([201], 'POST', '/api/agents', { agent_type: 'steps', input: { steps: 3, step_ms: 0 } })).body
          .id as string,
    ),
  );
  await Promise.all(
    ids.map((id) => h.watcher.waitFor(id, (r) => r.status === 'completed', WAIT_MS, `warm-up execution ${id} to complete`)),
  );
}

// ---------------------------------------------------------------------------------------------
// force-kill

interface InFlight {
  key: string;
  id: string;
  client: ApiClient;
}

/**
 * `code-assistant` runs whose model request hangs after one streamed chunk; with the request in
 * flight, `DELETE /api/agents/:id`. Measured from just before the call: (a) until the response
 * (whose body must say `cancelled`, force-killed: the status is committed before the API answers),
 * (b) until the fake model sees its request closed by the client. KILL_IN_FLIGHT runs are started
 * together and then killed one after another, so kills never overlap; the others sit idle on
 * their open requests meanwhile, as other executions of a worker would.
 */
async function forceKill(h: Harness) {
  h.ctx.progress(
    `[${h.transport}] force-kill: ${KILL_RUNS} runs (+${KILL_WARMUP} warm-up), ${KILL_IN_FLIGHT} model requests in flight at a time, killed one at a time`,
  );
  const commitMs: number[] = [];
  const abortMs: number[] = [];
  const ids: string[] = [];
  let abortsMissing = 0;
  let endedByServer = 0;
  for (let done = 0; done < KILL_WARMUP + KILL_RUNS;) {
    const batch = Math.min(KILL_IN_FLIGHT, KILL_WARMUP + KILL_RUNS - done);
    const runs = await Promise.all(
      Array.from({ length: batch }, async (): Promise<InFlight> => {
        const key = randomUUID();
        const request = h.llm.request(key);
        const client = h.api.as(runUser());
        const res = await client.expect([201], 'POST', '/api/agents', {
          agent_type: 'code-assistant',
          input: { prompt: HangingLlmServer.prompt(key) },
        });
        await within(request.streaming.promise, WAIT_MS, `the model request of execution ${res.body.id}`);
        return { key, id: res.body.id as string, client };
      }),
    );
    for (const run of runs) {
      const request = h.llm.request(run.key);
      const t0 = performance.now();
      const res = await run.client.call('DELETE', `/api/agents/${run.id}`);
      if (res.status !== 200 || res.body?.status !== 'cancelled' || res.body?.metadata?.force_killed !== true) {
        throw new Error(
          `DELETE /api/agents/${run.id} answered ${res.status} ${JSON.stringify(res.body)} (expected 200, cancelled, metadata.force_killed)`,
        );
      }
      let closedAt: number | null = null;
      try {
        const closed = await within(request.closed.promise, 10_000, `the model request of ${run.id} to be aborted`);
        if (!closed.abortedByClient) endedByServer++;
        closedAt = closed.at;
      } catch {
        abortsMissing++;
      }
      if (done >= KILL_WARMUP) {
        commitMs.push(res.at - t0);
        if (closedAt !== null) abortMs.push(closedAt - t0);
        ids.push(run.id);
      }
      h.llm.forget(run.key);
      done++;
    }
    if (done % 40 < KILL_IN_FLIGHT) h.ctx.progress(`[${h.transport}] force-kill: ${done}/${KILL_WARMUP + KILL_RUNS}`);
  }
  // What the killed runs left: all cancelled, no step committed (the step in flight commits nothing).
  const { rows } = await h.db.sql.query<{ not_cancelled: number; steps: number; step_logs: number }>(
    `SELECT count(*) FILTER (WHERE e.status <> 'cancelled')::int AS not_cancelled, coalesce(sum(e.step_count), 0)::int AS steps,
            (SELECT count(*)::int FROM agent_logs l WHERE l.execution_id = ANY($1::uuid[]) AND l.event_type = 'step_completed') AS step_logs
     FROM agent_executions e WHERE e.id = ANY($1::uuid[])`,
    [ids],
  );
  if (rows[0].not_cancelled > 0) throw new Error(`${rows[0].not_cancelled} killed executions are not cancelled in the database`);
  return {
    n: commitMs.length,
    p50_ms: round(percentile(commitMs, 50)),
    p99_ms: round(percentile(commitMs, 99)),
    max_ms: round(Math.max(...commitMs)),
    abort_p50_ms: abortMs.length ? round(percentile(abortMs, 50)) : null,
    abort_p99_ms: abortMs.length ? round(percentile(abortMs, 99)) : null,
    abort_max_ms: abortMs.length ? round(Math.max(...abortMs)) : null,
    target_p99_ms: KILL_TARGET_P99_MS,
    in_flight: KILL_IN_FLIGHT,
    aborts_missing: abortsMissing,
    ended_by_server: endedByServer,
    steps_committed_by_killed_runs: rows[0].steps + rows[0].step_logs,
  };
}

// ---------------------------------------------------------------------------------------------
// cancel, pause

interface SignalSample {
  /** Call → status change seen by the poll, minus the step time remaining at the call. */
  overheadMs: number;
  /** Call → the status change's log row (`created_at`, the database clock), minus the remaining time. */
  overheadByLogMs: number;
  remainingMs: number;
  callMs: number;
  /** Steps committed after the call beyond the one in flight (0 = stopped at the end of the step in flight). */
  extraSteps: number;
  /** Call → the signal row's `created_at` (the database clock): how long the API takes to record the request. */
  recordedMs: number;
  /** Call → `status.changed` received on the execution's SSE stream, minus the remaining time. */
  pushedMs: number;
}

/**
 * A `steps` execution ({ steps: 50, step_ms: 200 }) runs; once its first step is committed the
 * bench waits a uniformly random time within a step and calls `POST /cancel` (resp. `/pause`).
 * Overhead = (call → status change committed) − (time the step in flight still had to run), where
 * the step in flight started at the commit of the previous step (its `step_completed` log row, or
 * the `started` row for the first step): remaining = step_ms − (call − step start), 0 if negative
 * (the call fell into the step's own commit). The step really starts a little after its previous
 * commit's `created_at` (the commit's round trip), so the overhead is overstated by about that.
 */
async function signalLatency(h: Harness, operation: 'cancel' | 'pause') {
  const target = operation === 'cancel' ? 'cancelled' : 'paused';
  h.ctx.progress(
    `[${h.transport}] ${operation}: ${SIGNAL_RUNS} runs (+${SIGNAL_WARMUP} warm-up), ${SIGNAL_LANES} executions at a time, ${STEP_MS} ms steps, status polled every ${POLL_MS} ms`,
  );
  const clock = await calibrateClocks(h.db);
  h.watcher.resetPeriod();
  const samples: SignalSample[] = [];
  let next = 0;
  const lane = async () => {
    while (next < SIGNAL_WARMUP + SIGNAL_RUNS) {
      const i = next++;
      const sample = await signalRun(h, operation, target, clock.wall);
      if (i >= SIGNAL_WARMUP) samples.push(sample);
    }
  };
  await Promise.all(Array.from({ length: SIGNAL_LANES }, lane));
  const overhead = samples.map((s) => s.overheadMs);
  const byLog = samples.map((s) => s.overheadByLogMs);
  // The runs that stopped at the end of the step in flight (a request recorded after that step's commit applies to the next one).
  const onTime = samples.filter((s) => s.extraSteps === 0).map((s) => s.overheadMs);
  return {
    n: samples.length,
    p50_ms: round(percentile(overhead, 50)),
    p99_ms: round(percentile(overhead, 99)),
    max_ms: round(Math.max(...overhead)),
    target_ms: SIGNAL_TARGET_MS,
    log_p50_ms: round(percentile(byLog, 50)),
    log_p99_ms: round(percentile(byLog, 99)),
    sse_p50_ms: round(
      percentile(
        samples.map((s) => s.pushedMs),
        50,
      ),
    ),
    sse_p99_ms: round(
      percentile(
        samples.map((s) => s.pushedMs),
        99,
      ),
    ),
    call_p50_ms: round(
      percentile(
        samples.map((s) => s.callMs),
        50,
      ),
    ),
    call_p99_ms: round(
      percentile(
        samples.map((s) => s.callMs),
        99,
      ),
    ),
    remaining_p50_ms: round(
      percentile(
        samples.map((s) => s.remainingMs),
        50,
      ),
    ),
    late_by_a_step: samples.filter((s) => s.extraSteps > 0).length,
    on_time_p99_ms: onTime.length ? round(percentile(onTime, 99)) : null,
    recorded_p50_ms: round(
      percentile(
        samples.map((s) => s.recordedMs),
        50,
      ),
    ),
    recorded_p99_ms: round(
      percentile(
        samples.map((s) => s.recordedMs),
        99,
      ),
    ),
    step_ms: STEP_MS,
    lanes: SIGNAL_LANES,
    poll_interval_ms: POLL_MS,
    poll_period_ms: h.watcher.periodMs === null ? null : round(h.watcher.periodMs),
    db_clock_offset_ms: round(clock.dbOffsetMs),
  };
}

async function signalRun(h: Harness, operation: 'cancel' | 'pause', target: string, wall: (t: number) => number): Promise<SignalSample> {
  const client = h.api.as(runUser());
  const started = await client.expect([201], 'POST', '/api/agents', {
    agent_type: 'steps',
    input: { steps: SIGNAL_STEPS, step_ms: STEP_MS },
  });
  const id = started.body.id as string;
  // The execution's event stream, live once its `running` status arrived (replayed or pushed).
  const stream = new ExecutionEventStream(h.api.port, client.token, id);
  try {
    await within(stream.opened, WAIT_MS, `the event stream of ${id}`);
    await stream.status('running', WAIT_MS);
    await h.watcher.waitFor(id, (r) => r.step_count >= 1, WAIT_MS, `the first step of ${id}`);
    await sleep(Math.random() * STEP_MS);

    const t0 = performance.now();
    const seen = h.watcher.waitFor(id, (r) => r.status === target, WAIT_MS, `${id} to be ${target}`);
    const pushed = stream.status(target, WAIT_MS);
    const res = await client.call('POST', `/api/agents/${id}/${operation}`, operation === 'cancel' ? {} : undefined);
    if (res.status !== 202 || res.body?.status !== 'running') {
      throw new Error(
        `POST /api/agents/${id}/${operation} answered ${res.status} ${JSON.stringify(res.body)} (expected 202 while running)`,
      );
    }
    const [{ at }, pushedAt] = await Promise.all([seen, pushed]);
    return await analyseSignalRun(h, operation, target, { id, t0, callWall: wall(t0), answeredAt: res.at, seenAt: at, pushedAt });
  } finally {
    stream.close();
    // A paused execution would count against its user's concurrent executions forever: end it (not measured).
    if (operation === 'pause') await client.expect([200], 'DELETE', `/api/agents/${id}`);
  }
}

/** What one call observed, all times performance.now() except `callWall` (the same instant on the wall clock). */
interface SignalObservation {
  id: string;
  t0: number;
  callWall: number;
  /** The API's answer arrived. */
  answeredAt: number;
  /** The poll saw the status committed. */
  seenAt: number;
  /** `status.changed` arrived on the SSE stream. */
  pushedAt: number;
}

/** Places the call in the step it fell into, from the execution's log rows (database clock). */
async function analyseSignalRun(h: Harness, operation: 'cancel' | 'pause', target: string, o: SignalObservation): Promise<SignalSample> {
  const { rows } = await h.db.sql.query<{ event_type: string; step_number: number; ms: number }>(
    `SELECT event_type, step_number, extract(epoch FROM created_at) * 1000 AS ms FROM agent_logs
     WHERE execution_id = $1 AND event_type IN ('started', 'step_completed', $2) ORDER BY id`,
    [o.id, target],
  );
  const logs = rows.map((r) => ({ ...r, ms: Number(r.ms) }));
  const boundary = logs.filter((l) => (l.event_type === 'started' || l.event_type === 'step_completed') && l.ms <= o.callWall).at(-1);
  const statusLog = logs.find((l) => l.event_type === target);
  if (!boundary || !statusLog) throw new Error(`${o.id}: no step boundary before the call, or no '${target}' log`);
  const signal = await h.db.sql.query<{ ms: number }>(
    'SELECT extract(epoch FROM created_at) * 1000 AS ms FROM agent_signals WHERE execution_id = $1 ORDER BY id LIMIT 1',
    [o.id],
  );
  const recordedMs = Number(signal.rows[0].ms) - o.callWall;
  const untilStepEnd = STEP_MS - (o.callWall - boundary.ms);
  const remainingMs = Math.max(0, untilStepEnd);
  const stepsAfterCall = logs.filter((l) => l.event_type === 'step_completed' && l.ms > o.callWall);
  const overheadMs = o.seenAt - o.t0 - remainingMs;
  if (stepsAfterCall.length > 1) {
    h.ctx.progress(
      `[${h.transport}] ${operation} of ${o.id} landed a step late (overhead ${overheadMs.toFixed(1)} ms): called ${untilStepEnd.toFixed(1)} ms before ` +
        `the end of step ${boundary.step_number + 1}, whose commit started ${(stepsAfterCall[0].ms - o.callWall).toFixed(1)} ms after the call; ` +
        `the signal row's statement started ${recordedMs.toFixed(1)} ms after the call (API answered after ${(o.answeredAt - o.t0).toFixed(1)} ms)`,
    );
  }
  return {
    overheadMs,
    overheadByLogMs: statusLog.ms - o.callWall - remainingMs,
    remainingMs,
    callMs: o.answeredAt - o.t0,
    extraSteps: Math.max(0, stepsAfterCall.length - 1),
    recordedMs,
    pushedMs: o.pushedAt - o.t0 - remainingMs,
  };
}

/**
 * Maps performance.now() to wall-clock ms with sub-ms precision (at a Date.now() tick), and checks
 * the database's clock against it (same machine: the same clock, so the offset is ~0).
 */
async function calibrateClocks(db: BenchDatabase): Promise<{ wall: (t: number) => number; dbOffsetMs: number }> {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  const offset = now - performance.now();
  const wall = (t: number) => offset + t;
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const { rows } = await db.sql.query<{ ms: number }>('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms');
    const t1 = performance.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: Number(rows[0].ms) - wall((t0 + t1) / 2) };
  }
  return { wall, dbOffsetMs: best.offset };
}

// ---------------------------------------------------------------------------------------------
// recovery

/**
 * Worker processes with AGENTS_LEASE_TIMEOUT_MS = RECOVERY_LEASE_MS. Two workers are up and ready
 * before a `steps` execution starts (so no worker's boot is part of the figure); once it has
 * committed RECOVERY_KILL_AFTER_STEPS steps, the worker holding its lease (the pid in
 * `lease_owner`) gets SIGKILL at a random point in a step. Measured from the SIGKILL: the
 * execution leased again (lease_epoch above the one at the kill: `started` again) and running
 * again (its first step committed under the new lease). A new worker replaces the killed one
 * before the next run.
 */
async function recovery(h: Harness) {
  const env = { AGENTS_LEASE_TIMEOUT_MS: String(RECOVERY_LEASE_MS) };
  h.ctx.progress(
    `[${h.transport}] recovery: ${RECOVERY_RUNS} runs, lease timeout ${RECOVERY_LEASE_MS} ms, 2 workers, SIGKILL of the one running the execution`,
  );
  const alive = new Map<number, WorkerProcess>();
  const replace = async () => {
    while (alive.size < 2) {
      const worker = await h.spawnWorker(env);
      alive.set(worker.pid, worker);
    }
  };
  const runs: { leaseMs: number; stepMs: number; duplicateSteps: number }[] = [];
  let notRecovered = 0;
  for (let i = 0; i < RECOVERY_RUNS; i++) {
    await replace();
    const client = h.api.as(runUser());
    const id = (
      await client.expect([201], 'POST', '/api/agents', {
        agent_type: 'steps',
        input: { steps: RECOVERY_STEPS, step_ms: RECOVERY_STEP_MS },
      })
    ).body.id as string;
    await h.watcher.waitFor(
      id,
      (r) => r.status === 'running' && r.step_count >= RECOVERY_KILL_AFTER_STEPS,
      WAIT_MS,
      `${id} to run ${RECOVERY_KILL_AFTER_STEPS} steps`,
    );
    await sleep(Math.random() * RECOVERY_STEP_MS);
    const owner = (await h.db.sql.query<{ lease_owner: string | null }>('SELECT lease_owner FROM agent_executions WHERE id = $1', [id]))
      .rows[0].lease_owner;
    // `lease_owner` is `<host>:<pid>:<runner id>`.
    const victim = alive.get(Number(owner?.split(':').at(-2)));
    if (!victim) throw new Error(`${id}: its lease owner '${owner}' is none of the workers ${[...alive.keys()].join(', ')}`);

    const tKill = performance.now();
    await victim.kill();
    alive.delete(victim.pid);
    const atKill = await row(h.db, id);
    if (atKill.status !== 'running' || atKill.step_count >= RECOVERY_STEPS)
      throw new Error(`${id} was not mid-run at the kill: ${JSON.stringify(atKill)}`);
    try {
      const leased = await h.watcher.waitFor(
        id,
        (r) => r.lease_epoch > atKill.lease_epoch && r.status === 'running',
        WAIT_MS,
        `${id} to be leased again`,
      );
      const stepped = await h.watcher.waitFor(
        id,
        (r) => r.lease_epoch > atKill.lease_epoch && r.step_count > atKill.step_count,
        WAIT_MS,
        `${id} to commit a step again`,
      );
      const { rows } = await h.db.sql.query<{ dup: number }>(
        `SELECT (count(*) - count(DISTINCT step_number))::int AS dup FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_completed'`,
        [id],
      );
      runs.push({ leaseMs: leased.at - tKill, stepMs: stepped.at - tKill, duplicateSteps: rows[0].dup });
      h.ctx.progress(
        `[${h.transport}] recovery ${i + 1}/${RECOVERY_RUNS}: worker ${victim.pid} killed at step ${atKill.step_count} (epoch ${atKill.lease_epoch}); ` +
          `leased again after ${Math.round(leased.at - tKill)} ms, step ${stepped.row.step_count} committed after ${Math.round(stepped.at - tKill)} ms`,
      );
    } catch (error) {
      notRecovered++;
      h.ctx.progress(
        `[${h.transport}] recovery ${i + 1}/${RECOVERY_RUNS}: ${(error as Error).message}; row ${JSON.stringify(await row(h.db, id))}`,
      );
    }
    await client.expect([200, 409], 'DELETE', `/api/agents/${id}`);
  }
  await Promise.all([...alive.values()].map((w) => w.stop()));
  const stepMs = runs.map((r) => r.stepMs);
  const leaseMs = runs.map((r) => r.leaseMs);
  const figure = (values: number[], f: (v: number[]) => number, decimals = 1) => (values.length ? round(f(values), decimals) : null);
  return {
    n: runs.length,
    lease_timeout_ms: RECOVERY_LEASE_MS,
    p50_ms: figure(stepMs, (v) => percentile(v, 50)),
    max_ms: figure(stepMs, (v) => Math.max(...v)),
    ratio_p50: figure(stepMs, (v) => percentile(v, 50) / RECOVERY_LEASE_MS, 2),
    ratio_max: figure(stepMs, (v) => Math.max(...v) / RECOVERY_LEASE_MS, 2),
    leased_p50_ms: figure(leaseMs, (v) => percentile(v, 50)),
    leased_max_ms: figure(leaseMs, (v) => Math.max(...v)),
    runs_ms: stepMs.map((v) => round(v, 1)),
    not_recovered: notRecovered,
    duplicate_steps: runs.reduce((a, r) => a + r.duplicateSteps, 0),
    workers: 2,
    step_ms: RECOVERY_STEP_MS,
    poll_interval_ms: POLL_MS,
  };
}

async function row(db: BenchDatabase, id: string): Promise<WatchedRow> {
  const { rows } = await db.sql.query<WatchedRow>('SELECT id, status, step_count, lease_epoch FROM agent_executions WHERE id = $1', [id]);
  return rows[0];
}
