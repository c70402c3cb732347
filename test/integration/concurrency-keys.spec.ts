import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Transport } from '../../src/agent/index.js';
import { InvalidRequestError } from '../../src/agent/errors/rate-limited.error.js';
import { RecoveryService } from '../../src/agent/executions/lifecycle/recovery.service.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../../src/agent/infrastructure/queue-names.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const HOLDING = `status NOT IN ('completed', 'failed', 'cancelled') AND NOT (status = 'scheduled' AND scheduled_for IS NULL)`;

describe.each<Transport>(['redis', 'postgres'])('concurrency keys on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      options: { workers: { concurrency: { 'agents-default': 20 } } },
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const count = async (sql: string, params: unknown[] = []) => (await db.sql.query(sql, params)).rows[0].n as number;
  const holding = (key: string) =>
    count(`SELECT count(*)::int AS n FROM agent_executions WHERE concurrency_key = $1 AND ${HOLDING}`, [key]);
  const jobsOf = async (ids: string[]) => {
    let total = 0;
    for (const name of ALL_QUEUES) {
      const jobs = await t.app.get(ExecutionQueue).queue(name).getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      total += jobs.filter((j) => j && 'executionId' in j.data && ids.includes(j.data.executionId)).length;
    }
    return total;
  };

  it('runs exactly 2 of 20 parallel starts at a time, the others waiting with no job, and releases them oldest first', async () => {
    const key = `customer-${transport}`;
    const started = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.manager.start(principal(), 'steps', { steps: 2, step_ms: 60 }, { concurrency: { key, limit: 2 } }),
      ),
    );
    const ids = started.map((e) => e.id);
    const waiting = await db.sql.query(`SELECT id FROM agent_executions WHERE concurrency_key = $1 AND status = 'scheduled'`, [key]);
    expect(waiting.rows.length).toBeGreaterThanOrEqual(17);
    expect(await jobsOf(waiting.rows.map((r) => r.id))).toBe(0);

    let most = 0;
    const watching = (async () => {
      for (;;) {
        most = Math.max(most, await holding(key));
        if ((await count(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'completed'`, [ids])) === 20)
          return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error('not all completed in 30 s')), 30_000))]);
    expect(most).toBe(2);

    // Released in the order they were admitted. (Not necessarily started so: two slots that free
    // together release two runs in one transaction, and two workers lease them side by side.)
    const { rows } = await db.sql.query(
      `SELECT execution_id AS id FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'concurrency_released' ORDER BY id`,
      [ids],
    );
    const { rows: admitted } = await db.sql.query(`SELECT id FROM agent_executions WHERE id = ANY($1) ORDER BY created_at, id`, [ids]);
    expect(rows.slice(2).map((r) => r.id)).toEqual(admitted.slice(2).map((r) => r.id));
    expect(
      await count(`SELECT count(*)::int AS n FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'concurrency_released'`, [ids]),
    ).toBe(20);
  }, 40_000);

  it('counts a key per tenant, across its users, and keys apart', async () => {
    const key = `doc-${transport}`;
    const slow = { steps: 1, step_ms: 1500 };
    const a = await t.manager.start(principal('ada'), 'steps', slow, { concurrency: { key, limit: 1 } });
    const b = await t.manager.start(principal('bob'), 'steps', slow, { concurrency: { key, limit: 1 } });
    const other = await t.manager.start(principal('bob'), 'steps', slow, { concurrency: { key: `${key}-2`, limit: 1 } });
    const elsewhere = await t.manager.start(principal('ada', 't2'), 'steps', slow, { concurrency: { key, limit: 1 } });
    await waitForStatus(t, db, a.id, ['running']);
    await waitForStatus(t, db, other.id, ['running']);
    await waitForStatus(t, db, elsewhere.id, ['running']);
    const row = (await db.sql.query(`SELECT status FROM agent_executions WHERE id = $1`, [b.id])).rows[0];
    expect(row.status).toBe('scheduled');
    await waitForStatus(t, db, b.id, ['completed'], 15_000);
  });

  it('cancels a waiting execution at once (it never runs) and lets the next one in when a holder is cancelled', async () => {
    const key = `cancel-${transport}`;
    const slow = { steps: 5, step_ms: 300 };
    const holder = await t.manager.start(principal(), 'steps', slow, { concurrency: { key, limit: 1 } });
    const second = await t.manager.start(principal(), 'steps', { steps: 1 }, { concurrency: { key, limit: 1 } });
    const third = await t.manager.start(principal(), 'steps', { steps: 1 }, { concurrency: { key, limit: 1 } });
    await waitForStatus(t, db, holder.id, ['running']);
    await t.manager.cancel(principal(), second.id);
    expect((await db.sql.query(`SELECT status, step_count FROM agent_executions WHERE id = $1`, [second.id])).rows[0]).toEqual({
      status: 'cancelled',
      step_count: 0,
    });
    expect((await db.sql.query(`SELECT status FROM agent_executions WHERE id = $1`, [third.id])).rows[0].status).toBe('scheduled');
    await t.manager.cancel(principal(), holder.id, 0);
    await waitForStatus(t, db, third.id, ['completed'], 15_000);
  });

  it('is released by the recovery sweep when the end that should have released it was lost', async () => {
    const key = `lost-${transport}`;
    const holder = await t.manager.start(principal(), 'steps', { steps: 30, step_ms: 200 }, { concurrency: { key, limit: 1 } });
    const waiting = await t.manager.start(principal(), 'steps', { steps: 1 }, { concurrency: { key, limit: 1 } });
    await waitForStatus(t, db, holder.id, ['running']);
    // An end whose settlement never ran (the process died with it): nothing released the waiting one.
    await db.sql.query(`UPDATE agent_executions SET status = 'cancelled', settle_pending = false, completed_at = now() WHERE id = $1`, [
      holder.id,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await db.sql.query(`SELECT status FROM agent_executions WHERE id = $1`, [waiting.id])).rows[0].status).toBe('scheduled');
    await t.app.get(RecoveryService).recoverStuck(1000);
    await waitForStatus(t, db, waiting.id, ['completed'], 15_000);
  });

  it('refuses a bad key or limit, and a key with run_at or await_event, writing nothing', async () => {
    const before = await count(`SELECT count(*)::int AS n FROM agent_executions`);
    for (const concurrency of [
      { key: '', limit: 1 },
      { key: 'x'.repeat(201), limit: 1 },
      { key: 'k', limit: 0 },
      { key: 'k', limit: 1.5 },
      { key: 'k', limit: 10_001 },
    ]) {
      await expect(t.manager.start(principal(), 'steps', { steps: 1 }, { concurrency })).rejects.toBeInstanceOf(InvalidRequestError);
    }
    await expect(
      t.manager.start(principal(), 'steps', { steps: 1 }, { concurrency: { key: 'k', limit: 1 }, runAt: new Date(Date.now() + 60_000) }),
    ).rejects.toThrow(/run_at or await_event/);
    expect(await count(`SELECT count(*)::int AS n FROM agent_executions`)).toBe(before);
  });
});
