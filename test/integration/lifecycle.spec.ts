import { jsonSchema, tool } from 'ai';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenAiCompatibleModel,
  createScriptedModel,
  defineLlmAgent,
  ExecutionEventName,
  IdempotencyKeyReusedError,
  RecoveryService,
  QueueName,
  step,
  type Transport,
} from '../../src/agent/index.js';
import { ExecutionRunner } from '../../src/agent/executions/run/execution-runner.js';
import { SIGNAL_NOTIFIER, type SignalNotifier } from '../../src/agent/infrastructure/signal-notifier.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { seedExecution } from '../support/execution-factory.js';
import { chunk, send, startFakeOpenAiServer, startSse, type FakeOpenAiServer } from '../support/fake-openai-server.js';
import { nextEvent, principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { startTransport, TEST_TRANSPORTS, type TransportServers } from '../support/test-transports.js';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(TEST_TRANSPORTS)('lifecycle control on the %s transport', (transport) => {
  let servers: TransportServers;
  let db: TestDatabase;
  let t: TestApp;
  const queuePrefix = uniquePrefix();
  let fake: FakeOpenAiServer;
  const children: { pid?: number; exited?: Promise<unknown> } = {};
  const me = principal();

  const stepCompleted =
    (id: string, n = 1) =>
    (e: { name: string; executionId: string; stepNumber?: number }) =>
      e.name === ExecutionEventName.StepCompleted && e.executionId === id && e.stepNumber === n;
  const statusIs = (id: string, status: string) => (e: { name: string; executionId: string; status?: string }) =>
    e.name === ExecutionEventName.StatusChanged && e.executionId === id && e.status === status;

  beforeAll(async () => {
    servers = await startTransport(transport);
    db = await createTestDatabase();
    fake = await startFakeOpenAiServer();
    t = await startTestApp({
      transport: servers.transport,
      redis: servers.redis,
      db,
      queuePrefix,
      providers: [StepsAgent],
      options: { lifecycle: { inputTimeoutSeconds: 2 } },
      agents: [
        defineLlmAgent({
          name: 'slow-llm',
          model: () => createOpenAiCompatibleModel({ baseURL: fake.baseURL, model: 'fake-gpt' }),
          system: 'Be slow.',
        }),
        defineLlmAgent({
          name: 'shell',
          model: createScriptedModel(),
          system: 'Run commands.',
          tools: {
            run: tool({
              description: 'Runs a command',
              inputSchema: jsonSchema<{ command: string }>({ type: 'object', properties: { command: { type: 'string' } } }),
              execute: async (_input, { abortSignal }) => {
                const child = spawn('sleep', ['30'], { signal: abortSignal, stdio: 'ignore' });
                children.pid = child.pid;
                // NOTE: 'exit' only: once() would settle early on the 'error' event the abort emits.
                children.exited = new Promise((resolve) => child.once('exit', resolve));
                child.on('error', () => undefined);
                await once(child, 'exit');
                return 'done';
              },
            }),
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await db?.drop();
    await servers?.stop();
  });

  const messagesOf = async (id: string) =>
    (await db.sql.query('SELECT seq, role, content FROM agent_messages WHERE execution_id = $1 ORDER BY seq', [id])).rows;
  const logTypes = async (id: string) =>
    (await db.sql.query('SELECT event_type FROM agent_logs WHERE execution_id = $1 ORDER BY id', [id])).rows.map((r) => r.event_type);

  it('pauses a running execution at its next step boundary, then resumes it from the checkpoint', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 10, step_ms: 30 });
    await nextEvent(t, stepCompleted(execution.id, 2));
    const paused = nextEvent(t, statusIs(execution.id, 'paused'));
    const result = await t.manager.pause(me, execution.id);
    expect(result).toMatchObject({ pending: true, execution: { status: 'running' } });
    await paused;
    const atPause = await waitForStatus(t, db, execution.id, ['paused']);
    expect(atPause.step_count).toBeLessThan(10);

    expect((await t.manager.resume(me, execution.id)).execution.status).toBe('pending');
    expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'])).toMatchObject({ status: 'completed', step_count: 10 });
    expect((await messagesOf(execution.id)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const logs = await logTypes(execution.id);
    expect(logs.filter((l) => l === 'paused')).toHaveLength(1);
    expect(logs.filter((l) => l === 'resumed')).toHaveLength(1);
    expect(logs.filter((l) => l === 'step_completed')).toHaveLength(10);
  });

  it('ignores a pause notice that reaches the run after it was paused and resumed: the notice was made to the earlier lease', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 8, step_ms: 40 });
    await nextEvent(t, stepCompleted(execution.id, 1));
    const requestedAt = Date.now();
    await t.manager.pause(me, execution.id, { requestedAt });
    const paused = await waitForStatus(t, db, execution.id, ['paused']);
    const epoch = async () =>
      (await db.sql.query('SELECT lease_epoch FROM agent_executions WHERE id = $1', [execution.id])).rows[0].lease_epoch;
    const pausedEpoch = await epoch();
    await t.manager.resume(me, execution.id);
    await nextEvent(t, stepCompleted(execution.id, paused.step_count + 1));
    expect(await epoch()).toBeGreaterThan(pausedEpoch);
    // The first pause's notice again, as a notifier that delivers it late would: through the real pub/sub.
    await t.app.get<SignalNotifier>(SIGNAL_NOTIFIER).publish({ executionId: execution.id, type: 'pause', requestedAt, epoch: pausedEpoch });
    expect(await waitForStatus(t, db, execution.id, ['completed', 'paused', 'failed'])).toMatchObject({
      status: 'completed',
      step_count: 8,
    });
    expect((await logTypes(execution.id)).filter((l) => l === 'paused')).toHaveLength(1);
  });

  it('cancels a running execution at its next step boundary', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 50, step_ms: 20 });
    await nextEvent(t, stepCompleted(execution.id, 1));
    expect((await t.manager.cancel(me, execution.id)).pending).toBe(true);
    const row = await waitForStatus(t, db, execution.id, ['cancelled', 'completed']);
    expect(row.status).toBe('cancelled');
    expect(row.step_count).toBeLessThan(50);
    const { rows } = await db.sql.query('SELECT metadata, completed_at IS NOT NULL AS done FROM agent_executions WHERE id = $1', [
      execution.id,
    ]);
    expect(rows[0]).toEqual({ metadata: {}, done: true });
    expect((await logTypes(execution.id)).at(-1)).toBe('cancelled');
  });

  it('turns a cancel into a force kill when the step outlives the grace period', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 3, step_ms: 30_000 });
    await nextEvent(t, statusIs(execution.id, 'running'));
    const asked = Date.now();
    await t.manager.cancel(me, execution.id, 100);
    const row = await waitForStatus(t, db, execution.id, ['cancelled']);
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(row.step_count).toBe(0);
    const { rows } = await db.sql.query('SELECT metadata FROM agent_executions WHERE id = $1', [execution.id]);
    expect(rows[0].metadata).toEqual({ force_killed: true, cancel_escalated: true });
    expect(await messagesOf(execution.id)).toEqual([]);
  });

  it('force-kills during a slowly streaming model call: the request is aborted and nothing is committed', async () => {
    let response!: Promise<{ endedByServer: boolean }>;
    const requested = new Promise<void>((resolve) =>
      fake.handlers.push((_body, _req, res: ServerResponse) => {
        response = new Promise((done) => res.once('close', () => done({ endedByServer: res.writableEnded })));
        startSse(res);
        send(res, chunk([{ index: 0, delta: { role: 'assistant', content: 'Let me think ' }, finish_reason: null }]));
        resolve();
      }),
    );
    const execution = await t.manager.start(me, 'slow-llm', { prompt: 'Take your time' });
    await requested;
    const killed = await t.manager.forceKill(me, execution.id);
    expect(killed.execution).toMatchObject({ status: 'cancelled', metadata: { force_killed: true } });
    expect(await response).toEqual({ endedByServer: false });
    const { rows } = await db.sql.query('SELECT status, step_count, token_usage FROM agent_executions WHERE id = $1', [execution.id]);
    expect(rows[0]).toEqual({ status: 'cancelled', step_count: 0, token_usage: '0' });
    expect(await messagesOf(execution.id)).toEqual([]);
  });

  it('force-kills during a tool running a long child process: the process is gone, nothing is committed', async () => {
    children.pid = undefined;
    const execution = await t.manager.start(me, 'shell', { prompt: 'run the long command' });
    await expect.poll(() => children.pid, { timeout: 10_000 }).toBeDefined();
    const pid = children.pid!;
    expect(isAlive(pid)).toBe(true);
    await t.manager.forceKill(me, execution.id);
    await children.exited;
    expect(isAlive(pid)).toBe(false);
    const { rows } = await db.sql.query('SELECT status, step_count FROM agent_executions WHERE id = $1', [execution.id]);
    expect(rows[0]).toEqual({ status: 'cancelled', step_count: 0 });
    expect(await messagesOf(execution.id)).toEqual([]);
  });

  it('parks awaiting input, then continues with the input in its history', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 3, ask_input_at: 2 });
    await waitForStatus(t, db, execution.id, ['awaiting_input']);
    const { rows } = await db.sql.query('SELECT metadata FROM agent_executions WHERE id = $1', [execution.id]);
    expect(rows[0].metadata).toEqual({ input_prompt: 'Input needed at step 2' });
    expect((await t.manager.sendInput(me, execution.id, 'blue')).execution.status).toBe('pending');
    expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'])).toMatchObject({ status: 'completed', step_count: 3 });
    expect(await messagesOf(execution.id)).toEqual([
      { seq: 1, role: 'assistant', content: 'step 1' },
      { seq: 2, role: 'assistant', content: 'step 2' },
      { seq: 3, role: 'user', content: 'blue' },
      { seq: 4, role: 'assistant', content: 'step 3' },
    ]);
  });

  it('fails an execution whose input does not arrive in time', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 3, ask_input_at: 1 });
    const row = await waitForStatus(t, db, execution.id, ['failed', 'completed']);
    expect(row).toMatchObject({ status: 'failed', error: { code: 'awaiting_input_timeout' } });
  });

  it('returns the same execution for a repeated idempotency key', async () => {
    const first = await t.manager.start(me, 'steps', { steps: 1 }, { idempotencyKey: 'order-42' });
    const again = await t.manager.start(me, 'steps', { steps: 1 }, { idempotencyKey: 'order-42' });
    const other = await t.manager.start(principal('u2'), 'steps', { steps: 1 }, { idempotencyKey: 'order-42' });
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE idempotency_key = 'order-42'`);
    expect(rows[0].n).toBe(2);
  });

  it('refuses a repeated idempotency key with a different request (409), starting nothing', async () => {
    const first = await t.manager.start(me, 'steps', { steps: 1 }, { idempotencyKey: 'order-43', metadata: { a: 1 } });
    for (const [input, metadata, type] of [
      [{ steps: 2 }, { a: 1 }, 'steps'],
      [{ steps: 1 }, { a: 2 }, 'steps'],
      [{ steps: 1 }, { a: 1 }, 'slow-llm'],
    ] as const) {
      const error = await t.manager.start(me, type, input, { idempotencyKey: 'order-43', metadata }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
      expect((error as IdempotencyKeyReusedError).code).toBe('idempotency_key_reused');
      expect((error as IdempotencyKeyReusedError).details).toEqual({ execution_id: first.id });
    }
    // Key order inside the JSON does not make a request different.
    expect((await t.manager.start(me, 'steps', { steps: 1 }, { idempotencyKey: 'order-43', metadata: { a: 1 } })).id).toBe(first.id);
    const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE idempotency_key = 'order-43'`);
    expect(rows[0].n).toBe(1);
  });

  it('recovers a running execution whose worker stopped heartbeating, and re-enqueues a lost continuation', async () => {
    const stuck = await seedExecution(db, { status: 'running', heartbeatAgoMs: 120_000, input: { steps: 2 } });
    const orphan = await seedExecution(db, { status: 'pending', input: { steps: 2 } });
    await db.sql.query(`UPDATE agent_executions SET updated_at = now() - interval '5 minutes' WHERE id = $1`, [orphan]);
    const report = await t.app.get(RecoveryService).recoverStuck(60_000);
    expect(report.recovered).toContain(stuck);
    expect(report.requeued).toContain(orphan);
    for (const id of [stuck, orphan]) {
      expect(await waitForStatus(t, db, id, ['completed', 'failed'])).toMatchObject({ status: 'completed', step_count: 2 });
    }
    expect(await logTypes(stuck)).toContain('recovered');
  });

  it.runIf(transport === 'redis-cluster')("keeps every key of a queue under the queue's hash tag, on one node", async () => {
    // Every key the suite left, on whichever node holds it: `{<prefix>:<queue>}:<queue>:…`, and the chat token
    // lists (one key each, spread over the nodes by design: every command on them names one key).
    const nodesByQueue = new Map<string, Set<string>>();
    const strays: string[] = [];
    for (const url of servers.cluster!.nodes) {
      const node = new Redis(url);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `*${queuePrefix}*`, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) {
            const queue = Object.values(QueueName).find((q) => key.startsWith(`{${queuePrefix}:${q}}:${q}:`));
            if (queue) nodesByQueue.set(queue, (nodesByQueue.get(queue) ?? new Set()).add(url));
            else if (!key.startsWith(`${queuePrefix}:chat-tokens:`)) strays.push(key);
          }
        } while (cursor !== '0');
      } finally {
        node.disconnect();
      }
    }
    expect(strays).toEqual([]);
    // The suite's executions ran on agents-default; the other queues hold keys only if BullMQ wrote some.
    expect(nodesByQueue.has(QueueName.Default)).toBe(true);
    for (const nodes of nodesByQueue.values()) expect(nodes.size).toBe(1);
  });
});

