import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** Usage summaries and budgets over HTTP: sums of the usage records, scoped like every route. */
describe.each(HTTP_PLATFORMS)('usage and budgets over HTTP (example app) on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  const as = (userId: string, tenantId = 't1', admin = false) => `Bearer ${example.token({ tenantId, userId, admin })}`;

  /** A model call as the step commit records it. */
  const record = (userId: string, model: string, input: number, output: number, cost: number, at = 'now()', tenantId = 't1') =>
    db.sql.query(
      `INSERT INTO token_usage_records (tenant_id, user_id, model, input_tokens, output_tokens, cost_usd, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, ${at})`,
      [tenantId, userId, model, input, output, cost],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), {}, [], platform);
    http = request(example.app.getHttpServer());
    await record('alice', 'gpt-4o-mini', 1000, 200, 0.0003);
    await record('alice', 'gpt-4o-mini', 500, 100, 0.00015);
    await record('alice', 'claude-sonnet', 100, 50, 0.001);
    await record('bob', 'gpt-4o-mini', 10, 10, 0.00001);
    await record('alice', 'gpt-4o-mini', 7, 7, 7, `date_trunc('month', now()) - interval '1 day'`);
    await record('mallory', 'gpt-4o-mini', 99, 99, 9, 'now()', 't2');
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  it("sums the caller's own records of this month by model, with totals", async () => {
    const res = await http.get('/api/usage').set('authorization', as('alice'));
    expect(res.status).toBe(200);
    expect(res.body.by_model).toEqual([
      { model: 'claude-sonnet', input_tokens: 100, output_tokens: 50, cost_usd: 0.001, requests: 1 },
      { model: 'gpt-4o-mini', input_tokens: 1500, output_tokens: 300, cost_usd: 0.00045, requests: 2 },
    ]);
    expect(res.body.totals).toEqual({ input_tokens: 1600, output_tokens: 350, cost_usd: 0.00145, requests: 3 });
    expect(res.body.by_user).toBeUndefined();
    const from = new Date(res.body.period.from);
    expect(from.getUTCDate()).toBe(1);
    expect(new Date(res.body.period.to).getUTCMonth()).toBe((from.getUTCMonth() + 1) % 12);
  });

  it('gives an admin the tenant with a per-user breakdown, and never another tenant', async () => {
    const res = await http.get('/api/usage').set('authorization', as('root', 't1', true));
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ input_tokens: 1610, output_tokens: 360, cost_usd: 0.00146, requests: 4 });
    expect(res.body.by_user).toEqual([
      { user_id: 'alice', input_tokens: 1600, output_tokens: 350, cost_usd: 0.00145, requests: 3 },
      { user_id: 'bob', input_tokens: 10, output_tokens: 10, cost_usd: 0.00001, requests: 1 },
    ]);
  });

  it('takes a period, and refuses a bad one', async () => {
    const lastMonth = await http
      .get('/api/usage')
      .query({ from: '2000-01-01T00:00:00Z', to: '2000-12-31T00:00:00Z' })
      .set('authorization', as('alice'));
    expect(lastMonth.body.totals.requests).toBe(0);
    for (const query of [
      { from: 'yesterday' },
      { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    ]) {
      const res = await http.get('/api/usage').query(query).set('authorization', as('alice'));
      expect(res.status, JSON.stringify(query)).toBe(400);
    }
    expect((await http.get('/api/usage')).status).toBe(401);
  });

  it("refuses a start once the user's budget is used up (402 with the budget), and starts again when it is raised", async () => {
    const admin = as('root', 't1', true);
    expect((await http.put('/api/admin/budgets').set('authorization', admin).send({ user_id: 'alice', monthly_tokens: 1000 })).status).toBe(
      200,
    );

    const refused = await http
      .post('/api/agents')
      .set('authorization', as('alice'))
      .send({ agent_type: 'steps', input: { steps: 1 } });
    expect(refused.status).toBe(402);
    expect(refused.body.details).toMatchObject({
      code: 'budget_exceeded',
      budget: { scope: 'user', limit_tokens: 1000, limit_usd: null, spent_tokens: 1950, reserved_tokens: 0 },
    });
    expect(await db.sql.query(`SELECT 1 FROM agent_executions WHERE user_id = 'alice'`).then((r) => r.rowCount)).toBe(0);
    // Bob has no budget of his own.
    expect(
      (
        await http
          .post('/api/agents')
          .set('authorization', as('bob'))
          .send({ agent_type: 'steps', input: { steps: 1 } })
      ).status,
    ).toBe(201);

    await http.put('/api/admin/budgets').set('authorization', admin).send({ user_id: 'alice', monthly_tokens: 5000 });
    expect(
      (
        await http
          .post('/api/agents')
          .set('authorization', as('alice'))
          .send({ agent_type: 'steps', input: { steps: 1 } })
      ).status,
    ).toBe(201);
    const budget = await http.get('/api/usage/budget').set('authorization', as('alice'));
    expect(budget.body.budgets).toEqual([expect.objectContaining({ scope: 'user', limit_tokens: 5000, spent_tokens: 1950 })]);
  });

  it('applies a tenant budget to every user of the tenant', async () => {
    const admin = as('root', 't1', true);
    await http.put('/api/admin/budgets').set('authorization', admin).send({ monthly_usd: 0.001 });
    const refused = await http
      .post('/api/agents')
      .set('authorization', as('carol'))
      .send({ agent_type: 'steps', input: { steps: 1 } });
    expect(refused.status).toBe(402);
    expect(refused.body.details.budget).toMatchObject({ scope: 'tenant', limit_usd: 0.001, spent_usd: 0.00146 });
    // Removed: both limits null.
    await http.put('/api/admin/budgets').set('authorization', admin).send({ monthly_usd: null, monthly_tokens: null });
    expect(
      (
        await http
          .post('/api/agents')
          .set('authorization', as('carol'))
          .send({ agent_type: 'steps', input: { steps: 1 } })
      ).status,
    ).toBe(201);
  });

  it('lets only admins set budgets, and validates them', async () => {
    expect(
      (
        await http
          .put('/api/admin/budgets')
          .set('authorization', as('alice'))
          .send({ user_id: 'alice', monthly_tokens: 10 ** 9 })
      ).status,
    ).toBe(403);
    for (const body of [
      { monthly_tokens: -1 },
      { monthly_tokens: 1.5 },
      { monthly_usd: 'lots' },
      { user_id: '', monthly_tokens: 1 },
      { monthly_tokens: 1, extra: true },
    ]) {
      const res = await http
        .put('/api/admin/budgets')
        .set('authorization', as('root', 't1', true))
        .send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      await db.sql.query(`SELECT 1 FROM agent_budgets WHERE monthly_tokens = 1000000000 OR monthly_tokens < 0`).then((r) => r.rowCount),
    ).toBe(0);
  });
});
