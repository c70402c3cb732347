import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Server as IoServer } from 'socket.io';
import type { Transport } from 'nestjs-agents';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct, cpuMeter } from './support/cpu.js';
import { redisUrl, uniqueName } from './support/env.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { REALTIME_TENANT, startApiNode, type ApiNode } from './support/realtime-host.js';
import { FLOOD_SEQ_BASE, SocketClients, stepBatch, type Received } from './support/socket-clients.js';
import { median, percentile, round } from './support/stats.js';
import { calibrate, databaseClockOffsetMs, wallNow } from './support/wall-clock.js';
import { snapshotWorkerBuild, startWorkerProcess, type WorkerBuild, type WorkerProcess } from './support/worker-process.js';

/**
 * Live updates as clients see them. The API node is the example app in this process (`createApp`,
 * `AGENTS_WORKERS=off`, listening on localhost, demo JWTs of tier `pro`; no user exceeds the
 * tier's limits); the executions (demo agent `steps`) run in a worker child process
 * (`node dist/src/worker.js` from a snapshot of this run's build; default worker concurrency: 10
 * on `agents-default`); the Socket.IO clients (socket.io-client, websocket transport, realtime
 * tokens from `GET /api/agents/realtime-token`) run in another child process, so their work does
 * not share the API node's event loop.
 *
 * Latency is measured from the commit: every `step.completed` carries `seq`, the id of its
 * `step_completed` log row; that row's `created_at` (microseconds, PostgreSQL's clock = this
 * machine's clock) is when the commit statement started, and the client's listener stamps the
 * arrival on the same clock (sub-ms, calibrated at a `Date.now()` tick; `db_clock_offset_ms`
 * checks the two clocks agree). The figures therefore include the commit statement itself.
 *
 * - `step-latency`: one client, LATENCY_RUNS × LATENCY_STEPS steps of LATENCY_STEP_MS, one run at
 *   a time: p50/p99 of commit → callback. Floor: the same hop without the library (a message of
 *   the bridge's shape over the raw transport → a bare Socket.IO server → the same client process).
 * - `fan-out`: FANOUT_SOCKETS sockets of one user (the gateway joins them to the user's room), one
 *   run of FANOUT_STEPS steps: per event, commit → first / median / last socket. Floor: a bare
 *   Socket.IO server broadcasting the same events to the same number of sockets.
 * - `throughput`: THROUGHPUT_EXECUTIONS runs of 0-ms steps, each by its own user with one
 *   subscribed socket: events/s delivered against events/s produced (log rows), completeness,
 *   delivery lag, and where a lag builds (a bystander subscribed to the bridge's channel sees
 *   when messages leave the transport). Ceiling: synthetic step batches published on the
 *   bridge's channel by another process as fast as it can, to the same sockets.
 */
const NAME = 'realtime';
const CASES = ['step-latency', 'fan-out', 'throughput'] as const;
type Case = (typeof CASES)[number];

const LATENCY_RUNS = 3;
const LATENCY_STEPS = 100;
const LATENCY_STEP_MS = 10;
const LATENCY_TARGET_P99_MS = 20;

const FANOUT_SOCKETS = 1_000;
const FANOUT_STEPS = 8;
const FANOUT_STEP_MS = 300;

const THROUGHPUT_EXECUTIONS = 50;
const THROUGHPUT_STEPS = 200;
/** The API node's ceiling: synthetic step batches published on the bridge's channel, for at most this long ... */
const FLOOD_MS = 3_000;
/**
 * ... and at most this many messages (40,000 events, ~14 MB): Redis disconnects a subscriber whose
 * unread messages pass 32 MB (client-output-buffer-limit pubsub), so an unbounded burst would
 * measure lost messages instead of the API node.
 */
const FLOOD_MAX_MESSAGES = 2_500;
const FLOOD_IN_FLIGHT = 32;
/** Steps per synthetic message (16 events, ~5.5 KB): the bridge batches a tick's events into one message of up to 7,000 bytes. */
const FLOOD_STEPS_PER_MESSAGE = 8;

const WAIT_MS = 180_000;
const TERMINAL = ['completed', 'failed', 'cancelled'];