describe.each(TEST_TRANSPORTS)('exactly one runner on the %s transport', (transport) => {
  let servers: TransportServers;
  let db: TestDatabase;
  let api: TestApp;
  let silent: TestApp;
  const calls: number[] = [];

  beforeAll(async () => {
    servers = await startTransport(transport);
    db = await createTestDatabase();
    const counted = {
      name: 'counted',
      step: async (state: { stepCount: number }) => {
        calls.push(state.stepCount + 1);
        await new Promise((r) => setImmediate(r));
        return state.stepCount + 1 >= 3 ? step.done('ok') : step.continue({ messages: [{ role: 'assistant' as const, content: 'x' }] });
      },
    };
    // No workers here: the test hands the same execution to two runners itself.
    const on = { transport: servers.transport, redis: servers.redis, db };
    api = await startTestApp({ ...on, queuePrefix: uniquePrefix(), agents: [counted], options: { workers: { enabled: false } } });
    silent = await startTestApp({ ...on, queuePrefix: uniquePrefix(), providers: [StepsAgent], silentNotifier: true });
  });

  afterAll(async () => {
    await api?.close();
    await silent?.close();
    await db?.drop();
    await servers?.stop();
  });

  it('runs an execution once when its job is delivered to two runners at once', async () => {
    const execution = await api.manager.start(principal(), 'counted', {});
    const runner = api.app.get(ExecutionRunner);
    const results = await Promise.all([runner.run(execution.id), runner.run(execution.id)]);
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes).toContain('ended');
    expect(outcomes.filter((o) => o === 'held' || o === 'not_acquired')).toHaveLength(1);
    expect(calls).toEqual([1, 2, 3]);
    const { rows } = await db.sql.query('SELECT status, step_count FROM agent_executions WHERE id = $1', [execution.id]);
    expect(rows[0]).toEqual({ status: 'completed', step_count: 3 });
  });

  it('still pauses and cancels at the next step when notifications are lost', async () => {
    const me = principal();
    const paused = await silent.manager.start(me, 'steps', { steps: 40, step_ms: 20 });
    await nextEvent(silent, (e) => e.name === 'execution.step_completed' && e.executionId === paused.id);
    await silent.manager.pause(me, paused.id);
    expect((await waitForStatus(silent, db, paused.id, ['paused', 'completed'])).status).toBe('paused');

    const cancelled = await silent.manager.start(me, 'steps', { steps: 40, step_ms: 20 });
    await nextEvent(silent, (e) => e.name === 'execution.step_completed' && e.executionId === cancelled.id);
    await silent.manager.cancel(me, cancelled.id);
    expect((await waitForStatus(silent, db, cancelled.id, ['cancelled', 'completed'])).status).toBe('cancelled');
  });

  it('fences out the step of a force-killed execution even when the kill notification is lost', async () => {
    const me = principal();
    const execution = await silent.manager.start(me, 'steps', { steps: 2, step_ms: 300 });
    await nextEvent(silent, (e) => e.name === 'execution.status_changed' && e.executionId === execution.id && e.status === 'running');
    const fenced = nextEvent(silent, (e) => e.name === 'execution.lease_lost' && e.executionId === execution.id);
    await silent.manager.forceKill(me, execution.id);
    await fenced; // the step finished (nobody aborted it) and its commit was refused
    const { rows } = await db.sql.query('SELECT status, step_count FROM agent_executions WHERE id = $1', [execution.id]);
    expect(rows[0]).toEqual({ status: 'cancelled', step_count: 0 });
  });
});

