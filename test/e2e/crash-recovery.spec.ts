import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/agent/index.js';
import type { ExampleApp } from '../support/example-app.js';
import type { TestDatabase } from '../support/test-database.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/api-with-workers.js';

const LEASE_TIMEOUT_MS = 1500;

describe.each<Transport>(['redis', 'postgres'])('a worker killed with SIGKILL mid-run (%s transport)', (transport) => {
  let nodes: ApiWithWorkers;
  let db: TestDatabase;
  let api: ExampleApp;

  beforeAll(async () => {
    nodes = await startApiWithWorkers(transport, {
      env: { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) },
      apiEnv: { AGENTS_WORKERS: 'off' },
    });
    ({ db, api } = nodes);
  });

  afterAll(() => nodes?.close());

  const row = async (id: string) =>
    (await db.sql.query('SELECT status, step_count, lease_epoch FROM agent_executions WHERE id = $1', [id])).rows[0];

  it('is recovered by another worker after the lease timeout, with the exact step count and no step twice', async () => {
    const res = await request(api.app.getHttpServer())
      .post('/api/agents')
      .set('authorization', `Bearer ${api.token({})}`)
      .send({ agent_type: 'steps', input: { steps: 30, step_ms: 100 } });
    expect(res.status).toBe(201);
    const id = res.body.id as string;

    const first = await nodes.startWorker();
    await expect.poll(async () => (await row(id)).step_count, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(5);
    await first.stop('SIGKILL');
    const atCrash = await row(id);
    expect(atCrash.status).toBe('running');
    expect(atCrash.step_count).toBeLessThan(30);

    const second = await nodes.startWorker();
    await expect.poll(async () => (await row(id)).status, { timeout: 30_000, interval: 100 }).toBe('completed');

    const final = await row(id);
    expect(final.step_count).toBe(30);
    expect(final.lease_epoch).toBeGreaterThanOrEqual(2);
    const messages = await db.sql.query('SELECT seq FROM agent_messages WHERE execution_id = $1 ORDER BY seq', [id]);
    expect(messages.rows.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const steps = await db.sql.query(
      `SELECT step_number FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_completed' ORDER BY id`,
      [id],
    );
    expect(steps.rows.map((s) => s.step_number)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await second.stop();
  });

  it('killed while it commits the steps of many executions in batches: nothing committed is lost, no step lands twice', async () => {
    const RUNS = 24;
    const STEPS = 60;
    const ids: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const res = await request(api.app.getHttpServer())
        .post('/api/agents')
        .set('authorization', `Bearer ${api.token({ userId: `batch-${n}` })}`)
        .send({ agent_type: 'steps', input: { steps: STEPS, step_ms: 1 } });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const stepsDone = async () =>
      Number((await db.sql.query('SELECT sum(step_count) AS n FROM agent_executions WHERE id = ANY($1)', [ids])).rows[0].n);

    const first = await nodes.startWorker();
    await expect.poll(stepsDone, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(200);
    await first.stop('SIGKILL');
    const atCrash = await db.sql.query('SELECT id, step_count FROM agent_executions WHERE id = ANY($1)', [ids]);
    expect(atCrash.rows.some((r) => r.step_count < STEPS)).toBe(true);

    // The steps went to PostgreSQL in batches: rows of different executions committed by one transaction share its now().
    const shared = await db.sql.query(
      `SELECT count(*)::int AS n FROM (SELECT created_at FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'step_completed'
         GROUP BY created_at HAVING count(DISTINCT execution_id) > 1) batches`,
      [ids],
    );
    expect(shared.rows[0].n).toBeGreaterThan(0);

    const second = await nodes.startWorker();
    await expect
      .poll(
        async () =>
          (await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE id = ANY($1) AND status = 'completed'`, [ids])).rows[0]
            .n,
        {
          timeout: 60_000,
          interval: 100,
        },
      )
      .toBe(RUNS);
    const everyStep = Array.from({ length: STEPS }, (_, i) => i + 1);
    for (const [n, id] of ids.entries()) {
      const committedBefore = atCrash.rows.find((r) => r.id === id)!.step_count;
      const messages = await db.sql.query('SELECT seq FROM agent_messages WHERE execution_id = $1 ORDER BY seq', [id]);
      expect(
        messages.rows.map((m) => m.seq),
        `run ${n} (${committedBefore} steps at the kill)`,
      ).toEqual(everyStep);
      const steps = await db.sql.query(
        `SELECT step_number FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_completed' ORDER BY id`,
        [id],
      );
      expect(
        steps.rows.map((s) => s.step_number),
        `run ${n}`,
      ).toEqual(everyStep);
    }
    await second.stop();
  });
});
