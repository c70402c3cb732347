import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutionEventName, step, type AgentDefinition, type Transport } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';

/** A step the test releases by hand, to act while it is in flight. */
function gatedAgent(): AgentDefinition & { entered: Promise<void>; release(): void } {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const enteredPromise = new Promise<void>((r) => (entered = r));
  return {
    name: 'gated',
    entered: enteredPromise,
    release: () => release(),
    async step(_state, ctx) {
      entered();
      await gate;
      ctx.log.info('gated step finished');
      return step.done('late', { messages: [{ role: 'assistant', content: 'should never land' }] });
    },
  };
}

describe.each<Transport>(['redis', 'postgres'])('step loop on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  const gated = gatedAgent();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      agents: [
        {
          name: 'limited',
          limits: { maxSteps: 3 },
          step: async () => step.continue({ messages: [{ role: 'assistant', content: 'again' }] }),
        },
        {
          name: 'slow',
          limits: { timeoutSeconds: 1 },
          step: async (_s, ctx) => {
            await sleep(60_000, undefined, { signal: ctx.signal });
            return step.done(null);
          },
        },
        { name: 'deaf', limits: { timeoutSeconds: 1 }, step: () => new Promise(() => undefined) },
        {
          name: 'greedy',
          limits: { maxTokens: 100 },
          step: async (_s, ctx) => {
            ctx.recordUsage({ model: 'm', inputTokens: 30, outputTokens: 10 });
            return step.continue();
          },
        },
        gated,
      ],
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('runs an execution to completion, committing messages, logs and counters', async () => {
    const execution = await t.manager.start(principal(), 'steps', { steps: 4 });
    expect(execution.status).toBe('pending');
    const row = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(row).toMatchObject({ status: 'completed', step_count: 4, output: { steps_done: 4 } });

    const messages = await db.sql.query('SELECT seq, role, content FROM agent_messages WHERE execution_id = $1 ORDER BY seq', [
      execution.id,
    ]);
    expect(messages.rows).toEqual([1, 2, 3, 4].map((n) => ({ seq: n, role: 'assistant', content: `step ${n}` })));
    const logs = await db.sql.query('SELECT event_type, step_number FROM agent_logs WHERE execution_id = $1 ORDER BY id', [execution.id]);
    expect(logs.rows.filter((l) => l.event_type === 'step_completed').map((l) => l.step_number)).toEqual([1, 2, 3, 4]);
    expect(logs.rows.at(-1)).toEqual({ event_type: 'completed', step_number: 4 });
  });

  it('crosses chunk boundaries and finishes with the exact step count, staying running between chunks', async () => {
    const statuses: string[] = [];
    const stop = t.events.subscribe((e) => {
      if (e.name === ExecutionEventName.StatusChanged && e.executionId === execution.id) statuses.push(e.status);
    });
    const execution = await t.manager.start(principal(), 'steps', { steps: 80 }); // chunk size 25: 3 boundaries
    const row = await waitForStatus(t, db, execution.id, ['completed', 'failed'], 30_000);
    stop();
    // Lists and clients see no `pending` between chunks: running until it ends.
    expect(statuses.filter((s) => s !== 'running')).toEqual(['completed']);
    const logged = await db.sql.query(
      `SELECT context->>'status' AS status FROM agent_logs WHERE execution_id = $1 AND context ? 'status' ORDER BY id`,
      [execution.id],
    );
    expect(logged.rows.map((r) => r.status).filter((s) => s !== 'running')).toEqual(['completed']);
    expect(row).toMatchObject({ status: 'completed', step_count: 80 });
    const { rows } = await db.sql.query(
      `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seq, max(seq) AS max_seq FROM agent_messages WHERE execution_id = $1`,
      [execution.id],
    );
    expect(rows[0]).toEqual({ n: 80, distinct_seq: 80, max_seq: 80 });
    const chunks = await db.sql.query(
      `SELECT step_number FROM agent_logs WHERE execution_id = $1 AND event_type = 'checkpointed' ORDER BY id`,
      [execution.id],
    );
    expect(chunks.rows.map((r) => r.step_number)).toEqual([25, 50, 75]);
  });

  it('fails a run whose step throws, records the error, and keeps serving', async () => {
    const failing = await t.manager.start(principal(), 'steps', { steps: 5, fail_at: 2 });
    const row = await waitForStatus(t, db, failing.id, ['completed', 'failed']);
    expect(row.status).toBe('failed');
    expect(row.step_count).toBe(1);
    expect(row.error).toEqual({ code: 'step_error', message: 'Step 2 failed as asked (fail_at)' });
    const { rows } = await db.sql.query(`SELECT level, message FROM agent_logs WHERE execution_id = $1 AND event_type = 'failed'`, [
      failing.id,
    ]);
    expect(rows).toEqual([{ level: 'error', message: 'Step 2 failed as asked (fail_at)' }]);
    const messages = await db.sql.query('SELECT count(*)::int AS n FROM agent_messages WHERE execution_id = $1', [failing.id]);
    expect(messages.rows[0].n).toBe(1);

    const next = await t.manager.start(principal(), 'steps', { steps: 2 });
    expect((await waitForStatus(t, db, next.id, ['completed', 'failed'])).status).toBe('completed');
  });

  it('ends a run that reaches maxSteps as failed', async () => {
    const execution = await t.manager.start(principal(), 'limited', {});
    const row = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(row).toMatchObject({ status: 'failed', step_count: 3, error: { code: 'max_steps_exceeded' } });
  });

  it('ends a run that passes maxTokens as failed', async () => {
    const execution = await t.manager.start(principal(), 'greedy', {});
    const row = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(row).toMatchObject({ status: 'failed', step_count: 3, token_usage: '120', error: { code: 'max_tokens_exceeded' } });
  });

  it('aborts the step in flight at timeoutSeconds, even one that ignores its signal', async () => {
    const [slow, deaf] = await Promise.all([t.manager.start(principal(), 'slow', {}), t.manager.start(principal(), 'deaf', {})]);
    for (const id of [slow.id, deaf.id]) {
      const row = await waitForStatus(t, db, id, ['completed', 'failed'], 10_000);
      expect(row).toMatchObject({ status: 'failed', step_count: 0, error: { code: 'timeout' } });
    }
  });

  it('refuses the commit of a runner whose lease was taken over', async () => {
    const execution = await t.manager.start(principal(), 'gated', {});
    await gated.entered;
    // Another runner takes the lease (epoch + 1) while the first is inside its step.
    await db.sql.query(
      `UPDATE agent_executions SET lease_epoch = lease_epoch + 1, lease_owner = 'other', lease_heartbeat_at = now() WHERE id = $1`,
      [execution.id],
    );
    const lost = new Promise<unknown>((resolve) => {
      const stop = t.events.subscribe((e) => {
        if (e.executionId === execution.id && e.name === ExecutionEventName.LeaseLost) resolve((stop(), e));
      });
    });
    gated.release();
    expect(await lost).toMatchObject({ stepNumber: 1, epoch: 1 });
    const { rows } = await db.sql.query('SELECT status, step_count, lease_owner, output FROM agent_executions WHERE id = $1', [
      execution.id,
    ]);
    expect(rows[0]).toEqual({ status: 'running', step_count: 0, lease_owner: 'other', output: null });
    const messages = await db.sql.query('SELECT count(*)::int AS n FROM agent_messages WHERE execution_id = $1', [execution.id]);
    expect(messages.rows[0].n).toBe(0);
  });
});
