import { jsonSchema, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel, defineLlmAgent, type AgentDefinition } from '../../src/agent/index.js';
import { BudgetService } from '../../src/agent/billing/budget.service.js';
import { UsageService } from '../../src/agent/billing/usage.service.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const note = tool({
  description: 'Takes a note',
  inputSchema: jsonSchema<{ text: string }>({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }),
  execute: async ({ text }) => `noted: ${text}`,
});

/** Two tool-calling steps then an answer, with fixed token counts per model call. */
const priced: AgentDefinition = defineLlmAgent({
  name: 'priced',
  model: createScriptedModel({
    modelId: 'gpt-4o-mini',
    script: (_call, turn) =>
      turn < 2
        ? { toolCalls: [{ toolName: 'note', input: { text: `n${turn}` } }], usage: { inputTokens: 100, outputTokens: 20 } }
        : { text: 'done', usage: { inputTokens: 150, outputTokens: 30 } },
  }),
  system: 'Take notes.',
  tools: { note },
});

const mystery = defineLlmAgent({
  name: 'mystery',
  model: createScriptedModel({
    modelId: 'mystery-model',
    script: () => ({ text: 'ok', usage: { inputTokens: 1000, outputTokens: 1000 } }),
  }),
  system: 'Answer.',
});

/** Never finishes on its own: every step calls a tool, 100 tokens per model call. */
const spender = (chunkDelayMs = 0): AgentDefinition =>
  defineLlmAgent({
    name: 'spender',
    model: createScriptedModel({
      modelId: 'gpt-4o-mini',
      chunkDelayMs,
      script: () => ({ toolCalls: [{ toolName: 'note', input: { text: 'more' } }], usage: { inputTokens: 80, outputTokens: 20 } }),
    }),
    system: 'Spend.',
    tools: { note },
    limits: { maxSteps: 10_000 },
  });

const PRICING = { 'gpt-4o-mini': { inputPer1k: 0.15, outputPer1k: 0.6 } };

