import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHookPayload, step, type AgentDefinition } from '../../src/agent/index.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';
import { statementsDuring } from '../support/sql-audit.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { startTransport, TEST_TRANSPORTS, type TransportServers } from '../support/test-transports.js';

const SECRET = `whsec_${Buffer.from('a hook secret of at least 24 bytes').toString('base64')}`;

const done: AgentDefinition = { name: 'done', step: async () => step.done('all good') };
const boom: AgentDefinition = {
  name: 'boom',
  step: async () => {
    throw new Error('boom');
  },
};
const asker: AgentDefinition = {
  name: 'asker',
  step: async (state) => (state.stepCount === 0 ? step.awaitInput('Which one?') : step.done('thanks')),
};

async function until(check: () => Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(TEST_TRANSPORTS)('outbound hooks on the %s transport', (transport) => {
  let servers: TransportServers;
  let db: TestDatabase;
  let t: TestApp;
  let receiver: HookReceiver;
  const queuePrefix = uniquePrefix();
  const me = principal();
  const hooksOptions = { secret: SECRET, allowPrivateTargets: true, pollIntervalMs: 200, baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 6 };

  const deliveriesOf = async (id: string) =>
    (await db.sql.query(`SELECT * FROM agent_hook_deliveries WHERE execution_id = $1 ORDER BY created_at`, [id])).rows;

  beforeAll(async () => {
    servers = await startTransport(transport);
    db = await createTestDatabase();
    receiver = await startHookReceiver(3);
    const typed: AgentDefinition = { ...done, name: 'typed', hooks: [{ url: receiver.url('/typed'), events: ['execution.completed'] }] };
    t = await startTestApp({
      transport: servers.transport,
      redis: servers.redis,
      db,
      queuePrefix,
      agents: [done, boom, asker, typed],
      options: { hooks: hooksOptions },
    });
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await db?.drop();
    await servers?.stop();
  });

  it('an endpoint that fails three times then succeeds gets the same signed delivery four times; the log shows each attempt', async () => {
    const execution = await t.manager.start(me, 'done', 'go', { hooks: [{ url: receiver.url('/done') }] });
    await waitForStatus(t, db, execution.id, ['completed']);
    await until(async () => (await deliveriesOf(execution.id))[0]?.status === 'delivered', 15_000, 'the delivery');

    const calls = receiver.received.filter((r) => r.path === '/done');
    expect(calls).toHaveLength(4);
    const ids = new Set(calls.map((c) => c.headers['webhook-id']));
    expect(ids.size).toBe(1); // one idempotency id for every attempt
    for (const call of calls) {
      const [version, signature] = String(call.headers['webhook-signature']).split(',');
      expect(version).toBe('v1');
      expect(signature).toBe(
        signHookPayload(SECRET, String(call.headers['webhook-id']), String(call.headers['webhook-timestamp']), call.body),
      );
    }
    const body = JSON.parse(calls[3]!.body);
    expect(body).toMatchObject({
      id: [...ids][0],
      type: 'execution.completed',
      data: { execution_id: execution.id, agent_type: 'done', status: 'completed', output: 'all good' },
    });

    const log = await request(t.app.getHttpServer()).get(`/api/agents/${execution.id}/hooks`).expect(200);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({
      event: 'execution.completed',
      status: 'delivered',
      attempts: 4,
      last_status_code: 204,
      last_error: null,
    });
    expect(log.body.data[0].attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 500, 204]);
    // Backoff: each retry waited.
    const times = log.body.data[0].attempt_log.map((a: { at: string }) => Date.parse(a.at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
  });

  it('a burst of starts with hooks is admitted together, each row with its own hooks', async () => {
    const burst = principal('hooked-burst');
    const { result: started, statements } = await statementsDuring(() =>
      Promise.all(
        Array.from({ length: 12 }, (_, n) => t.manager.start(burst, 'done', n, { hooks: [{ url: receiver.url(`/burst/${n}`) }] })),
      ),
    );
    expect(statements.filter((s) => s.name === 'agents_admit_batch').length).toBeGreaterThan(0);
    for (const [n, execution] of started.entries()) {
      await waitForStatus(t, db, execution.id, ['completed']);
      // The outbox row comes with the status change, from the hooks on the execution's row.
      await until(async () => (await deliveriesOf(execution.id)).length === 1, 15_000, 'the outbox row');
      expect((await deliveriesOf(execution.id))[0]).toMatchObject({ event: 'execution.completed', url: receiver.url(`/burst/${n}`) });
    }
  });

  it('failure and awaiting input call the hooks that asked for them; agent-type hooks join the start’s', async () => {
    const failed = await t.manager.start(me, 'boom', 'go', {
      hooks: [
        { url: receiver.url('/failed'), events: ['execution.failed'] },
        { url: receiver.url('/completed-only'), events: ['execution.completed'] },
      ],
    });
    const waiting = await t.manager.start(me, 'asker', 'go', { hooks: [{ url: receiver.url('/asker') }] });
    const typed = await t.manager.start(me, 'typed', 'go');
    await waitForStatus(t, db, failed.id, ['failed']);
    await waitForStatus(t, db, waiting.id, ['awaiting_input']);
    await waitForStatus(t, db, typed.id, ['completed']);

    const failedDeliveries = await deliveriesOf(failed.id);
    expect(failedDeliveries.map((d) => [d.event, d.url])).toEqual([['execution.failed', receiver.url('/failed')]]);
    expect((await deliveriesOf(waiting.id)).map((d) => d.event)).toEqual(['execution.awaiting_input']);
    expect((await deliveriesOf(typed.id)).map((d) => d.url)).toEqual([receiver.url('/typed')]);

    await t.manager.sendInput(me, waiting.id, 'the blue one');
    await waitForStatus(t, db, waiting.id, ['completed']);
    expect((await deliveriesOf(waiting.id)).map((d) => d.event)).toEqual(['execution.awaiting_input', 'execution.completed']);
    await until(
      async () => (await db.sql.query(`SELECT 1 FROM agent_hook_deliveries WHERE status <> 'delivered'`)).rowCount === 0,
      15_000,
      'every delivery',
    );
    const failedBody = JSON.parse(receiver.received.find((r) => r.path === '/failed')!.body);
    expect(failedBody.data).toMatchObject({
      status: 'failed',
      error: expect.objectContaining({ message: expect.stringContaining('boom') }),
    });
  });

  it('two hooks on one event get a delivery each, with ids of their own, and the run ends', async () => {
    const execution = await t.manager.start(me, 'done', 'twice', {
      hooks: [{ url: receiver.url('/first') }, { url: receiver.url('/second'), events: ['execution.completed'] }],
    });
    expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'], 10_000)).toMatchObject({ status: 'completed' });
    const deliveries = await deliveriesOf(execution.id);
    expect(deliveries.map((d) => d.url).sort()).toEqual([receiver.url('/first'), receiver.url('/second')]);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(2);
    for (const d of deliveries) expect(d.payload.id).toBe(d.id);
    await until(async () => (await deliveriesOf(execution.id)).every((d) => d.status === 'delivered'), 15_000, 'both deliveries');
    const ids = receiver.received.filter((r) => r.path === '/first' || r.path === '/second').map((r) => r.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set(deliveries.map((d) => d.id)));
  });

  it('the delivery row commits with the status change: with no node delivering, it waits, and another node sends it', async () => {
    const quiet = await startTestApp({
      transport: servers.transport,
      redis: servers.redis,
      db,
      queuePrefix: uniquePrefix(),
      agents: [done],
      options: { hooks: { ...hooksOptions, deliver: false } },
    });
    try {
      // The quiet node's own queue: it runs the execution, and never delivers.
      const execution = await quiet.manager.start(me, 'done', 'go', { hooks: [{ url: receiver.url('/outbox') }] });
      await waitForStatus(quiet, db, execution.id, ['completed']);
      const [row] = await deliveriesOf(execution.id);
      expect(row).toMatchObject({ event: 'execution.completed', status: expect.any(String) });
      // The delivering node (t) finds it through its poll, like after a crash of the node that ended the run.
      await until(async () => (await deliveriesOf(execution.id))[0]?.status === 'delivered', 15_000, 'the other node to deliver');
    } finally {
      await quiet.close();
    }
  });

  it('a delivery claimed by a node that died before recording it is sent again after its lease, with the same id', async () => {
    const quiet = await startTestApp({
      transport: servers.transport,
      redis: servers.redis,
      db,
      queuePrefix: uniquePrefix(),
      agents: [done],
      options: { hooks: { ...hooksOptions, deliver: false } },
    });
    let executionId: string;
    let claimed: { rowCount: number | null };
    try {
      executionId = (await quiet.manager.start(me, 'done', 'go', { hooks: [{ url: receiver.url('/orphan') }] })).id;
      await waitForStatus(quiet, db, executionId, ['completed']);
      // What a node leaves behind when it dies mid-call: the attempt counted, the row leased for a while.
      // Claimed as soon as the run ended, not after the quiet node's shutdown: the delivering node
      // could finish the delivery meanwhile (its receiver fails three times first, then answers).
      claimed = await db.sql.query(
        `UPDATE agent_hook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + interval '1 second'
         WHERE execution_id = $1 AND status = 'pending' RETURNING id`,
        [executionId],
      );
    } finally {
      await quiet.close();
    }
    expect(claimed.rowCount).toBe(1);
    await until(async () => (await deliveriesOf(executionId))[0]?.status === 'delivered', 15_000, 'the redelivery');
    const [row] = await deliveriesOf(executionId);
    expect(row.attempts).toBeGreaterThanOrEqual(5); // the orphaned attempt, three 500s, the 204
    const ids = new Set(receiver.received.filter((r) => r.path === '/orphan').map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([row.id]);
  });

  it('bad hooks answer 400 and start nothing; private targets are refused unless allowed', async () => {
    const http = () => request(t.app.getHttpServer());
    const count = async () => (await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = 'u1'`)).rows[0].n;
    const before = await count();
    await http()
      .post('/api/agents')
      .send({ agent_type: 'done', input: 1, options: { hooks: [{ url: 'ftp://example.com/x' }] } })
      .expect(400);
    await http()
      .post('/api/agents')
      .send({ agent_type: 'done', input: 1, options: { hooks: [{ url: 'https://example.com/x', events: ['execution.exploded'] }] } })
      .expect(400);

    const strict = await startTestApp({
      transport: servers.transport,
      redis: servers.redis,
      db,
      queuePrefix: uniquePrefix(),
      agents: [done],
      options: { hooks: { secret: SECRET }, workers: { enabled: false } },
    });
    try {
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://localhost/x',
        'http://169.254.169.254/latest',
        'http://[::1]/x',
        'http://10.1.2.3/x',
      ]) {
        const answer = await request(strict.app.getHttpServer())
          .post('/api/agents')
          .send({ agent_type: 'done', input: 1, options: { hooks: [{ url }] } })
          .expect(400);
        expect(answer.body.message).toContain('private or loopback');
      }
    } finally {
      await strict.close();
    }
    expect(await count()).toBe(before);
  });
});
