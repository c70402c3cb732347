import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentManager, type Transport } from '../../src/agent/index.js';
import { RecoveryService } from '../../src/agent/executions/lifecycle/recovery.service.js';
import { principal } from '../support/test-app.js';
import type { ExampleApp } from '../support/example-app.js';
import type { TestDatabase } from '../support/test-database.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/api-with-workers.js';

/**
 * A worker process of the example app killed with SIGKILL while executions wait: in a durable sleep,
 * and in the backoff before a step's next attempt. Nothing waits on a worker, so a new worker (or
 * none at all, until it wakes) takes them on time, each step committed once.
 */
const LEASE_TIMEOUT_MS = 1500;

describe.each<Transport>(['redis', 'postgres'])('a worker killed while executions sleep or back off (%s transport)', (transport) => {
  let nodes: ApiWithWorkers;
  let db: TestDatabase;
  let api: ExampleApp;

  beforeAll(async () => {
    nodes = await startApiWithWorkers(transport, {
      env: { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) },
      apiEnv: { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off' },
    });
    ({ db, api } = nodes);
  });

  afterAll(() => nodes?.close());

  const row = async (id: string) =>
    (await db.sql.query(`SELECT status, step_count, lease_owner FROM agent_executions WHERE id = $1`, [id])).rows[0];
  it('finishes on time what slept and what backed off when their worker was killed meanwhile', { timeout: 60_000 }, async () => {
    const manager = api.app.get(AgentManager);
    const owner = principal('u1', 't1', 'pro');
    const sleeper = await manager.start(owner, 'steps', { steps: 3, sleep_at: 1, sleep_ms: 2500 });
    const flaky = await manager.start(owner, 'steps', { steps: 2, retry_at: 1, retryable_failures: 1 });
    const first = await nodes.startWorker();
    await expect.poll(async () => (await row(sleeper.id)).status, { timeout: 15_000, interval: 20 }).toBe('scheduled');
    await expect.poll(async () => (await row(flaky.id)).status, { timeout: 15_000, interval: 20 }).toBe('scheduled');
    // Parked: no lease, nothing to lose but the worker.
    expect((await row(sleeper.id)).lease_owner).toBeNull();
    await first.stop('SIGKILL');

    await nodes.startWorker();
    // The wake-up jobs are hints: one the kill caught between the commit and its enqueue is found by the
    // recovery sweep (a cron in production, every half second here), from the row's own time, once a lease timeout late.
    const recovery = api.app.get(RecoveryService);
    const done = (id: string) => async () => {
      await recovery.recoverStuck(LEASE_TIMEOUT_MS);
      return (await row(id)).status;
    };
    await expect.poll(done(flaky.id), { timeout: 20_000, interval: 500 }).toBe('completed');
    await expect.poll(done(sleeper.id), { timeout: 20_000, interval: 500 }).toBe('completed');
    // Not before its time: the step after the sleep started once `scheduled_for` (its end) had passed.
    const { rows } = await db.sql.query(
      `SELECT e.scheduled_for, l.created_at FROM agent_executions e JOIN agent_logs l ON l.execution_id = e.id
       WHERE e.id = $1 AND l.event_type = 'step_completed' AND l.step_number = 2`,
      [sleeper.id],
    );
    expect(rows[0].created_at.getTime()).toBeGreaterThanOrEqual(rows[0].scheduled_for.getTime());

    for (const [id, steps] of [
      [sleeper.id, 3],
      [flaky.id, 2],
    ] as const) {
      expect((await row(id)).step_count).toBe(steps);
      const repeated = await db.sql.query(
        `SELECT step_number FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_completed' GROUP BY 1 HAVING count(*) > 1`,
        [id],
      );
      expect(repeated.rows).toEqual([]);
    }
    const retries = await db.sql.query(`SELECT context FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_retry_scheduled'`, [
      flaky.id,
    ]);
    expect(retries.rows.map((r) => r.context.attempt)).toEqual([2]);
  });
});
