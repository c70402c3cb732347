import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/agent/index.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const LEASE_TIMEOUT_MS = 1500;

describe.each<Transport>(['redis', 'postgres'])('a worker killed with SIGKILL mid-run (%s transport)', (transport) => {
  let db: TestDatabase;
  let api: ExampleApp;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    env = exampleEnv(db, transport, { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) });
    api = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX!, { ...env, AGENTS_WORKERS: 'off' });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await api?.close();
    await db?.drop();
  });

  const row = async (id: string) =>
    (await db.sql.query('SELECT status, step_count, lease_epoch FROM agent_executions WHERE id = $1', [id])).rows[0];

  it('is recovered by another worker after the lease timeout, with the exact step count and no step twice', async () => {
    const res = await request(api.app.getHttpServer())
      .post('/api/agents')
      .set('authorization', `Bearer ${api.token({})}`)
      .send({ agent_type: 'steps', input: { steps: 30, step_ms: 100 } });
    expect(res.status).toBe(201);
    const id = res.body.id as string;

    const first = startWorkerProcess(env);
    workers.push(first);
    await first.ready;
    await expect.poll(async () => (await row(id)).step_count, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(5);
    await first.stop('SIGKILL');
    const atCrash = await row(id);
    expect(atCrash.status).toBe('running');
    expect(atCrash.step_count).toBeLessThan(30);

    const second = startWorkerProcess(env);
    workers.push(second);
    await second.ready;
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
});