describe.each<Transport>(['redis', 'postgres'])('control requests over HTTP on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  const me = principal('http-control');
  /** The host's identity check: a request carrying `x-slow` waits this long first (a slow identity provider). */
  const PRINCIPAL_MS = 150;
  const STEP_MS = 300;

  beforeAll(async () => {
    db = await createTestDatabase();
    const resolvePrincipal = async (req: unknown) => {
      if ((req as { headers: Record<string, string | undefined> }).headers['x-slow']) await sleep(PRINCIPAL_MS);
      return me;
    };
    t = await startTestApp({ transport, db, queuePrefix: uniquePrefix(), providers: [StepsAgent], options: { resolvePrincipal } });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('places a pause by when its request arrived: made before a step began, it lands at that boundary though it reaches the run during the step', async () => {
    const execution = await t.manager.start(me, 'steps', { steps: 10, step_ms: STEP_MS });
    await nextEvent(t, (e) => e.name === ExecutionEventName.StepCompleted && e.executionId === execution.id && e.stepNumber === 1);
    // Step 2 has about 80 ms left when the request arrives; the principal resolves ~70 ms into step 3.
    await sleep(STEP_MS - 80);
    const answer = await request(t.app.getHttpServer()).post(`/api/agents/${execution.id}/pause`).set('x-slow', '1');
    expect(answer.status).toBe(202);
    const paused = await waitForStatus(t, db, execution.id, ['paused', 'completed']);
    // Step 3 had begun after the request arrived: it is given back, and the pause lands where step 2 ended.
    expect(paused).toMatchObject({ status: 'paused', step_count: 2 });
  });
});
