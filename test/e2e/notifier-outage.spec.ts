import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsClient } from '../../client/index.js';
import { ExecutionEventBridge } from '../../src/agent/realtime/execution-event-bridge.js';
import { PUBSUB, type PubSubStateHolder } from '../../src/agent/infrastructure/pubsub.js';
import { oneTo, recorder } from '../support/client-recorder.js';
import { startExampleApp, type ExampleApp } from '../support/example-app.js';
import { freePort } from '../support/free-port.js';
import { readSse } from '../support/sse.js';
import { OwnPostgres } from '../support/own-postgres.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import pg from 'pg';

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** A redis-server of the test's own (the machine's shared one is never stopped), restartable on its port. */
class OwnRedis {
  private child: ChildProcess | null = null;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 200 && !(await answers(this.port)); i++) await new Promise((r) => setTimeout(r, 25));
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

const STEPS = 20;
const STEP_MS = 150;

interface Outage {
  /** ms from the server's restart to the notifier up again, and to the first step committed after it. */
  upAfterMs: number;
  stepAfterMs: number;
}

/**
 * Three `steps` runs followed by the typed client's socket and by SSE; the server goes down for
 * 1.5 s mid-run (`/health` must say 503, naming the notifier) and comes back. Every run must end
 * with its exact steps, and every client must have received every step and every log, by `seq`.
 */
