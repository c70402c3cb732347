import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/agent/index.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/api-with-workers.js';
import { freePort } from '../support/free-port.js';
import { startAppProcess, type WorkerProcess } from '../support/worker-process.js';

const LEASE_TIMEOUT_MS = 1500;
const STEPS = 12;

/**
 * An app process with eager starts on (`AGENTS_EAGER_START=on`) starts a run, which runs in its
 * own worker slot with no job, and is then killed or stopped; a worker process takes the run over.
 */
describe.each<Transport>(['redis', 'postgres'])('an eager start whose process ends mid-run (%s transport)', (transport) => {
  let nodes: ApiWithWorkers;
  const apps: WorkerProcess[] = [];

  beforeAll(async () => {
    nodes = await startApiWithWorkers(transport, {
      env: { AGENTS_LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS) },
      apiEnv: { AGENTS_WORKERS: 'off' },
    });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await nodes?.close();
  });

  const row = async (id: string) =>
    (await nodes.db.sql.query('SELECT status, step_count, lease_epoch FROM agent_executions WHERE id = $1', [id])).rows[0] as {
      status: string;
      step_count: number;
      lease_epoch: number;
    };

  /** An app process with eager starts on, and a run started through its API once it is up. */
  async function eagerRun(userId: string): Promise<{ app: WorkerProcess; id: string }> {
    const port = await freePort();
    const app = startAppProcess({ ...nodes.env, AGENTS_EAGER_START: 'on', PORT: String(port) });
    apps.push(app);
    await app.ready;
    const res = await fetch(`http://127.0.0.1:${port}/api/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nodes.api.token({ userId })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_type: 'steps', input: { steps: STEPS, step_ms: 150 } }),
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    await expect.poll(async () => (await row(id)).step_count, { timeout: 20_000, interval: 25 }).toBeGreaterThanOrEqual(3);
    // Eager: admitted and leased in one transaction, so the run's first `started` row has the execution's own now().
    const started = await nodes.db.sql.query(
      `SELECT l.created_at = e.created_at AS eager FROM agent_logs l JOIN agent_executions e ON e.id = l.execution_id
       WHERE l.execution_id = $1 AND l.event_type = 'started' ORDER BY l.id LIMIT 1`,
      [id],
    );
    expect(started.rows[0].eager).toBe(true);
    return { app, id };
  }

  /** The run ends exactly once per step, on the worker process that took it over. */
  async function completedByAWorker(id: string): Promise<void> {
    const worker = await nodes.startWorker();
    await expect.poll(async () => (await row(id)).status, { timeout: 30_000, interval: 100 }).toBe('completed');
    const final = await row(id);
    expect(final.step_count).toBe(STEPS);
    expect(final.lease_epoch).toBeGreaterThanOrEqual(2);
    const steps = await nodes.db.sql.query(
      `SELECT step_number FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_completed' ORDER BY id`,
      [id],
    );
    expect(steps.rows.map((s) => s.step_number)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    await worker.stop();
  }

  it('killed with SIGKILL: its start job, delayed, finds the lease stale and a worker runs the rest, no step lost or twice', async () => {
    const { app, id } = await eagerRun('killed');
    await app.stop('SIGKILL');
    const atCrash = await row(id);
    expect(atCrash).toMatchObject({ status: 'running', lease_epoch: 1 });
    expect(atCrash.step_count).toBeLessThan(STEPS);
    await completedByAWorker(id);
  });

  it('stopped with SIGTERM: it hands the run over at the next step and exits at once', async () => {
    const { app, id } = await eagerRun('stopped');
    const t0 = performance.now();
    await app.stop('SIGTERM');
    expect(performance.now() - t0).toBeLessThan(10_000);
    const handedOver = await row(id);
    expect(handedOver.status).toBe('pending');
    expect(handedOver.step_count).toBeLessThan(STEPS);
    await completedByAWorker(id);
  });
});
