import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent, step, StartItemError, type Principal } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { statementsDuring } from '../support/sql-audit.js';
import { principal, startTestApp, UNLIMITED_TEST_TIER, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { startTransport, TEST_TRANSPORTS, type TransportServers } from '../support/test-transports.js';

const tiers = {
  ...UNLIMITED_TEST_TIER,
  three_an_hour: { maxConcurrent: 1000, perHour: 3 },
  budgeted: { maxConcurrent: 1000, perHour: 1000, budget: { tokens: 1_000_000 } },
};

/** An agent whose input must be `{ title }` of 3+ characters. */
const titled = defineAgent({
  name: 'titled',
  inputSchema: z.object({ title: z.string().min(3) }),
  step: async (state) => step.done(state.input.title),
});

/** `x-user` and `x-tier` headers choose the caller; without them, u1 of the test tier. */
const principalOf = (req: unknown): Principal => {
  const headers = (req as { headers: Record<string, string | undefined> }).headers;
  return principal(headers['x-user'] ?? 'u1', 't1', headers['x-tier'] ?? 'test');
};

describe.each(TEST_TRANSPORTS)('starting many executions in one request on the %s transport', (transport) => {
  let servers: TransportServers;
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    servers = await startTransport(transport);
    db = await createTestDatabase();
    t = await startTestApp({
      transport: servers.transport,
      redis: servers.redis,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      agents: [titled],
      options: { tiers, resolvePrincipal: principalOf },
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await servers?.stop();
  });

  const http = () => request(t.app.getHttpServer());
  const executionsOf = async (userId: string) =>
    (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = $1`, [userId])).rows[0]!.n;

  it('starts every item, in order, admitted together, and each runs to its end', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ agent_type: 'steps', input: { steps: 1 + (i % 3) } }));
    const { result: answer, statements } = await statementsDuring(() =>
      http()
        .post('/api/agents/batch')
        .set('x-user', 'batcher')
        .send({ items })
        .then((r) => r),
    );
    expect(answer.status).toBe(200);
    const results = answer.body.results as { index: number; execution: { id: string; agent_type: string; input: unknown } }[];
    expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
    expect(results.map((r) => r.execution.input)).toEqual(items.map((i) => i.input));
    expect(new Set(results.map((r) => r.execution.id)).size).toBe(20);
    // One admission alone, then the rest together: far fewer admission statements than items.
    const admissions = statements.filter((s) => /agents_admit/.test(s.text));
    expect(admissions.length).toBeGreaterThan(0);
    expect(admissions.length).toBeLessThanOrEqual(3);
    console.log(
      'admissions',
      admissions.length,
      admissions.map((a) => a.text.slice(0, 60)),
    );
    for (const { execution } of results) {
      expect(await waitForStatus(t, db, execution.id, ['completed', 'failed'])).toMatchObject({ status: 'completed' });
    }
  });

  it("looks at the starter's budget once for the whole batch", async () => {
    // Scheduled an hour ahead: no run leases one meanwhile (a run opens the ledger too).
    const run_at = new Date(Date.now() + 3_600_000).toISOString();
    const items = Array.from({ length: 20 }, () => ({ agent_type: 'steps', input: { steps: 1 }, options: { run_at } }));
    const { result: answer, statements } = await statementsDuring(() =>
      http()
        .post('/api/agents/batch')
        .set('x-user', 'budgeted')
        .set('x-tier', 'budgeted')
        .send({ items })
        .then((r) => r),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.results.every((r: { execution?: unknown }) => r.execution)).toBe(true);
    expect(statements.filter((s) => /agent_budget_ledger/.test(s.text) && /jsonb_to_recordset/.test(s.text))).toHaveLength(1);
    expect(statements.filter((s) => /FROM agent_budgets/.test(s.text))).toHaveLength(1);
  });

  it("refuses the items over the tier's limits, the last ones, and starts the others", async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ agent_type: 'steps', input: { steps: 1, n: i } }));
    const answer = await http()
      .post('/api/agents/batch')
      .set('x-user', 'limited')
      .set('x-tier', 'three_an_hour')
      .send({ items })
      .expect(200);
    const results = answer.body.results as { execution?: { input: { n: number } }; error?: Record<string, unknown> }[];
    expect(results.map((r) => r.execution?.input.n ?? null)).toEqual([0, 1, 2, null, null]);
    for (const refused of results.slice(3)) {
      expect(refused.error).toMatchObject({
        statusCode: 429,
        details: { code: 'rate_limited' },
        limits: { hourly: { used: 3, limit: 3, remaining: 0 } },
      });
    }
    expect(await executionsOf('limited')).toBe(3);
  });

  it('answers for the whole request when an item fails its checks, with its index, and starts nothing', async () => {
    const good = { agent_type: 'steps', input: { steps: 1 } };
    const unknown = await http()
      .post('/api/agents/batch')
      .set('x-user', 'careful')
      .send({ items: [good, good, { agent_type: 'nobody', input: 1 }] })
      .expect(400);
    expect(unknown.body).toMatchObject({ statusCode: 400, details: { code: 'unknown_agent_type', index: 2 } });
    expect(unknown.body.message).toMatch(/^items\[2\]: /);
    const invalid = await http()
      .post('/api/agents/batch')
      .set('x-user', 'careful')
      .send({
        items: [
          { agent_type: 'titled', input: { title: 'fine' } },
          { agent_type: 'titled', input: { title: 'no' } },
        ],
      })
      .expect(400);
    expect(invalid.body).toMatchObject({ details: { code: 'invalid_input', index: 1 } });
    await expect(
      t.manager.startMany(principal('careful'), [
        { agentType: 'steps', input: { steps: 1 } },
        { agentType: 'steps', input: 'x'.repeat(300_000) },
      ]),
    ).rejects.toMatchObject({ code: 'input_too_large', details: { index: 1 } });

    // The body's own shape: 400 before anything is looked at.
    for (const body of [
      {},
      { items: [] },
      { items: 'steps' },
      { items: Array.from({ length: 101 }, () => good) },
      { items: [good, { agent_type: 'steps' }] },
      { items: [{ ...good, surprise: true }] },
      { items: [good], surprise: true },
      { items: [{ ...good, options: { queue: 'agents-nowhere' } }] },
    ]) {
      await http().post('/api/agents/batch').set('x-user', 'careful').send(body).expect(400);
    }
    await expect(t.manager.startMany(principal('careful'), [{ agentType: 'titled', input: { title: 'x' } }])).rejects.toBeInstanceOf(
      StartItemError,
    );
    expect(await executionsOf('careful')).toBe(0);
  });

  it('keeps idempotency keys per item: a repeat within the batch or of the whole batch starts nothing new', async () => {
    const item = (key: string, steps = 1) => ({ agent_type: 'steps', input: { steps }, options: { idempotency_key: key } });
    const first = await http()
      .post('/api/agents/batch')
      .set('x-user', 'retrier')
      .send({ items: [item('a'), item('b'), item('a'), item('b', 2)] })
      .expect(200);
    const [a, b, aAgain, bOther] = first.body.results;
    expect(aAgain.execution.id).toBe(a.execution.id);
    expect(bOther.error).toMatchObject({ statusCode: 409, details: { code: 'idempotency_key_reused' } });
    const again = await http()
      .post('/api/agents/batch')
      .set('x-user', 'retrier')
      .send({ items: [item('a'), item('b')] })
      .expect(200);
    expect(again.body.results.map((r: { execution: { id: string } }) => r.execution.id)).toEqual([a.execution.id, b.execution.id]);
    expect(await executionsOf('retrier')).toBe(2);
  });
});
