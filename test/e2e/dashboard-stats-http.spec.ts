import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentsClient } from '../../client/index.js';
import { StatsRollupJob } from '../../src/agent/index.js';
import { exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { responseChecker } from '../support/openapi-responses.js';
import { waitForStatus } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ROUTES = ['overview', 'queues', 'usage'] as const;

/** The dashboard's statistics over HTTP: admins of the tenant only, a valid window, the tenant's own figures. */
describe('dashboard statistics over HTTP (example app, Redis transport)', () => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  const as = (who: { tenantId?: string; userId?: string; admin?: boolean }) => `Bearer ${example.token(who)}`;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'redis');
    example = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env);
    http = request(example.app.getHttpServer());
    admin = as({ userId: 'root', admin: true });
    const started = await http
      .post('/api/agents')
      .set('authorization', as({ userId: 'alice' }))
      .send({ agent_type: 'steps', input: { steps: 2 } });
    expect(started.status).toBe(201);
    await waitForStatus(example, db, started.body.id, ['completed']);
    // The app's own job rolls up every few seconds; a cycle run here (or the job's, holding the lock) makes it count now.
    const job = example.app.get(StatsRollupJob);
    await vi.waitFor(
      async () => {
        await job.rollup.run();
        expect((await http.get('/api/admin/dashboard/overview').set('authorization', admin)).body.totals?.completed).toBe(1);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  it('answers an admin the documented shapes, for every window', async () => {
    const document = (await http.get('/api/docs-json').expect(200)).body;
    const { check, mismatches } = responseChecker(document);
    for (const route of ROUTES) {
      for (const [window, buckets] of [
        [undefined, 60],
        ['hour', 60],
        ['day', 144],
        ['week', 168],
      ] as const) {
        const res = await http
          .get(`/api/admin/dashboard/${route}`)
          .query(window ? { window } : {})
          .set('authorization', admin);
        expect(res.status, `${route} ${window}`).toBe(200);
        check('get', `/api/admin/dashboard/${route}`, res.status, res.body);
        expect(res.body.window).toBe(window ?? 'hour');
        const series = route === 'queues' ? res.body.queues[0].series : res.body.series;
        expect(series).toHaveLength(buckets);
      }
    }
    expect(mismatches).toEqual([]);

    const overview = (await http.get('/api/admin/dashboard/overview').set('authorization', admin)).body;
    expect(overview.totals).toMatchObject({ started: 1, completed: 1, failed: 0, steps: 2, failure_rate: 0 });
    expect(overview.totals.wait.p50_ms).toBeGreaterThanOrEqual(0);
    expect(overview.current).toMatchObject({ running: 0, parked: { pending: 0 } });
    const queues = (await http.get('/api/admin/dashboard/queues').set('authorization', admin)).body.queues;
    const main = queues.find((q: { queue: string }) => q.queue === 'agents-default');
    expect(main.series.reduce((n: number, b: { started: number }) => n + b.started, 0)).toBe(1);
    // This node's workers, as Redis lists their connections.
    expect(main.workers.length).toBeGreaterThan(0);
    expect(main.workers[0]).toMatchObject({ name: expect.stringContaining('agents-default'), addr: expect.any(String) });
    const usage = (await http.get('/api/admin/dashboard/usage?window=day').set('authorization', admin)).body;
    expect(usage).toMatchObject({ window: 'day', bucket_seconds: 600, budgets: [] });
  });

  it('refuses a bad window or an unknown parameter (400), a non-admin (403) and no token (401)', async () => {
    for (const route of ROUTES) {
      const path = `/api/admin/dashboard/${route}`;
      for (const query of ['window=month', 'window=', 'window=hour&window=day', 'from=2026-01-01']) {
        expect((await http.get(`${path}?${query}`).set('authorization', admin)).status, `${path}?${query}`).toBe(400);
      }
      expect((await http.get(path).set('authorization', as({ userId: 'alice' }))).status).toBe(403);
      expect((await http.get(path)).status).toBe(401);
    }
  });

  it("shows an admin only the own tenant's figures", async () => {
    const other = as({ tenantId: 't2', userId: 'boss', admin: true });
    const overview = (await http.get('/api/admin/dashboard/overview').set('authorization', other)).body;
    expect(overview.totals).toMatchObject({ started: 0, completed: 0, steps: 0, input_tokens: 0 });
    const queues = (await http.get('/api/admin/dashboard/queues').set('authorization', other)).body.queues;
    for (const q of queues) expect(q.series.every((b: { started: number }) => b.started === 0)).toBe(true);
    expect((await http.get('/api/admin/dashboard/usage').set('authorization', other)).body.by_user).toEqual([]);
  });

  it('is what the typed client reads as client.admin.dashboard', async () => {
    const client = new AgentsClient({
      baseUrl: `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`,
      token: example.token({ userId: 'root', admin: true }),
    });
    try {
      expect(await client.admin.dashboard.overview('day')).toMatchObject({ window: 'day', totals: { completed: 1 } });
      expect((await client.admin.dashboard.queues()).queues).toHaveLength(3);
      expect(await client.admin.dashboard.usage('week')).toMatchObject({ window: 'week', bucket_seconds: 3600 });
    } finally {
      client.close();
    }
  });
});
