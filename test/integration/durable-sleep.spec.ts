import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step, type AgentDefinition, type Transport } from '../../src/agent/index.js';
import { RecoveryService } from '../../src/agent/executions/lifecycle/recovery.service.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { ALL_QUEUES } from '../../src/agent/infrastructure/queue-names.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const SLEEP_MS = 1500;
/** How late a wake-up may be: the delayed job fires on time; the rest is a lease and a step (on a busy CI machine). */
const TOLERANCE_MS = 2000;

/** Sleeps after its first step, then answers how late it woke. */
const napper: AgentDefinition = {
  name: 'napper',
  step: async (state, ctx) => {
    if (ctx.stepNumber === 1) {
      const ms = typeof state.input === 'object' && state.input && 'ms' in state.input ? Number(state.input.ms) : SLEEP_MS;
      return step.sleep(ms, { data: { wakeAt: Date.now() + ms } });
    }
    return step.done({ late_ms: Date.now() - Number(state.data.wakeAt), steps: ctx.stepNumber });
  },
};
const insomniac: AgentDefinition = { name: 'insomniac', step: async () => step.sleep(Number.NaN) };

describe.each<Transport>(['redis', 'postgres'])('durable sleep on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  const queuePrefix = uniquePrefix();
  const start = () => startTestApp({ transport, db, queuePrefix, agents: [napper, insomniac] });

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await start();
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const row = async (id: string) =>
    (await db.sql.query(`SELECT status, lease_owner, step_count, scheduled_for FROM agent_executions WHERE id = $1`, [id])).rows[0];
  const delayedJobs = async () => {
    let total = 0;
    for (const name of ALL_QUEUES) total += await t.app.get(ExecutionQueue).queue(name).getDelayedCount();
    return total;
  };
  const parked = async (id: string) => {
    await expect.poll(async () => (await row(id)).status, { timeout: 10_000, interval: 20 }).toBe('scheduled');
  };

  it('parks the run with no worker and no lease, and runs the next step on time', async () => {
    const execution = await t.manager.start(principal(), 'napper', { ms: SLEEP_MS });
    await parked(execution.id);
    const sleeping = await row(execution.id);
    expect(sleeping.lease_owner).toBeNull();
    expect(sleeping.step_count).toBe(1);
    expect(new Date(sleeping.scheduled_for).getTime()).toBeGreaterThan(Date.now());
    // Its wake-up: a delayed job, enqueued right after the commit that parked it.
    await expect.poll(delayedJobs, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(1);
    const log = await db.sql.query(`SELECT message, context FROM agent_logs WHERE execution_id = $1 AND event_type = 'sleeping'`, [
      execution.id,
    ]);
    expect(log.rows).toHaveLength(1);
    expect(log.rows[0].context.status).toBe('scheduled');

    const done = await waitForStatus(t, db, execution.id, ['completed'], 10_000);
    const output = done.output as { late_ms: number; steps: number };
    expect(output.steps).toBe(2);
    expect(output.late_ms).toBeGreaterThanOrEqual(-1000);
    expect(output.late_ms).toBeLessThan(TOLERANCE_MS);
  });

  it('wakes on time after the app that parked it is gone and another one starts', async () => {
    const execution = await t.manager.start(principal(), 'napper', { ms: 2500 });
    await parked(execution.id);
    await t.close();
    t = await start();
    const done = await waitForStatus(t, db, execution.id, ['completed'], 10_000);
    expect((done.output as { late_ms: number }).late_ms).toBeLessThan(TOLERANCE_MS);
  });

  it('is woken by the recovery sweep when its wake-up job was lost', async () => {
    const execution = await t.manager.start(principal(), 'napper', { ms: 1500 });
    await parked(execution.id);
    // The wake-up job is enqueued right after the commit that parked the run, so it may not be there yet.
    const removeWakeUp = async () => {
      let removed = 0;
      for (const name of ALL_QUEUES) {
        for (const job of await t.app.get(ExecutionQueue).queue(name).getDelayed())
          if (job && 'executionId' in job.data && job.data.executionId === execution.id) {
            await job.remove();
            removed += 1;
          }
      }
      return removed;
    };
    await expect.poll(removeWakeUp, { timeout: 5000, interval: 20 }).toBeGreaterThan(0);
    const { scheduled_for: due } = await row(execution.id);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, new Date(due).getTime() - Date.now()) + 500));
    expect((await row(execution.id)).status).toBe('scheduled');
    const report = await t.app.get(RecoveryService).recoverStuck(200);
    expect(report.requeued).toContain(execution.id);
    await waitForStatus(t, db, execution.id, ['completed'], 10_000);
  });

  it('runs nothing before its time when a job for it comes early (a re-delivered one): the job comes back when it is due', async () => {
    const execution = await t.manager.start(principal(), 'napper', { ms: 900 });
    await parked(execution.id);
    const { scheduled_for: due } = await row(execution.id);
    // Another job for the sleeper, at once (as a job re-delivered after its worker died would be).
    await t.app.get(ExecutionQueue).enqueue(execution.id, 'agents-default', { epoch: 99 });
    await waitForStatus(t, db, execution.id, ['completed'], 10_000);
    const { rows } = await db.sql.query<{ created_at: Date }>(
      `SELECT created_at FROM agent_logs WHERE execution_id = $1 AND event_type = 'started' ORDER BY id`,
      [execution.id],
    );
    // Leased twice (its first step, then its wake), the second time once it was due.
    expect(rows).toHaveLength(2);
    expect(rows[1]!.created_at.getTime()).toBeGreaterThanOrEqual(new Date(due).getTime());
  });

  it('is cancelled at once while it sleeps, and its wake-up then runs nothing', async () => {
    const execution = await t.manager.start(principal(), 'napper', { ms: 400 });
    await parked(execution.id);
    await t.manager.cancel(principal(), execution.id);
    expect((await row(execution.id)).status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 800));
    const after = await row(execution.id);
    expect(after.status).toBe('cancelled');
    expect(after.step_count).toBe(1);
  });

  it('fails a run whose sleep has no valid time, saying so', async () => {
    const execution = await t.manager.start(principal(), 'insomniac', null);
    const failed = await waitForStatus(t, db, execution.id, ['failed'], 10_000);
    expect(JSON.stringify(failed)).toContain('sleep needs a valid time');
  });
});
