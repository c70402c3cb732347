import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { executionRow, seedExecution } from '../support/execution-factory.js';
import { readSse } from '../support/sse.js';
import { unscopedQueriesDuring } from '../support/sql-audit.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { UNLIMITED_TEST_TIER } from '../support/test-app.js';

describe.each(HTTP_PLATFORMS)('tenancy over HTTP: limits, queues, isolation on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(
      db,
      uniquePrefix(),
      {
        AGENTS_WORKERS: 'off',
        AGENTS_TIERS: JSON.stringify({ ...UNLIMITED_TEST_TIER, tiny: { maxConcurrent: 2, perHour: 3 } }),
      },
      [],
      platform,
    );
    http = request(example.app.getHttpServer());
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const as = (who: { tenantId?: string; userId?: string; tier?: string; admin?: boolean }) => `Bearer ${example.token(who)}`;

  it('answers 429 with the SPEC body and Retry-After, and reports usage on /limits', async () => {
    const tiny = as({ userId: 'tiny-user', tier: 'tiny' });
    const start = () =>
      http
        .post('/api/agents')
        .set('authorization', tiny)
        .send({ agent_type: 'steps', input: { steps: 1 } });
    const first = await start();
    const second = await start();
    expect([first.status, second.status]).toEqual([201, 201]);
    const overConcurrent = await start();
    expect(overConcurrent.status).toBe(429);
    expect(overConcurrent.headers['retry-after']).toBe('30');
    expect(overConcurrent.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Concurrency limit reached (2 at once)',
      details: { code: 'rate_limited' },
      limits: {
        concurrent: { used: 2, limit: 2, remaining: 0 },
        hourly: { used: 2, limit: 3, remaining: 1, resets_at: expect.any(String) },
      },
    });
    const resetsAt = Date.parse(overConcurrent.body.limits.hourly.resets_at);
    expect(resetsAt - Date.parse(first.body.created_at)).toBeGreaterThanOrEqual(3_599_000);
    expect(resetsAt - Date.parse(first.body.created_at)).toBeLessThanOrEqual(3_601_000);

    await http.delete(`/api/agents/${first.body.id}`).set('authorization', tiny);
    expect((await start()).status).toBe(201); // a slot freed; third start of the hour
    await http.delete(`/api/agents/${second.body.id}`).set('authorization', tiny);
    const overHourly = await start();
    expect(overHourly.status).toBe(429);
    expect(overHourly.body.message).toBe('Hourly limit reached (3 starts per hour)');
    expect(Number(overHourly.headers['retry-after'])).toBeGreaterThan(3500);
    const limits = await http.get('/api/agents/limits').set('authorization', tiny);
    expect(limits.status).toBe(200);
    expect(limits.body).toEqual(overHourly.body.limits);
  });

  it('chooses queues by tier, type, estimated steps and allowed explicit choice', async () => {
    const start = (who: string, body: object) =>
      http
        .post('/api/agents')
        .set('authorization', who)
        .send({ input: {}, agent_type: 'steps', ...body });
    expect((await start(as({ tier: 'enterprise', userId: 'ent' }), {})).body.queue).toBe('agents-priority');
    expect((await start(as({}), {})).body.queue).toBe('agents-default');
    expect((await start(as({}), { agent_type: 'research' })).body.queue).toBe('agents-long');
    expect((await start(as({}), { options: { estimated_steps: 80 } })).body.queue).toBe('agents-long');
    const refused = await start(as({}), { options: { queue: 'agents-priority' } });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual({ code: 'queue_not_allowed', allowed_queues: ['agents-default', 'agents-long'] });
  });

  it("refuses every route and changes nothing when another user or tenant tries someone's execution, without one unscoped query", async () => {
    const id = await seedExecution(db, { status: 'running', userId: 'owner' });
    const parked = await seedExecution(db, { status: 'awaiting_input', userId: 'owner' });
    const before = [await executionRow(db, id), await executionRow(db, parked)];
    const port = (example.app.getHttpServer().address() as AddressInfo).port;
    const strangers = [
      as({ userId: 'mallory' }),
      as({ tenantId: 't2', userId: 'owner' }),
      as({ tenantId: 't2', userId: 'boss', admin: true }),
    ];

    const { audited, unscoped } = await unscopedQueriesDuring(async () => {
      for (const who of strangers) {
        for (const target of [id, parked]) {
          const responses = [
            await http.get(`/api/agents/${target}`).set('authorization', who),
            await http.get(`/api/agents/${target}/logs`).set('authorization', who),
            await http.get(`/api/agents/${target}/transcript`).set('authorization', who),
            await http.post(`/api/agents/${target}/pause`).set('authorization', who).send({}),
            await http.post(`/api/agents/${target}/resume`).set('authorization', who).send({}),
            await http.post(`/api/agents/${target}/cancel`).set('authorization', who).send({}),
            await http.post(`/api/agents/${target}/input`).set('authorization', who).send({ input: 'x' }),
            await http.delete(`/api/agents/${target}`).set('authorization', who),
          ];
          expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404]);
          expect((await readSse(`http://127.0.0.1:${port}/api/agents/${target}/stream`, { authorization: who })).status).toBe(404);
        }
      }
      // An admin of another tenant sees nothing of this one; a non-admin gets no admin route at all.
      const foreignAdmin = strangers[2]!;
      for (const path of [`/api/admin/agents/${id}`, `/api/admin/agents/${id}/logs`, `/api/admin/agents/${id}/transcript`]) {
        expect((await http.get(path).set('authorization', foreignAdmin)).status).toBe(404);
      }
      expect((await http.delete(`/api/admin/agents/${id}`).set('authorization', foreignAdmin)).status).toBe(404);
      expect(
        (await http.get('/api/admin/agents').set('authorization', foreignAdmin)).body.data.map((e: { id: string }) => e.id),
      ).not.toContain(id);
      expect((await http.get(`/api/admin/agents/${id}`).set('authorization', strangers[0]!)).status).toBe(403);
    });

    expect(audited).toBeGreaterThan(50);
    expect(unscoped).toEqual([]);
    expect([await executionRow(db, id), await executionRow(db, parked)]).toEqual(before);
  });

  it('keeps conversations, pipelines and usage to their owner on every route, without one unscoped query', async () => {
    const owner = as({ userId: 'owner' });
    const conversation = (await http.post('/api/conversations').set('authorization', owner).send({ agent_type: 'steps', message: 'hello' }))
      .body.conversation;
    const pipeline = (
      await http
        .post('/api/pipelines')
        .set('authorization', owner)
        .send({ input: 'x', stages: [{ name: 'one', agent_type: 'steps' }] })
    ).body;
    expect(conversation?.id && pipeline?.id).toBeTruthy();
    const strangers = [
      as({ userId: 'mallory' }),
      as({ tenantId: 't2', userId: 'owner' }),
      as({ tenantId: 't2', userId: 'boss', admin: true }),
    ];
    const countRows = async () =>
      (
        await db.sql.query(
          `SELECT (SELECT count(*) FROM agent_executions)::int AS e, (SELECT count(*) FROM agent_messages)::int AS m, (SELECT status FROM agent_pipelines WHERE id = $1) AS p`,
          [pipeline.id],
        )
      ).rows[0];
    const before = await countRows();

    const { audited, unscoped } = await unscopedQueriesDuring(async () => {
      for (const who of strangers) {
        const responses = [
          await http.get(`/api/conversations/${conversation.id}`).set('authorization', who),
          await http.post(`/api/conversations/${conversation.id}/messages`).set('authorization', who).send({ message: 'hi' }),
          await http.delete(`/api/conversations/${conversation.id}`).set('authorization', who),
          await http.get(`/api/pipelines/${pipeline.id}`).set('authorization', who),
          await http.post(`/api/pipelines/${pipeline.id}/cancel`).set('authorization', who).send({}),
        ];
        expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
        const lists = [
          await http.get('/api/conversations').set('authorization', who),
          await http.get('/api/pipelines').set('authorization', who),
        ];
        for (const list of lists)
          expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain(list === lists[0] ? conversation.id : pipeline.id);
        const usage = await http.get('/api/usage').set('authorization', who);
        expect(usage.status).toBe(200);
        expect(usage.body.by_user?.some((u: { user_id: string }) => u.user_id === 'owner') ?? false).toBe(false);
      }
    });

    expect(audited).toBeGreaterThan(20);
    expect(unscoped).toEqual([]);
    expect(await countRows()).toEqual(before);
  });

  it('shows queue depths and running executions to admins', async () => {
    const res = await http.get('/api/admin/agents/queues').set('authorization', as({ admin: true, userId: 'boss' }));
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.data.map((q: { queue: string }) => [q.queue, q]));
    expect(Object.keys(byName).sort()).toEqual(['agents-default', 'agents-long', 'agents-priority']);
    expect(byName['agents-default'].waiting).toBeGreaterThan(0); // no workers here: the starts above are queued
    expect(byName['agents-default']).toMatchObject({ active: 0, failed: 0 });
    expect(byName['agents-default'].running).toBeGreaterThanOrEqual(1); // the seeded running execution
  });
});
