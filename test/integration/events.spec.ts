import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTriggerService, type Transport } from '../../src/agent/index.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../../src/agent/infrastructure/queue-names.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

describe.each<Transport>(['redis', 'postgres'])('waiting for events and schedules on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let triggers: EventTriggerService;
  let queues: ExecutionQueue;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      options: { workers: { concurrency: { 'agents-default': 50 } } },
    });
    triggers = t.app.get(EventTriggerService);
    queues = t.app.get(ExecutionQueue);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const jobsHeld = async () => {
    let total = 0;
    for (const name of ALL_QUEUES) {
      const counts = await queues.queue(name).getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      total += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return total;
  };
  const count = async (sql: string, params: unknown[] = []) => (await db.sql.query(sql, params)).rows[0].n as number;

  it('parks 1,000 executions with no job and no worker, and wakes them by tenant and by user, each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          triggers.startAwaitingEvent(principal((i + k) % 10 === 0 ? 'vip' : 'u1'), 'steps', { steps: 1 }, 'order.paid'),
        ),
      );
      ids.push(...batch.map((e) => e.id));
    }
    expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE status = 'awaiting_event'`)).toBe(1000);
    expect(await jobsHeld()).toBe(0);

    expect(await triggers.triggerEvent('order.paid', { x: 1 }, { tenantId: 't2' })).toEqual({ triggered_count: 0 });
    expect(await triggers.triggerEvent('order.shipped', { x: 1 }, { tenantId: 't1' })).toEqual({ triggered_count: 0 });
    expect(await triggers.triggerEvent('order.paid', { who: 'vip' }, { tenantId: 't1', userId: 'vip' })).toEqual({ triggered_count: 100 });
    expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE status = 'awaiting_event' AND user_id = 'vip'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE status = 'awaiting_event' AND user_id = 'u1'`)).toBe(900);

    expect(await triggers.triggerEvent('order.paid', { who: 'all' }, { tenantId: 't1' })).toEqual({ triggered_count: 900 });
    await expect
      .poll(() => count(`SELECT count(*)::int AS n FROM agent_executions WHERE status = 'completed'`), { timeout: 60_000, interval: 200 })
      .toBe(1000);
    // Each woke once: one event in its history, one `event_received` log, one step.
    expect(await count(`SELECT count(*)::int AS n FROM agent_messages WHERE role = 'user' AND content ? 'event'`)).toBe(1000);
    expect(await count(`SELECT count(*)::int AS n FROM agent_logs WHERE event_type = 'event_received'`)).toBe(1000);
    expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE step_count <> 1`)).toBe(0);
    const { rows } = await db.sql.query(
      `SELECT content FROM agent_messages m JOIN agent_executions e ON e.id = m.execution_id WHERE e.id = $1 AND m.role = 'user'`,
      [ids[0]],
    );
    expect(rows[0].content).toEqual({ event: 'order.paid', payload: { who: 'vip' } });
  });

  it('continues exactly once when two triggers race for the same execution', async () => {
    for (let i = 0; i < 20; i++) {
      const execution = await triggers.startAwaitingEvent(principal('racer'), 'steps', { steps: 1 }, `race.${i}`);
      const results = await Promise.all([
        triggers.triggerEvent(`race.${i}`, { n: 1 }, { tenantId: 't1' }),
        triggers.triggerEvent(`race.${i}`, { n: 2 }, { tenantId: 't1', executionId: execution.id }),
      ]);
      expect(results.reduce((sum, r) => sum + r.triggered_count, 0)).toBe(1);
      await waitForStatus(t, db, execution.id, ['completed']);
      expect(
        await count(`SELECT count(*)::int AS n FROM agent_messages WHERE execution_id = $1 AND content ? 'event'`, [execution.id]),
      ).toBe(1);
    }
  });

  it('lets a step wait for an event mid-run, holding no job', async () => {
    const execution = await t.manager.start(principal(), 'steps', { steps: 3, await_event_at: 2 });
    await waitForStatus(t, db, execution.id, ['awaiting_event']);
    expect(await queues.queue('agents-default').getJob(`${execution.id}-1`)).toBeFalsy();
    expect(await triggers.triggerEvent('steps.continue', 'go', { tenantId: 't1', executionId: execution.id })).toEqual({
      triggered_count: 1,
    });
    expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'])).toMatchObject({ status: 'completed', step_count: 3 });
  });

  it('keeps an event that arrives before the wait, and the wait consumes it', async () => {
    const execution = await t.manager.start(principal(), 'steps', { steps: 3, await_event_at: 2, step_ms: 150 });
    await waitForStatus(t, db, execution.id, ['running']);
    expect(await triggers.triggerEvent('steps.continue', { early: true }, { tenantId: 't1', executionId: execution.id })).toEqual({
      triggered_count: 0,
      kept: true,
    });
    expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'])).toMatchObject({ status: 'completed', step_count: 3 });
    const { rows } = await db.sql.query(`SELECT content FROM agent_messages WHERE execution_id = $1 AND role = 'user'`, [execution.id]);
    expect(rows.map((r) => r.content)).toEqual([{ event: 'steps.continue', payload: { early: true } }]);
    expect(
      await count(`SELECT count(*)::int AS n FROM agent_event_inbox WHERE execution_id = $1 AND consumed_at IS NOT NULL`, [execution.id]),
    ).toBe(1);
  });

  it('ends an event wait that times out as failed', async () => {
    const execution = await triggers.startAwaitingEvent(principal(), 'steps', { steps: 1 }, 'never', { timeoutSeconds: 1 });
    expect(await waitForStatus(t, db, execution.id, ['failed', 'completed'])).toMatchObject({
      status: 'failed',
      error: { code: 'awaiting_event_timeout' },
    });
  });

  it('runs a schedule at its time, runs a past one now, and never runs a cancelled one', async () => {
    const runAt = new Date(Date.now() + 1500);
    const scheduled = await t.manager.scheduleAt(principal(), 'steps', { steps: 1 }, runAt);
    expect(scheduled.status).toBe('scheduled');
    const cancelled = await t.manager.scheduleAt(principal(), 'steps', { steps: 1 }, new Date(Date.now() + 1500));
    const past = await t.manager.scheduleAt(principal(), 'steps', { steps: 1 }, new Date(Date.now() - 60_000));

    expect((await t.manager.cancel(principal(), cancelled.id)).execution.status).toBe('cancelled');
    expect(await queues.queue('agents-default').getJob(`${cancelled.id}-0`)).toBeFalsy(); // its delayed job is gone
    expect((await waitForStatus(t, db, past.id, ['completed'])).status).toBe('completed');

    await waitForStatus(t, db, scheduled.id, ['completed']);
    const { rows } = await db.sql.query('SELECT started_at FROM agent_executions WHERE id = $1', [scheduled.id]);
    expect(rows[0].started_at.getTime()).toBeGreaterThanOrEqual(runAt.getTime() - 1000);
    expect((await db.sql.query('SELECT status, step_count FROM agent_executions WHERE id = $1', [cancelled.id])).rows[0]).toEqual({
      status: 'cancelled',
      step_count: 0,
    });
  });
});
