import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTriggerService, ExecutionEventName, type Transport } from '../../src/agent/index.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import type { ExecutionJobData } from '../../src/agent/infrastructure/queue-backend.js';
import { ExecutionRunner } from '../../src/agent/executions/run/execution-runner.js';
import { ExecutionStore } from '../../src/agent/executions/run/execution-store.js';
import { RecoveryService } from '../../src/agent/executions/lifecycle/recovery.service.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const BATCH = 100;

/** The jobs `addBulk` / `add` put on a queue while `work` runs (observed on the real queue, which still gets them). */
async function jobsAddedDuring(queue: Queue<ExecutionJobData>, work: () => Promise<unknown>): Promise<ExecutionJobData[]> {
  const added: ExecutionJobData[] = [];
  const { add, addBulk } = queue;
  queue.addBulk = (jobs) => {
    added.push(...jobs.map((j) => j.data));
    return addBulk.call(queue, jobs);
  };
  queue.add = (name, data, opts) => {
    added.push(data);
    return add.call(queue, name, data, opts);
  };
  try {
    await work();
  } finally {
    queue.addBulk = addBulk;
    queue.add = add;
  }
  return added;
}

describe.each<Transport>(['redis', 'postgres'])('a trigger waking many executions, on the %s transport', (transport) => {
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
      options: { workers: { concurrency: { 'agents-default': 10 } }, events: { wakeBatchSize: BATCH } },
    });
    triggers = t.app.get(EventTriggerService);
    queues = t.app.get(ExecutionQueue);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const count = async (sql: string, params: unknown[] = []) => (await db.sql.query(sql, params)).rows[0].n as number;
  const park = async (n: number, eventType: string, userId = 'u1') => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, n - i) }, () => triggers.startAwaitingEvent(principal(userId), 'steps', { steps: 2 }, eventType)),
      );
      ids.push(...batch.map((e) => e.id));
    }
    return ids;
  };

  it('enqueues one job per batch, not one per execution, and every execution completes exactly once', async () => {
    const ids = await park(300, 'bulk.go');
    // 300 woken on 10 slots: batches of the minimum, 100 (⌈300 / 10⌉ = 30 would be smaller) → 3 jobs.
    const mine = new Set(ids);
    const statuses = new Map<string, { status: string; seq: number }[]>();
    const stop = t.events.subscribe((e) => {
      if (e.name !== ExecutionEventName.StatusChanged || !mine.has(e.executionId)) return;
      statuses.set(e.executionId, [...(statuses.get(e.executionId) ?? []), { status: e.status, seq: e.seq }]);
    });
    const jobs = await jobsAddedDuring(queues.queue('agents-default'), async () => {
      expect(await triggers.triggerEvent('bulk.go', {}, { tenantId: 't1' })).toEqual({ triggered_count: 300 });
    });
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => 'executionIds' in j && j.executionIds.length === BATCH)).toBe(true);
    expect(jobs.flatMap((j) => ('executionIds' in j ? j.executionIds : [])).sort()).toEqual([...ids].sort());

    await expect
      .poll(() => count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'completed'`, [ids]), {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(300);
    stop();
    // Every execution announced pending, then running, then completed, in that order and by rising seq.
    for (const id of ids) {
      const seen = statuses.get(id) ?? [];
      expect(seen.map((x) => x.status)).toEqual(['pending', 'running', 'completed']);
      expect(seen.map((x) => x.seq)).toEqual([...seen.map((x) => x.seq)].sort((a, b) => a - b));
    }
    // One lease each (one `started` row), two steps each, the event and two answers in the history.
    expect(await count(`SELECT count(*)::int AS n FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'started'`, [ids])).toBe(
      300,
    );
    expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND step_count <> 2`, [ids])).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM agent_messages WHERE execution_id = ANY($1)`, [ids])).toBe(900);
  });

  it('a batch leases and runs only the executions still pending: not one cancelled or taken by another runner meanwhile', async () => {
    const ids = await park(10, 'bulk.partial', 'u2');
    // Woken, but the workers do not take the batch job: the test runs the batch itself.
    await queues.queue('agents-default').pause();
    try {
      await triggers.triggerEvent('bulk.partial', {}, { tenantId: 't1' });
      const [cancelled, taken, ...others] = ids;
      expect((await t.manager.cancel(principal('u2'), cancelled)).execution.status).toBe('cancelled');
      const other = await t.app.get(ExecutionStore).acquireLease(taken, 'another-runner', 30_000);
      expect(other).not.toBeNull();

      expect(await t.app.get(ExecutionRunner).runBatch(ids)).toBe(8);

      const rows = (
        await db.sql.query('SELECT id, status, step_count, lease_epoch, lease_owner FROM agent_executions WHERE id = ANY($1)', [ids])
      ).rows;
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(cancelled)).toMatchObject({ status: 'cancelled', step_count: 0 });
      expect(byId.get(taken)).toMatchObject({ status: 'running', step_count: 0, lease_epoch: other!.epoch, lease_owner: 'another-runner' });
      for (const id of others) expect(byId.get(id)).toMatchObject({ status: 'completed', step_count: 2 });
      const started = await db.sql.query(
        `SELECT execution_id, count(*)::int AS n FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'started' GROUP BY 1`,
        [ids],
      );
      expect(Object.fromEntries(started.rows.map((r) => [r.execution_id, r.n]))).toEqual(
        Object.fromEntries([[taken, 1], ...others.map((id) => [id, 1])]),
      );
      // The one another runner holds gets a job of its own: it takes over if that runner's lease goes stale.
      expect(await queues.queue('agents-default').getJob(`${taken}-${other!.epoch}`)).toBeTruthy();
    } finally {
      await queues.queue('agents-default').resume();
    }
  });

  it('gives back the budget reservations the leased executions still held, summed per ledger row', async () => {
    const ids = await park(3, 'bulk.reserved', 'u3');
    await queues.queue('agents-default').pause();
    try {
      await triggers.triggerEvent('bulk.reserved', {}, { tenantId: 't1' });
      const period = '2026-01-01';
      await db.sql.query(
        `INSERT INTO agent_budget_ledger (tenant_id, user_id, period, reserved_tokens, reserved_usd) VALUES ('t1', 'u3', $1, 100, 1)`,
        [period],
      );
      // Two of them hold a reservation a runner left behind (it died mid-step); the third holds none.
      const reservation = { period, keys: ['u3'], tokens: 30, usd: 0.25 };
      await db.sql.query(`UPDATE agent_executions SET budget_reservation = $2 WHERE id = ANY($1)`, [ids.slice(0, 2), reservation]);

      expect(await t.app.get(ExecutionRunner).runBatch(ids)).toBe(3);

      const ledger = (await db.sql.query(`SELECT reserved_tokens, reserved_usd FROM agent_budget_ledger WHERE user_id = 'u3'`)).rows[0];
      expect({ tokens: Number(ledger.reserved_tokens), usd: Number(ledger.reserved_usd) }).toEqual({ tokens: 40, usd: 0.5 });
      expect(
        await count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND budget_reservation IS NOT NULL`, [ids]),
      ).toBe(0);
    } finally {
      await queues.queue('agents-default').resume();
    }
  });

  it('finds woken executions whose batch job was lost: the recovery sweep enqueues them again', async () => {
    const ids = await park(150, 'bulk.lost', 'u4');
    const queue = queues.queue('agents-default');
    await queue.pause();
    try {
      const jobs = await jobsAddedDuring(queue, () => triggers.triggerEvent('bulk.lost', {}, { tenantId: 't1' }));
      expect(jobs).toHaveLength(2); // 100 + 50
      // The batch jobs are lost (a queue failure after the wake committed): the rows are pending with no job.
      for (const job of await queue.getJobs(['waiting', 'prioritized'])) {
        if (job && 'executionIds' in job.data && job.data.executionIds.some((id) => ids.includes(id))) await job.remove();
      }
      expect(await count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'pending'`, [ids])).toBe(150);
    } finally {
      await queue.resume();
    }
    await new Promise((r) => setTimeout(r, 300));
    const report = await t.app.get(RecoveryService).recoverStuck(200);
    expect(report.requeued.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    await expect
      .poll(() => count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'completed'`, [ids]), {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(150);
  });
});