export const realtime: Benchmark = {
  name: NAME,
  description: 'commit → Socket.IO client latency, fan-out to 1,000 sockets, events/s of one API node (workers in a child process)',
  cases: CASES,
  run: async (ctx) => {
    for (const transport of ctx.transports) await runTransport(transport, ctx);
  },
};

interface Harness {
  transport: Transport;
  ctx: BenchContext;
  db: BenchDatabase;
  queuePrefix: string;
  api: ApiNode;
  clients: SocketClients;
  /** Another process of the same kind, that publishes synthetic events (throughput ceiling). */
  publisher: SocketClients;
  log(message: string): void;
}

async function runTransport(transport: Transport, ctx: BenchContext): Promise<void> {
  const want = (c: Case) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const log = (m: string) => ctx.progress(`[${transport}] ${m}`);
  const line = (c: Case, figures: Record<string, unknown>, background: number | null) =>
    ctx.emit({ bench: NAME, transport, case: c, ...figures, background_cpu_busy_pct: background === null ? null : round(background, 1) });
  const t0 = performance.now();
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  log(`database ${db.name}, queue prefix ${queuePrefix}`);
  let api: ApiNode | undefined;
  let build: WorkerBuild | undefined;
  let worker: WorkerProcess | undefined;
  let clients: SocketClients | undefined;
  let publisher: SocketClients | undefined;
  try {
    // Every child starts now, from this run's build: on a shared checkout `dist` may be rebuilt meanwhile.
    build = await snapshotWorkerBuild();
    api = await startApiNode({ transport, databaseUrl: db.url, queuePrefix });
    worker = startWorkerProcess(build.entry, api.env, (l) => ctx.progress(l));
    [clients, publisher] = await Promise.all([SocketClients.start(), SocketClients.start()]);
    await worker.ready;
    log(
      `API node on port ${api.port}, worker process ${worker.pid}, socket clients process ${clients.pid}, publisher process ${publisher.pid}; warming up`,
    );
    const h: Harness = { transport, ctx, db, queuePrefix, api, clients, publisher, log };
    await warmUp(h);

    if (want('step-latency')) {
      const background = await backgroundBusyPct();
      line('step-latency', await stepLatency(h), background);
    }
    if (want('fan-out')) {
      const background = await backgroundBusyPct();
      line('fan-out', await fanOut(h), background);
    }
    if (want('throughput')) {
      const background = await backgroundBusyPct();
      line('throughput', await throughput(h), background);
    }
  } finally {
    await clients?.close().catch((error: Error) => log(`closing the socket clients failed: ${error.message}`));
    await publisher?.close().catch((error: Error) => log(`closing the publisher failed: ${error.message}`));
    await worker?.stop().catch((error: Error) => log(`stopping the worker failed: ${error.message}`));
    await api?.close().catch((error: Error) => log(`closing the API node failed: ${error.message}`));
    await build?.remove().catch(() => undefined);
    if (transport === 'redis') await deleteRedisKeys(queuePrefix).catch((error: Error) => log(`Redis cleanup failed: ${error.message}`));
    await db.drop();
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; database dropped`);
  }
}

async function warmUp(h: Harness): Promise<void> {
  const token = await h.api.realtimeToken('warm');
  await h.clients.connect({ group: 'warm', url: h.api.socketUrl, tokens: [token], count: 1 });
  for (let i = 0; i < 3; i++) {
    const id = await h.api.startSteps('warm', { steps: 30, step_ms: 0 });
    await h.clients.waitStatus('warm', [id], TERMINAL, WAIT_MS);
  }
  await h.clients.disconnect('warm');
}

/** Between consecutive step commits of an execution (created_at of its step_completed logs): step time + the loop's own cost. */
async function stepIntervals(db: BenchDatabase, ids: string[]): Promise<number[]> {
  const { rows } = await db.sql.query<{ ms: string }>(
    `SELECT (extract(epoch FROM created_at - lag(created_at) OVER (PARTITION BY execution_id ORDER BY id)) * 1000)::text AS ms
     FROM agent_logs WHERE execution_id = ANY($1::uuid[]) AND event_type = 'step_completed'`,
    [ids],
  );
  return rows.filter((r) => r.ms !== null).map((r) => Number(r.ms));
}

/** Log row id → created_at as wall-clock ms (microsecond precision). */
async function createdAt(db: BenchDatabase, seqs: number[]): Promise<Map<number, number>> {
  const unique = [...new Set(seqs.filter((s) => s > 0))];
  const { rows } = await db.sql.query<{ id: string; ms: string }>(
    `SELECT id::text, (extract(epoch FROM created_at) * 1000)::text AS ms FROM agent_logs WHERE id = ANY($1::bigint[])`,
    [unique],
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.ms)]));
}

async function statusesOf(db: BenchDatabase, ids: string[]): Promise<Record<string, number>> {
  const { rows } = await db.sql.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM agent_executions WHERE id = ANY($1::uuid[]) GROUP BY 1',
    [ids],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

function assertAllCompleted(statuses: Record<string, number>, n: number, what: string): void {
  if ((statuses.completed ?? 0) !== n) throw new Error(`${what}: expected ${n} completed executions, found ${JSON.stringify(statuses)}`);
}

/**
 * One subscribed client; LATENCY_RUNS executions of LATENCY_STEPS steps of LATENCY_STEP_MS, one
 * at a time. Per `step.completed`: arrival − its log row's created_at. Floor: the same hop without
 * the library, in the same run: a message shaped like the bridge's published on the transport
 * (Redis PUBLISH / pg_notify) → a bare Socket.IO server subscribed to it emits its events → the
 * same client process; publish call → arrival.
 */
async function stepLatency(h: Harness) {
  const { api, clients, db } = h;
  const token = await api.realtimeToken('lat');
  await clients.connect({ group: 'lat', url: api.socketUrl, tokens: [token], count: 1 });
  calibrate();
  await clients.reset();
  const clock = await databaseClockOffsetMs(db.sql);
  h.log(
    `step-latency: ${LATENCY_RUNS} × ${LATENCY_STEPS} steps of ${LATENCY_STEP_MS} ms, one client (database clock offset ${round(clock.offsetMs, 3)} ms)`,
  );
  const ids: string[] = [];
  for (let r = 0; r < LATENCY_RUNS; r++) {
    const id = await api.startSteps('lat', { steps: LATENCY_STEPS, step_ms: LATENCY_STEP_MS });
    await clients.waitStatus('lat', [id], TERMINAL, WAIT_MS);
    ids.push(id);
  }
  assertAllCompleted(await statusesOf(db, ids), LATENCY_RUNS, 'step-latency');
  const rec = await clients.collect('lat', ['step.completed']);
  await clients.disconnect('lat');
  const committed = await createdAt(db, rec.seq);
  const latencies: number[] = [];
  for (let i = 0; i < rec.seq.length; i++) {
    const c = committed.get(rec.seq[i]);
    if (c !== undefined && ids.includes(rec.executionId[i])) latencies.push(rec.at[i] - c);
  }
  const expected = LATENCY_RUNS * LATENCY_STEPS;
  const deciles = [10, 25, 50, 75, 90, 95, 99].map((p) => `p${p}=${round(percentile(latencies, p), 1)}`).join(' ');
  const intervals = await stepIntervals(db, ids);
  h.log(`step-latency: ${deciles} ms; commit-to-commit interval p50 ${round(median(intervals), 1)} ms for ${LATENCY_STEP_MS} ms steps`);

  h.log(
    `step-latency floor: ${expected} messages over raw ${h.transport === 'redis' ? 'Redis PUBLISH' : 'pg_notify'} → bare Socket.IO → client`,
  );
  const floor = await latencyFloor(h, expected, LATENCY_STEP_MS);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return {
    method: 'client arrival − created_at of the step_completed log row (commit statement start), same machine clock',
    samples: latencies.length,
    missing: expected - latencies.length,
    step_ms: LATENCY_STEP_MS,
    p50_ms: round(p50),
    p99_ms: round(p99),
    max_ms: round(Math.max(...latencies)),
    target_p99_ms: LATENCY_TARGET_P99_MS,
    floor_p50_ms: round(floor.p50),
    floor_p99_ms: round(floor.p99),
    ratio_p50: round(p50 / floor.p50, 2),
    ratio_p99: round(p99 / floor.p99, 2),
    step_interval_p50_ms: round(median(intervals), 3),
    db_clock_offset_ms: round(clock.offsetMs, 3),
    db_clock_rtt_ms: round(clock.rttMs, 3),
  };
}

/** A bare Socket.IO server (namespace `/floor`, no auth) on its own port in this process. */
async function bareSocketServer(): Promise<{ io: IoServer; url: string; close(): Promise<void> }> {
  const http: HttpServer = createServer();
  const io = new IoServer(http, { cors: { origin: true } });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  io.of('/floor').on('connection', (socket) => void socket.join('all'));
  return {
    io,
    url: `http://127.0.0.1:${port}/floor`,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}

/** The transport's raw pub/sub: a subscriber and a publisher connection of its own. */
async function rawPubSub(
  h: Harness,
  channel: string,
  onMessage: (message: string) => void,
): Promise<{ publish(message: string): Promise<unknown>; close(): Promise<void> }> {
  if (h.transport === 'redis') {
    const sub = new Redis(redisUrl());
    const pub = new Redis(redisUrl());
    sub.on('message', (_c: string, m: string) => onMessage(m));
    await sub.subscribe(channel);
    return { publish: (m) => pub.publish(channel, m), close: async () => void (await Promise.all([sub.quit(), pub.quit()])) };
  }
  const sub = new pg.Client({ connectionString: h.db.url, application_name: 'nestjs-agents-bench-floor' });
  const pub = new pg.Client({ connectionString: h.db.url, application_name: 'nestjs-agents-bench-floor' });
  await Promise.all([sub.connect(), pub.connect()]);
  sub.on('notification', (n) => n.payload !== undefined && onMessage(n.payload));
  await sub.query(`LISTEN "${channel}"`);
  return {
    publish: (m) => pub.query('SELECT pg_notify($1, $2)', [channel, m]),
    close: async () => void (await Promise.all([sub.end(), pub.end()])),
  };
}

async function latencyFloor(h: Harness, samples: number, gapMs: number): Promise<{ p50: number; p99: number }> {
  const server = await bareSocketServer();
  const channel = `${h.queuePrefix}_floor`;
  const nsp = server.io.of('/floor');
  const pubsub = await rawPubSub(h, channel, (message) => {
    for (const e of JSON.parse(message) as { event: string; payload: unknown }[]) nsp.to('all').emit(e.event, e.payload);
  });
  try {
    await h.clients.connect({ group: 'floor', url: server.url, tokens: [], count: 1 });
    for (let i = 0; i < 20; i++) await pubsub.publish(stepBatch(REALTIME_TENANT, 'floor', 'floor', 1e9 + i, i)); // warm
    await waitForCount(h.clients, 'floor', 40, 10_000);
    await h.clients.collect('floor');
    calibrate();
    await h.clients.reset();
    const sentAt = new Map<number, number>();
    for (let i = 1; i <= samples; i++) {
      sentAt.set(i, wallNow());
      await pubsub.publish(stepBatch(REALTIME_TENANT, 'floor', 'floor', i, i));
      await sleep(gapMs);
    }
    await waitForCount(h.clients, 'floor', 2 * samples, 10_000);
    const rec = await h.clients.collect('floor', ['step.completed']);
    const latencies = rec.seq.map((seq, i) => rec.at[i] - sentAt.get(seq)!).filter((v) => Number.isFinite(v));
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await h.clients.disconnect('floor');
    await pubsub.close();
    await server.close();
  }
}

async function waitForCount(clients: SocketClients, group: string, n: number, timeoutMs: number): Promise<number> {
  const end = performance.now() + timeoutMs;
  let count: number;
  while ((count = await clients.count(group)) < n) {
    if (performance.now() > end) throw new Error(`${group}: ${count} of ${n} events arrived within ${timeoutMs} ms`);
    await sleep(20);
  }
  return count;
}

/** Per seq, the arrival times of one event name across sockets. */
function arrivalsBySeq(rec: Received): Map<number, number[]> {
  const bySeq = new Map<number, number[]>();
  for (let i = 0; i < rec.seq.length; i++) {
    let list = bySeq.get(rec.seq[i]);
    if (!list) bySeq.set(rec.seq[i], (list = []));
    list.push(rec.at[i]);
  }
  return bySeq;
}

/**
 * FANOUT_SOCKETS sockets of one user (all in the user's room, as the gateway puts them) and one
 * execution of FANOUT_STEPS steps: per `step.completed`, commit → first / median / last socket.
 * Floor: the same sockets' process connected to a bare Socket.IO server in this process, which
 * emits the same two events per step to all of them: emit → first / median / last socket.
 */
async function fanOut(h: Harness) {
  const { api, clients, db } = h;
  const token = await api.realtimeToken('fan');
  h.log(`fan-out: connecting ${FANOUT_SOCKETS} sockets of one user`);
  const connectMs = await clients.connect({ group: 'fan', url: api.socketUrl, tokens: [token], count: FANOUT_SOCKETS, parallel: 50 });
  await sleep(500);
  calibrate();
  await clients.reset();
  h.log(
    `fan-out: 1 execution × ${FANOUT_STEPS} steps of ${FANOUT_STEP_MS} ms to ${FANOUT_SOCKETS} sockets (connected in ${round(connectMs, 0)} ms)`,
  );
  const cpu = cpuMeter();
  const id = await api.startSteps('fan', { steps: FANOUT_STEPS, step_ms: FANOUT_STEP_MS });
  await clients.waitStatus('fan', [id], TERMINAL, WAIT_MS);
  const apiCpu = cpu();
  await sleep(200); // the last socket's copy of the final events
  assertAllCompleted(await statusesOf(db, [id]), 1, 'fan-out');
  const rec = await clients.collect('fan', ['step.completed']);
  await clients.disconnect('fan');
  const committed = await createdAt(db, rec.seq);
  const perEvent = [...arrivalsBySeq(rec)].map(([seq, ats]) => {
    const c = committed.get(seq)!;
    const sorted = ats.map((a) => a - c).sort((a, b) => a - b);
    return { received: sorted.length, first: sorted[0], median: median(sorted), last: sorted[sorted.length - 1] };
  });
  const incomplete = perEvent.filter((e) => e.received !== FANOUT_SOCKETS).length;

  h.log(`fan-out floor: bare Socket.IO broadcast of the same events to ${FANOUT_SOCKETS} sockets`);
  const floor = await fanOutFloor(h);
  const lastP50 = median(perEvent.map((e) => e.last));
  const spreadP50 = median(perEvent.map((e) => e.last - e.first));
  return {
    method: 'per step.completed: client arrival − created_at of its step_completed log row; floor: bare Socket.IO emit → arrival',
    sockets: FANOUT_SOCKETS,
    events: perEvent.length,
    events_short_of_all_sockets: incomplete,
    all_sockets_p50_ms: round(lastP50),
    all_sockets_max_ms: round(Math.max(...perEvent.map((e) => e.last))),
    median_socket_p50_ms: round(median(perEvent.map((e) => e.median))),
    first_socket_p50_ms: round(median(perEvent.map((e) => e.first))),
    spread_p50_ms: round(spreadP50),
    floor_all_sockets_p50_ms: round(floor.lastP50),
    floor_all_sockets_max_ms: round(floor.lastMax),
    floor_spread_p50_ms: round(floor.spreadP50),
    ratio_all_sockets: round(lastP50 / floor.lastP50, 2),
    ratio_spread: round(spreadP50 / floor.spreadP50, 2),
    connect_ms: round(connectMs, 0),
    api_cpu_pct: round((100 * apiCpu.processCpuMs) / apiCpu.wallMs, 1),
  };
}

async function fanOutFloor(h: Harness): Promise<{ lastP50: number; lastMax: number; spreadP50: number }> {
  const server = await bareSocketServer();
  const nsp = server.io.of('/floor');
  const emitBatch = (seq: number) => {
    for (const e of JSON.parse(stepBatch(REALTIME_TENANT, 'fan', 'floor', seq, seq)) as { event: string; payload: unknown }[])
      nsp.to('all').emit(e.event, e.payload);
  };
  try {
    await h.clients.connect({ group: 'fanfloor', url: server.url, tokens: [], count: FANOUT_SOCKETS, parallel: 50 });
    await sleep(500);
    emitBatch(1e9); // warm
    await waitForCount(h.clients, 'fanfloor', 2 * FANOUT_SOCKETS, 10_000);
    await h.clients.collect('fanfloor');
    calibrate();
    await h.clients.reset();
    const sentAt = new Map<number, number>();
    for (let i = 1; i <= FANOUT_STEPS; i++) {
      sentAt.set(i, wallNow());
      emitBatch(i);
      await sleep(FANOUT_STEP_MS);
    }
    await waitForCount(h.clients, 'fanfloor', 2 * FANOUT_SOCKETS * FANOUT_STEPS, 10_000);
    const rec = await h.clients.collect('fanfloor', ['step.completed']);
    const perEvent = [...arrivalsBySeq(rec)].map(([seq, ats]) => {
      const s = sentAt.get(seq)!;
      const sorted = ats.map((a) => a - s).sort((a, b) => a - b);
      return { first: sorted[0], last: sorted[sorted.length - 1] };
    });
    return {
      lastP50: median(perEvent.map((e) => e.last)),
      lastMax: Math.max(...perEvent.map((e) => e.last)),
      spreadP50: median(perEvent.map((e) => e.last - e.first)),
    };
  } finally {
    await h.clients.disconnect('fanfloor');
    await server.close();
  }
}

/**
 * THROUGHPUT_EXECUTIONS executions of THROUGHPUT_STEPS 0-ms steps, each started by its own user
 * whose one socket subscribes to it (so each socket receives exactly its execution's events).
 * Delivered events/s at the clients, against what the worker produced (log rows in the database),
 * the delivery lag under that load, and the API node's CPU per event. Then the API node's own
 * ceiling: another child process publishes synthetic step batches (shaped like the bridge's) on the
 * bridge's channel as fast as it can for FLOOD_MS, to the same 50 users' sockets.
 */
async function throughput(h: Harness) {
  const { api, clients, db } = h;
  const users = Array.from({ length: THROUGHPUT_EXECUTIONS }, (_, i) => `tp-${i}`);
  const tokens = await Promise.all(users.map((u) => api.realtimeToken(u)));
  await clients.connect({ group: 'tp', url: api.socketUrl, tokens, count: users.length });
  await sleep(300);
  calibrate();
  await clients.reset();
  h.log(`throughput: ${THROUGHPUT_EXECUTIONS} executions × ${THROUGHPUT_STEPS} steps of 0 ms, one subscribed socket each`);
  // A bystander on the bridge's channel (its own connection, in this process): when each step's
  // message left the transport, so a lag can be placed before or after the API node.
  const onBus = new Map<number, number>();
  let busMessages = 0;
  let busEvents = 0;
  const bus = await rawPubSub(h, `${h.queuePrefix}_events`, (message) => {
    const at = wallNow();
    const events = JSON.parse(message) as { event: string; seq: number }[];
    busMessages++;
    busEvents += events.length;
    for (const e of events) if (e.event === 'step.completed') onBus.set(e.seq, at);
  });
  const cpu = cpuMeter();
  const ids = await Promise.all(users.map((u) => api.startSteps(u, { steps: THROUGHPUT_STEPS, step_ms: 0 })));
  const acks = await Promise.all(ids.map((id, i) => clients.subscribe('tp', i, id)));
  const refused = acks.filter((a) => !a.ok);
  if (refused.length > 0) throw new Error(`subscribe refused: ${JSON.stringify(refused[0])}`);
  await clients.waitStatus('tp', ids, TERMINAL, WAIT_MS);
  await sleep(300); // stragglers after the last status
  const apiCpu = cpu();
  await bus.close();
  assertAllCompleted(await statusesOf(db, ids), ids.length, 'throughput');
  const rec = await clients.collect('tp');

  const { rows } = await db.sql.query<{ logs: number; steps: number; statuses: number; first_ms: string; last_ms: string }>(
    `SELECT count(*)::int AS logs,
            count(*) FILTER (WHERE event_type = 'step_completed')::int AS steps,
            count(*) FILTER (WHERE context ? 'status')::int AS statuses,
            (extract(epoch FROM min(created_at)) * 1000)::text AS first_ms,
            (extract(epoch FROM max(created_at)) * 1000)::text AS last_ms
     FROM agent_logs WHERE execution_id = ANY($1::uuid[])`,
    [ids],
  );
  const produced = rows[0];
  const expected = produced.logs + produced.steps + produced.statuses;
  const mine = new Set(ids);
  const keys = new Set<string>();
  let duplicates = 0;
  let foreign = 0;
  const arrivals: number[] = [];
  for (let i = 0; i < rec.event.length; i++) {
    if (!mine.has(rec.executionId[i]) || rec.executionId[i] !== ids[rec.socket[i]]) {
      foreign++;
      continue;
    }
    const key = `${rec.socket[i]}|${rec.event[i]}|${rec.seq[i]}|${rec.status[i] ?? ''}`;
    if (keys.has(key)) duplicates++;
    keys.add(key);
    arrivals.push(rec.at[i]);
  }
  arrivals.sort((a, b) => a - b);
  const delivered = arrivals.length;
  const windowMs = arrivals[delivered - 1] - arrivals[0];
  const lo = Math.floor(delivered * 0.1);
  const hi = Math.floor(delivered * 0.9);
  const steadyRate = (hi - lo) / ((arrivals[hi] - arrivals[lo]) / 1000);
  const stepRec: Received = { socket: [], event: [], seq: [], executionId: [], at: [], status: [] };
  for (let i = 0; i < rec.event.length; i++) {
    if (rec.event[i] !== 'step.completed') continue;
    stepRec.seq.push(rec.seq[i]);
    stepRec.at.push(rec.at[i]);
  }
  const committed = await createdAt(db, stepRec.seq);
  const lags = stepRec.seq.map((seq, i) => stepRec.at[i] - committed.get(seq)!).filter((v) => Number.isFinite(v));
  const busLags = stepRec.seq.map((seq) => (onBus.get(seq) ?? Number.NaN) - committed.get(seq)!).filter((v) => Number.isFinite(v));
  // In commit order: a lag that grows from the first fifth to the last is a backlog building up.
  const byCommit = stepRec.seq
    .map((seq, i) => ({ c: committed.get(seq)!, lag: stepRec.at[i] - committed.get(seq)! }))
    .filter((x) => Number.isFinite(x.lag))
    .sort((a, b) => a.c - b.c);
  const fifth = Math.max(1, Math.floor(byCommit.length / 5));
  const lagFirstFifth = median(byCommit.slice(0, fifth).map((x) => x.lag));
  const lagLastFifth = median(byCommit.slice(-fifth).map((x) => x.lag));
  const producedMs = Number(produced.last_ms) - Number(produced.first_ms);
  const deliveredRate = delivered / (windowMs / 1000);

  h.log(
    `throughput ceiling: synthetic step batches on the bridge channel, up to ${FLOOD_MAX_MESSAGES} messages within ${FLOOD_MS} ms (${FLOOD_STEPS_PER_MESSAGE} steps per message, ${FLOOD_IN_FLIGHT} publishes in flight, from another process)`,
  );
  const ceiling = await floodCeiling(h, users);
  await clients.disconnect('tp');
  return {
    executions: THROUGHPUT_EXECUTIONS,
    steps: THROUGHPUT_STEPS,
    events_delivered: delivered,
    events_expected: expected,
    events_lost: expected - (delivered - duplicates),
    events_duplicated: duplicates,
    events_foreign: foreign,
    events_per_s: round(deliveredRate, 0),
    steady_events_per_s: round(steadyRate, 0),
    produced_events_per_s: round(expected / (producedMs / 1000), 0),
    delivery_lag_p50_ms: round(percentile(lags, 50)),
    delivery_lag_p99_ms: round(percentile(lags, 99)),
    delivery_lag_max_ms: round(Math.max(...lags)),
    transport_lag_p50_ms: round(percentile(busLags, 50)),
    transport_lag_p99_ms: round(percentile(busLags, 99)),
    transport_messages: busMessages,
    transport_events_per_message: round(busEvents / Math.max(1, busMessages), 2),
    delivery_lag_p50_first_fifth_ms: round(lagFirstFifth),
    delivery_lag_p50_last_fifth_ms: round(lagLastFifth),
    api_cpu_pct: round((100 * apiCpu.processCpuMs) / apiCpu.wallMs, 1),
    api_cpu_us_per_event: round((1000 * apiCpu.processCpuMs) / delivered, 1),
    machine_cpu_busy_pct: apiCpu.machineBusyPct === null ? null : round(apiCpu.machineBusyPct, 1),
    worker_concurrency: 10,
    ceiling_events_per_s: round(ceiling.deliveredRate, 0),
    ceiling_offered_events_per_s: round(ceiling.offeredRate, 0),
    ceiling_events_published: ceiling.published,
    ceiling_delivered_share: round(ceiling.deliveredShare, 3),
    ceiling_api_cpu_pct: round(ceiling.apiCpuPct, 1),
    ceiling_api_cpu_us_per_event: round(ceiling.apiCpuUsPerEvent, 1),
    // Extrapolated: one core's worth of the API process's CPU at the CPU it spent per event.
    ceiling_api_events_per_core_s: round(1e6 / ceiling.apiCpuUsPerEvent, 0),
    ceiling_clients_cpu_pct: ceiling.clientsCpuPct === null ? null : round(ceiling.clientsCpuPct, 1),
    ceiling_publisher_cpu_pct: ceiling.flooderCpuPct === null ? null : round(ceiling.flooderCpuPct, 1),
    ceiling_machine_cpu_busy_pct: ceiling.machineBusyPct === null ? null : round(ceiling.machineBusyPct, 1),
    ceiling_backlogged: ceiling.backlogged,
    ceiling_steps_per_message: FLOOD_STEPS_PER_MESSAGE,
    ratio_to_ceiling: round(deliveredRate / ceiling.deliveredRate, 2),
  };
}

/** CPU of another process on this machine (/proc), as a share of one core over `wallMs`; null off Linux. */
function processCpuMeter(pid: number): (wallMs: number) => number | null {
  const ticks = () => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (CLK_TCK = 100)
    } catch {
      return null;
    }
  };
  const t0 = ticks();
  return (wallMs) => {
    const t1 = ticks();
    return t0 === null || t1 === null ? null : (100 * (t1 - t0) * 10) / wallMs;
  };
}

