import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEnv, startExampleApp, type ExampleApp, type HttpPlatform } from '../support/example-app.js';
import { readSse } from '../support/sse.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTransport, type TestTransport, type TransportServers } from '../support/test-transports.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the assertions read payload fields at any depth
type Received = { event: string; payload: Record<string, any> };

/**
 * Each transport's two API nodes run on both platforms: sockets, SSE and the bridge between them, on
 * Express and on Fastify; `redis-cluster` is the Redis transport on a Redis Cluster of its own.
 */
const NODES: Array<[TestTransport, HttpPlatform, HttpPlatform]> = [
  ['redis', 'express', 'fastify'],
  ['postgres', 'fastify', 'express'],
  ['redis-cluster', 'fastify', 'express'],
];

describe.each(NODES)(
  'live updates with workers in another process (%s transport, node A on %s, node B on %s)',
  (transport, platformA, platformB) => {
    let servers: TransportServers;
    let db: TestDatabase;
    let nodeA: ExampleApp;
    let nodeB: ExampleApp;
    let worker: WorkerProcess;
    const sockets: Socket[] = [];

    const baseUrl = (node: ExampleApp) => `http://127.0.0.1:${(node.app.getHttpServer().address() as AddressInfo).port}`;

    beforeAll(async () => {
      servers = await startTransport(transport);
      db = await createTestDatabase();
      const env = exampleEnv(db, servers.transport, servers.env);
      // Two API nodes without workers, and the workers in a process of their own.
      nodeA = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, { ...env, AGENTS_WORKERS: 'off' }, [], platformA);
      nodeB = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, { ...env, AGENTS_WORKERS: 'off' }, [], platformB);
      worker = startWorkerProcess(env);
      await worker.ready;
    });

    afterAll(async () => {
      sockets.forEach((s) => s.close());
      await worker?.stop();
      await nodeA?.close();
      await nodeB?.close();
      await db?.drop();
      await servers?.stop();
    });

    const bearer = (node: ExampleApp, who: { tenantId?: string; userId?: string; admin?: boolean } = {}) => `Bearer ${node.token(who)}`;

    /** Connects with a realtime token from `GET /api/agents/realtime-token`, recording every event. */
    async function connect(node: ExampleApp, who: { tenantId?: string; userId?: string; admin?: boolean } = {}) {
      const res = await request(node.app.getHttpServer()).get('/api/agents/realtime-token').set('authorization', bearer(node, who));
      expect(res.status).toBe(200);
      const socket = io(`${baseUrl(node)}/agents`, { auth: { token: res.body.token }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      const received: Received[] = [];
      socket.onAny((event, payload) => received.push({ event, payload }));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return { socket, received };
    }

    const start = async (node: ExampleApp, input: object, who = {}) => {
      const res = await request(node.app.getHttpServer())
        .post('/api/agents')
        .set('authorization', bearer(node, who))
        .send({ agent_type: 'steps', input });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };

    const until = (received: Received[], predicate: (r: Received) => boolean, timeout = 15_000) =>
      expect.poll(() => received.some(predicate), { timeout, interval: 20 }).toBe(true);

    const finished = (id: string) => (r: Received) =>
      r.event === 'status.changed' && r.payload.execution_id === id && r.payload.status === 'completed';

    it('delivers every step and status of a run, in order, with increasing seq', async () => {
      const { socket, received } = await connect(nodeA);
      const id = await start(nodeA, { steps: 5, step_ms: 20 });
      expect(await socket.emitWithAck('subscribe', { executionId: id })).toEqual({ ok: true });
      await until(received, finished(id));
      const mine = received.filter((r) => r.payload.execution_id === id);
      expect(mine.filter((r) => r.event === 'step.completed').map((r) => r.payload.step_number)).toEqual([1, 2, 3, 4, 5]);
      expect(mine.filter((r) => r.event === 'status.changed').map((r) => r.payload.status)).toEqual(['running', 'completed']);
      const seqs = mine.filter((r) => r.event === 'log.appended').map((r) => r.payload.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      const step = mine.find((r) => r.event === 'step.completed')!.payload;
      expect(Object.keys(step).sort()).toEqual([
        'execution_id',
        'seq',
        'step_number',
        'step_type',
        'timestamp',
        'tokens_used',
        'tool_names',
      ]);
      const status = mine.find((r) => r.event === 'status.changed' && r.payload.status === 'completed')!.payload;
      expect(status).toMatchObject({ status: 'completed', step_count: 5, token_usage: 0, completed_at: expect.any(String) });
    });

    it('refuses a connection without a valid token', async () => {
      for (const auth of [{}, { token: 'forged.token' }, { authorization: 'Bearer nope' }]) {
        const socket = io(`${baseUrl(nodeA)}/agents`, { auth, transports: ['websocket'], reconnection: false });
        sockets.push(socket);
        const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
        expect(error.message).toBe('unauthorized');
      }
    });

    it("accepts the host app's own auth at the handshake", async () => {
      const socket = io(`${baseUrl(nodeA)}/agents`, {
        auth: { authorization: bearer(nodeA) },
        transports: ['websocket'],
        reconnection: false,
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
    });

    it("refuses subscriptions to another user's or tenant's execution", async () => {
      const id = await start(nodeA, { steps: 1 });
      for (const who of [{ userId: 'mallory' }, { tenantId: 't2' }, { tenantId: 't2', admin: true }]) {
        const { socket } = await connect(nodeA, who);
        expect(await socket.emitWithAck('subscribe', { executionId: id })).toEqual({ ok: false, error: 'not_found' });
      }
      const { socket } = await connect(nodeA);
      expect(await socket.emitWithAck('subscribe', { executionId: 'nope' })).toEqual({ ok: false, error: 'executionId must be a UUID' });
    });

    it('throttles subscribe spam on one connection', async () => {
      const id = await start(nodeA, { steps: 1 });
      const { socket } = await connect(nodeA);
      const acks = [];
      for (let i = 0; i < 35; i++) acks.push(await socket.emitWithAck('subscribe', { executionId: id }));
      expect(acks.slice(0, 30).every((a) => a.ok === true)).toBe(true);
      expect(acks.slice(30)).toEqual(Array(5).fill({ ok: false, error: 'rate_limited' }));
    });

    it('gives an admin the events of the whole tenant, and nothing of other tenants', async () => {
      const admin = await connect(nodeA, { userId: 'boss', admin: true });
      const stranger = await connect(nodeA, { tenantId: 't2', userId: 'u1' });
      const id = await start(nodeA, { steps: 2 }, { userId: 'someone' });
      await until(admin.received, finished(id));
      expect(stranger.received.filter((r) => r.payload.execution_id === id)).toEqual([]);
    });

    it("sends token deltas only to the execution's subscribers, not to the owner's or the admins' other sockets", async () => {
      const subscriber = await connect(nodeA);
      const owner = await connect(nodeA);
      const admin = await connect(nodeA, { userId: 'boss', admin: true });
      const res = await request(nodeA.app.getHttpServer())
        .post('/api/agents')
        .set('authorization', bearer(nodeA))
        .send({
          agent_type: 'code-assistant',
          input: { prompt: 'What files does the project have?' },
          options: { run_at: new Date(Date.now() + 1_500).toISOString() },
        });
      expect(res.status).toBe(201);
      // Scheduled a moment ahead, so the subscription is in place before the first token.
      const id = res.body.id as string;
      expect(await subscriber.socket.emitWithAck('subscribe', { executionId: id })).toEqual({ ok: true });
      await until(subscriber.received, finished(id));
      await until(owner.received, finished(id));
      expect(
        subscriber.received.some((r) => r.event === 'token.delta' && r.payload.execution_id === id),
        JSON.stringify(subscriber.received.map((r) => r.event)),
      ).toBe(true);
      expect(owner.received.filter((r) => r.event === 'token.delta')).toEqual([]);
      expect(admin.received.filter((r) => r.event === 'token.delta')).toEqual([]);
    });

    it('delivers through another API node than the one that started the run', async () => {
      const onB = await connect(nodeB);
      const id = await start(nodeA, { steps: 3 });
      await until(onB.received, finished(id));
      expect(
        onB.received.filter((r) => r.event === 'step.completed' && r.payload.execution_id === id).map((r) => r.payload.step_number),
      ).toEqual([1, 2, 3]);
    });

    it('streams a run as Server-Sent Events to `finished`, and resumes after Last-Event-ID', async () => {
      const id = await start(nodeA, { steps: 4, step_ms: 20 });
      const url = `${baseUrl(nodeA)}/api/agents/${id}/stream`;
      const full = await readSse(url, { authorization: bearer(nodeA) });
      expect(full.status).toBe(200);
      expect(full.events.at(-1)).toEqual({ event: 'finished', data: { execution_id: id, status: 'completed' } });
      const steps = full.events.filter((e) => e.event === 'step.completed').map((e) => e.data.step_number);
      expect(steps).toEqual([1, 2, 3, 4]);
      const logIds = full.events.filter((e) => e.event === 'log.appended').map((e) => Number(e.id));
      expect(new Set(logIds).size).toBe(logIds.length);

      const resumeAfter = full.events.find((e) => e.event === 'step.completed' && e.data.step_number === 2)!.id!;
      const rest = await readSse(url, { authorization: bearer(nodeA), 'last-event-id': resumeAfter });
      expect(rest.events.filter((e) => e.event === 'step.completed').map((e) => e.data.step_number)).toEqual([3, 4]);
      expect(rest.events.every((e) => e.event === 'finished' || Number(e.id) > Number(resumeAfter) || e.event === 'token.delta')).toBe(
        true,
      );
      expect(rest.events.at(-1)!.event).toBe('finished');

      const foreign = await readSse(url, { authorization: bearer(nodeA, { userId: 'mallory' }) });
      expect(foreign.status).toBe(404);
    });
  },
);
