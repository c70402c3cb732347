import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { adminUrl } from '../support/test-env.js';

/** One sample of a Prometheus text exposition, e.g. `agent_active_executions{agent_type="steps"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0]!;
    if (wanted.every((w) => labelText.includes(w))) return Number(line.split(' ').at(-1));
  }
  return null;
}

describe('health and metrics endpoints', () => {
  let db: TestDatabase;
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ transport: 'redis', db, queuePrefix: uniquePrefix(), providers: [StepsAgent] });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterAll(async () => {
    await adminQuery(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await t?.close();
    await db?.drop();
  });

  it('reports the database, the queue backend and the notifier up', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info).sort()).toEqual(['database', 'notifier', 'queue', 'sandbox']);
    expect(body.info.queue).toMatchObject({ status: 'up', transport: 'redis' });
    // Which isolation the bash tool has here, or why it is refused.
    expect(body.info.sandbox.status).toBe('up');
    expect(['bubblewrap', 'unavailable']).toContain(body.info.sandbox.isolation);
    if (body.info.sandbox.isolation === 'unavailable') expect(body.info.sandbox.bash).toMatch(/refused/);
    else
      expect(body.info.sandbox).toMatchObject({
        bash: 'available',
        disk: expect.any(String),
        network: expect.any(String),
        user: expect.any(String),
      });
  });

  it('shows the active executions gauge going up while one runs and back to 0, and the queue depths', async () => {
    const execution = await t.manager.start(principal(), 'steps', { steps: 50, step_ms: 20 });
    await waitForStatus(t, db, execution.id, ['running']);
    const during = await (await fetch(`${base}/metrics`)).text();
    expect(sample(during, 'agent_active_executions', { agent_type: 'steps' })).toBe(1);
    await t.manager.forceKill(principal(), execution.id);
    await waitForStatus(t, db, execution.id, ['cancelled']);

    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const after = await response.text();
    expect(sample(after, 'agent_active_executions', { agent_type: 'steps' })).toBe(0);
    for (const queue of ['agents-default', 'agents-long', 'agents-priority']) {
      expect(sample(after, 'agent_queue_depth', { queue, state: 'waiting' })).toBe(0);
    }
  });

  it('answers 503 naming the database when PostgreSQL refuses its connections', async () => {
    // Nothing may connect to this database any more, and the pool's open connections are cut.
    await adminQuery(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`);
    try {
      const response = await fetch(`${base}/health`);
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.status).toBe('error');
      expect(body.error.database.status).toBe('down');
      expect(body.info.queue.status).toBe('up');
    } finally {
      await adminQuery(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
    }
    await expect.poll(async () => (await fetch(`${base}/health`)).status, { timeout: 5_000 }).toBe(200);
  });
});

/** On the maintenance database: the test database's own connections are cut off. */
async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