async function floodCeiling(h: Harness, users: string[]) {
  const flooder = h.publisher;
  calibrate();
  await Promise.all([h.clients.reset(), flooder.reset()]);
  await h.clients.collect('tp');
  const cpu = cpuMeter();
  const clientsCpu = processCpuMeter(h.clients.pid);
  const flooderCpu = processCpuMeter(flooder.pid);
  const result = await flooder.flood({
    transport: h.transport,
    redisUrl: redisUrl(),
    databaseUrl: h.db.url,
    channel: `${h.queuePrefix}_events`,
    tenantId: REALTIME_TENANT,
    users,
    durationMs: FLOOD_MS,
    inFlight: FLOOD_IN_FLIGHT,
    stepsPerMessage: FLOOD_STEPS_PER_MESSAGE,
    maxMessages: FLOOD_MAX_MESSAGES,
  });
  // Until everything published has arrived, or nothing more arrives for a second.
  let last = -1;
  let count: number;
  let quietSince = performance.now();
  const end = performance.now() + 60_000;
  while ((count = await h.clients.count('tp')) < result.events && performance.now() < end) {
    if (count !== last) {
      last = count;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > 1_000) break;
    await sleep(50);
  }
  const reading = cpu();
  const clientsPct = clientsCpu(reading.wallMs);
  const flooderPct = flooderCpu(reading.wallMs);
  const rec = await h.clients.collect('tp');
  const at = rec.at.filter((_, i) => rec.seq[i] >= FLOOD_SEQ_BASE).sort((a, b) => a - b);
  const deliveredRate = at.length / ((at[at.length - 1] - at[0]) / 1000);
  const offeredRate = result.events / ((result.endedAt - result.startedAt) / 1000);
  return {
    published: result.events,
    deliveredRate,
    offeredRate,
    deliveredShare: at.length / result.events,
    apiCpuPct: (100 * reading.processCpuMs) / reading.wallMs,
    apiCpuUsPerEvent: (1000 * reading.processCpuMs) / at.length,
    clientsCpuPct: clientsPct,
    flooderCpuPct: flooderPct,
    machineBusyPct: reading.machineBusyPct,
    // Backlogged: events were delivered clearly slower than they were offered.
    backlogged: deliveredRate < 0.9 * offeredRate,
  };
}