describe('usage records, costs and budgets', () => {
  let db: TestDatabase;
  let t: TestApp;
  let budgets: BudgetService;

  const recordsOf = async (executionId: string) =>
    (
      await db.sql.query(
        `SELECT model, input_tokens, output_tokens, cost_usd::float AS cost_usd FROM token_usage_records WHERE execution_id = $1 ORDER BY id`,
        [executionId],
      )
    ).rows;
  const spentBy = async (userId: string) =>
    Number(
      (
        await db.sql.query(`SELECT COALESCE(sum(input_tokens + output_tokens), 0) AS n FROM token_usage_records WHERE user_id = $1`, [
          userId,
        ])
      ).rows[0].n,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport: 'redis',
      db,
      queuePrefix: uniquePrefix(),
      agents: [priced, mystery, spender(5)],
      options: { billing: { pricing: PRICING, unknownModelPrice: { inputPer1k: 1, outputPer1k: 2 } }, maintenance: { enabled: false } },
    });
    budgets = t.app.get(BudgetService);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('records every model call of a run in its step, priced from the table, and sums them per model', async () => {
    const me = principal('ledger-user');
    const execution = await t.manager.start(me, 'priced', { prompt: 'go' });
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');

    const call = (i: number, o: number) => ({
      model: 'gpt-4o-mini',
      input_tokens: i,
      output_tokens: o,
      cost_usd: Math.round(((i * 0.15 + o * 0.6) / 1000) * 1e6) / 1e6,
    });
    expect(await recordsOf(execution.id)).toEqual([call(100, 20), call(100, 20), call(150, 30)]);
    const row = (await db.sql.query(`SELECT token_usage, cost_usd::float AS cost FROM agent_executions WHERE id = $1`, [execution.id]))
      .rows[0];
    expect(Number(row.token_usage)).toBe(420);
    expect(row.cost).toBeCloseTo(0.027 + 0.027 + 0.0405, 6);

    const summary = await t.app
      .get(UsageService)
      .summary({ tenantId: me.tenantId, userId: me.userId }, new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(summary.by_model).toEqual([{ model: 'gpt-4o-mini', input_tokens: 350, output_tokens: 70, cost_usd: 0.0945, requests: 3 }]);
    expect(summary.totals).toEqual({ input_tokens: 350, output_tokens: 70, cost_usd: 0.0945, requests: 3 });
  });

  it('prices a model the table does not name at the configured default', async () => {
    const execution = await t.manager.start(principal('mystery-user'), 'mystery', 'hi');
    await waitForStatus(t, db, execution.id, ['completed']);
    expect(await recordsOf(execution.id)).toEqual([{ model: 'mystery-model', input_tokens: 1000, output_tokens: 1000, cost_usd: 3 }]);
  });

  it('stops a run whose next step would pass the budget, before that step, as failed with budget_exceeded', async () => {
    const me = principal('budget-user');
    await budgets.set(me.tenantId, me.userId, { tokens: 400 });
    const execution = await t.manager.start(me, 'spender', 'spend');
    const done = await waitForStatus(t, db, execution.id, ['failed', 'completed', 'cancelled']);
    // 100 tokens a step: after 4 steps (400) a fifth (estimated at 100) would reach 500 > 400.
    expect(done).toMatchObject({ status: 'failed', step_count: 4, error: { code: 'budget_exceeded' } });
    expect(await spentBy(me.userId)).toBe(400);
    const ledger = (await db.sql.query(`SELECT spent_tokens, reserved_tokens FROM agent_budget_ledger WHERE user_id = $1`, [me.userId]))
      .rows[0];
    expect(ledger).toEqual({ spent_tokens: '400', reserved_tokens: '0' });
    const logs = (
      await db.sql.query(`SELECT event_type, level FROM agent_logs WHERE execution_id = $1 ORDER BY id DESC LIMIT 2`, [execution.id])
    ).rows;
    expect(logs).toEqual([
      { event_type: 'failed', level: 'error' },
      { event_type: 'budget_exceeded', level: 'warning' },
    ]);
    // Nothing is left: a new start is refused at once.
    await expect(t.manager.start(me, 'spender', 'again')).rejects.toMatchObject({ code: 'budget_exceeded' });
  });

  it('keeps 10 concurrent executions of one user within the budget plus one step each', async () => {
    const me = principal('crowd-user');
    const budget = 1_000;
    const oneStep = 100;
    await budgets.set(me.tenantId, me.userId, { tokens: budget });
    const started = await Promise.all(Array.from({ length: 10 }, (_, i) => t.manager.start(me, 'spender', `spend ${i}`)));
    const ends = await Promise.all(started.map((e) => waitForStatus(t, db, e.id, ['failed', 'completed', 'cancelled'], 30_000)));
    expect(ends.every((e) => e.status === 'failed' && e.error?.code === 'budget_exceeded')).toBe(true);
    const spent = await spentBy(me.userId);
    expect(spent).toBeGreaterThanOrEqual(budget - oneStep);
    expect(spent).toBeLessThanOrEqual(budget + 10 * oneStep);
    const ledger = (
      await db.sql.query(
        `SELECT spent_tokens::int AS spent, reserved_tokens::int AS reserved FROM agent_budget_ledger WHERE user_id = $1`,
        [me.userId],
      )
    ).rows[0];
    expect(ledger).toEqual({ spent, reserved: 0 });
  });

  it("applies an admin's budget set on another node from the next job: its rows come with the lease, not from this node's cache", async () => {
    const me = principal('other-node-user');
    const first = await t.manager.start(me, 'priced', { prompt: 'go' });
    // This node has now read (and cached) that no admin budget applies to the user.
    expect((await waitForStatus(t, db, first.id, ['completed', 'failed'])).status).toBe('completed');
    // Another node's admin: the row is written, this node's cache is not told.
    await db.sql.query(`INSERT INTO agent_budgets (tenant_id, user_id, monthly_tokens) VALUES ($1, $2, 400)`, [me.tenantId, me.userId]);
    const second = await t.manager.start(me, 'priced', { prompt: 'again' });
    // 420 tokens spent this month against 400: the job's lease brings the budget, so no step runs.
    const done = await waitForStatus(t, db, second.id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'failed', step_count: 0, error: { code: 'budget_exceeded' } });
    expect(await recordsOf(second.id)).toEqual([]);
  });

  it('opens a ledger whose limits are unchanged without writing it, and writes a changed limit', async () => {
    const me = principal('steady-user');
    const owner = { tenantId: me.tenantId, userId: me.userId, tier: me.tier };
    const ledger = async () =>
      (
        await db.sql.query(`SELECT xmin::text AS version, limit_tokens FROM agent_budget_ledger WHERE tenant_id = $1 AND user_id = $2`, [
          me.tenantId,
          me.userId,
        ])
      ).rows[0];
    await budgets.set(me.tenantId, me.userId, { tokens: 10_000 });
    expect(await budgets.open(owner)).toMatchObject({ keys: [me.userId] });
    const opened = await ledger();
    // Every start and every job opens the budgets: with the same limits, the row stays as it was.
    await budgets.assertStartAllowed(owner);
    expect(await budgets.open(owner)).toMatchObject({ keys: [me.userId] });
    expect(await ledger()).toEqual(opened);
    await budgets.set(me.tenantId, me.userId, { tokens: 20_000 });
    await budgets.open(owner);
    expect((await ledger()).limit_tokens).toBe('20000');
  });

  it('applies a tenant budget across its users', async () => {
    const tenant = 'budget-tenant';
    await budgets.set(tenant, '', { tokens: 200 });
    const a = await t.manager.start(principal('a', tenant), 'spender', 'a');
    await waitForStatus(t, db, a.id, ['failed']);
    const b = t.manager.start(principal('b', tenant), 'spender', 'b');
    await expect(b).rejects.toMatchObject({ code: 'budget_exceeded', budget: { scope: 'tenant' } });
  });
});

describe('a budget reached with onBudgetExceeded: pause', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport: 'postgres',
      db,
      queuePrefix: uniquePrefix(),
      agents: [spender()],
      options: { billing: { pricing: PRICING, onBudgetExceeded: 'pause' }, maintenance: { enabled: false } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('pauses the run, which resumes from its checkpoint once the budget is raised', async () => {
    const me = principal('pausing-user');
    const budgets = t.app.get(BudgetService);
    await budgets.set(me.tenantId, me.userId, { tokens: 250 });
    const execution = await t.manager.start(me, 'spender', 'spend');
    const paused = await waitForStatus(t, db, execution.id, ['paused', 'failed']);
    expect(paused).toMatchObject({ status: 'paused', step_count: 2 });
    const metadata = (await db.sql.query(`SELECT metadata FROM agent_executions WHERE id = $1`, [execution.id])).rows[0].metadata;
    expect(metadata).toMatchObject({ paused_reason: 'budget_exceeded' });

    await budgets.set(me.tenantId, me.userId, { tokens: 550 });
    await t.manager.resume(me, execution.id);
    const again = await waitForStatus(t, db, execution.id, ['paused', 'failed'], 20_000).then(
      async () => (await db.sql.query(`SELECT status, step_count FROM agent_executions WHERE id = $1`, [execution.id])).rows[0],
    );
    expect(again).toEqual({ status: 'paused', step_count: 5 });
  });
});