async function runThroughOutage(
  example: ExampleApp,
  db: TestDatabase,
  server: { stop(): Promise<void>; start(): Promise<void> },
  /** What `GET /api/agents` answers while the server is down. */
  listWhileDown: number,
): Promise<Outage> {
  const base = `http://127.0.0.1:${(example.app.getHttpServer().address() as { port: number }).port}`;
  const token = example.token({ userId: 'outage' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const client = new AgentsClient({ baseUrl: base, token: async () => token, socketOptions: { transports: ['websocket'] } });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${base}/api/agents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agent_type: 'steps', input: { steps: STEPS, step_ms: STEP_MS } }),
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  const sockets = ids.map((id) => {
    const r = recorder();
    client.subscribe(id, r.handlers);
    return r;
  });
  const streams = ids.map((id) => readSse(`${base}/api/agents/${id}/stream`, { authorization: `Bearer ${token}` }));
  // A bare socket.io client hears what the dashboard's badge shows: the delivery's state, then `resync`.
  const realtime = (await (await fetch(`${base}/api/agents/realtime-token`, { headers })).json()) as { token: string };
  const notices: string[] = [];
  const raw = io(`${base}/agents`, { auth: { token: realtime.token }, transports: ['websocket'] });
  raw.on('realtime.state', (state: { notifier: string }) => notices.push(state.notifier));
  raw.on('resync', () => notices.push('resync'));
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
  await Promise.all(sockets.map((r) => r.stepCount(3)));

  const bridge = example.app.get(ExecutionEventBridge);
  const backUp = new Promise<number>((resolve) => {
    const stop = bridge.onStateChange((state) => state === 'up' && (stop(), resolve(performance.now())));
  });
  const stepsBefore = sockets.map((r) => r.steps.length);
  await server.stop();
  const notifierHealth = async () => {
    const res = await fetch(`${base}/health`);
    const body = (await res.json()) as { error?: Record<string, { message?: string }> };
    return `${res.status} ${body.error?.notifier?.message ?? ''}`;
  };
  await expect.poll(notifierHealth, { timeout: 10_000 }).toMatch(/^503 .*reconnecting/);
  const list = await fetch(`${base}/api/agents`, { headers });
  expect(list.status).toBe(listWhileDown);
  if (listWhileDown === 503) expect(list.headers.get('retry-after')).toBe('1');
  await new Promise((r) => setTimeout(r, 1500));
  const restarted = performance.now();
  await server.start();
  const upAfterMs = (await backUp) - restarted;
  await Promise.race(sockets.map((r, i) => r.stepCount(stepsBefore[i]! + 1)));
  const stepAfterMs = performance.now() - restarted;
  await expect.poll(async () => (await fetch(`${base}/health`)).status, { timeout: 10_000 }).toBe(200);

  for (const [i, id] of ids.entries()) {
    await sockets[i]!.status((s) => s.status === 'completed');
    const { rows } = await db.sql.query<{ status: string; step_count: number }>(
      'SELECT status, step_count FROM agent_executions WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ status: 'completed', step_count: STEPS });
    expect(sockets[i]!.steps.map((s) => s.step_number)).toEqual(oneTo(STEPS));
    const sse = await streams[i]!;
    const committed = await db.sql.query<{ id: string }>('SELECT id FROM agent_logs WHERE execution_id = $1 ORDER BY id', [id]);
    const seen = new Set(sse.events.filter((e) => e.event === 'log.appended').map((e) => Number(e.id)));
    expect(committed.rows.map((r) => Number(r.id)).filter((seq) => !seen.has(seq))).toEqual([]);
    expect(sse.events.filter((e) => e.event === 'step.completed').map((e) => e.data.step_number)).toEqual(oneTo(STEPS));
    expect(sse.events.at(-1)).toMatchObject({ event: 'finished', data: { status: 'completed' } });
  }
  client.close();
  raw.close();
  expect(notices).toEqual(['reconnecting', 'up', 'resync']);
  return { upAfterMs, stepAfterMs };
}

describe('live updates across a restart of the notifier (Redis)', () => {
  let db: TestDatabase;
  let redis: OwnRedis;
  let example: ExampleApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new OwnRedis(await freePort());
    await redis.start();
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_TRANSPORT: 'redis', REDIS_URL: `redis://127.0.0.1:${redis.port}` });
  }, 60_000);

  afterAll(async () => {
    await example?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('delivers every event to socket and SSE clients, late but none lost; /health goes 503 → 200; every run ends with its exact steps', async () => {
    const { upAfterMs } = await runThroughOutage(example, db, redis, 200);
    console.log(`notifier back ${upAfterMs.toFixed(0)} ms after redis-server restarted; 3 runs × ${STEPS} steps, 0 events lost`);
    expect(upAfterMs).toBeLessThan(2000);
  }, 90_000);

  it('replays to an SSE stream an event the outage lost even when later ones arrive live before the notifier says it is up', async () => {
    // The subscription is back a round trip before the notifier says `up`; what it hears then
    // comes after what the outage lost. Here that window is held open: `reconnecting` is set by
    // hand, an event is committed unannounced, and the run goes on live before `up` is said.
    const status = (example.app.get(PUBSUB) as unknown as { status: PubSubStateHolder }).status;
    const base = `http://127.0.0.1:${(example.app.getHttpServer().address() as { port: number }).port}`;
    const headers = { authorization: `Bearer ${example.token({ userId: 'gap' })}`, 'content-type': 'application/json' };
    const start = await fetch(`${base}/api/agents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agent_type: 'steps', input: { steps: 3, ask_input_at: 1 } }),
    });
    const { id } = (await start.json()) as { id: string };
    const statusOf = async () =>
      (await db.sql.query<{ status: string }>('SELECT status FROM agent_executions WHERE id = $1', [id])).rows[0]!.status;
    await expect.poll(statusOf, { timeout: 10_000 }).toBe('awaiting_input');
    let caughtUp!: () => void;
    const firstStep = new Promise<void>((resolve) => (caughtUp = resolve));
    const stream = readSse(`${base}/api/agents/${id}/stream`, { authorization: headers.authorization }, (e) => {
      if (e.event === 'step.completed') caughtUp();
      return false;
    });
    await firstStep;

    status.set('reconnecting');
    let lost: number;
    try {
      const inserted = await db.sql.query<{ id: string }>(
        `INSERT INTO agent_logs (execution_id, step_number, level, event_type, message) VALUES ($1, 1, 'info', 'app', 'announced while the notifier was down') RETURNING id`,
        [id],
      );
      lost = Number(inserted.rows[0]!.id);
      expect(
        (await fetch(`${base}/api/agents/${id}/input`, { method: 'POST', headers, body: JSON.stringify({ input: 'go on' }) })).status,
      ).toBe(200);
      await expect.poll(statusOf, { timeout: 10_000 }).toBe('completed');
      await new Promise((r) => setTimeout(r, 300)); // the run's last events reach the stream live
    } finally {
      status.set('up');
    }

    const { events } = await stream;
    const committed = await db.sql.query<{ id: string }>('SELECT id FROM agent_logs WHERE execution_id = $1 ORDER BY id', [id]);
    const sent = events.filter((e) => e.event === 'log.appended').map((e) => Number(e.id));
    expect(sent).toContain(lost);
    expect(sent).toEqual(committed.rows.map((r) => Number(r.id)));
    expect(events.at(-1)).toMatchObject({ event: 'finished', data: { status: 'completed' } });
  }, 30_000);
});

describe('runs and live updates across a restart of PostgreSQL (the truth and the notifier)', () => {
  let server: OwnPostgres;
  let db: TestDatabase;
  let example: ExampleApp;

  beforeAll(async () => {
    server = await OwnPostgres.create();
    const url = await server.createDatabase('agents_outage');
    const sql = new pg.Pool({ connectionString: url, max: 2 });
    sql.on('error', () => undefined);
    db = { name: 'agents_outage', url, sql, drop: async () => void (await sql.end()) };
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_TRANSPORT: 'postgres' });
  }, 120_000);

  afterAll(async () => {
    await example?.close().catch(() => undefined);
    await db?.drop();
    await server?.destroy();
  });

  it('finishes every run with its exact steps and delivers every event, resuming within seconds of the database coming back', async () => {
    const { upAfterMs, stepAfterMs } = await runThroughOutage(example, db, server, 503);
    console.log(
      `PostgreSQL restarted: notifier back after ${upAfterMs.toFixed(0)} ms, next step committed after ${stepAfterMs.toFixed(0)} ms; 3 runs × ${STEPS} steps, 0 events lost`,
    );
    expect(upAfterMs).toBeLessThan(2000);
    // The workers retried their commits under their leases, instead of waiting for the leases to expire.
    expect(stepAfterMs).toBeLessThan(2000 + STEP_MS);
  }, 120_000);
});
