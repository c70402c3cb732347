import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenAiCompatibleModel,
  defineLlmAgent,
  RetryableError,
  step,
  type AgentDefinition,
  type Transport,
} from '../../src/agent/index.js';
import { startFakeOpenAiServer, textAnswer, type FakeOpenAiServer } from '../support/fake-openai-server.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const attemptsSeen = new Map<string, number[]>();
const seen = (id: string, attempt: number) => attemptsSeen.set(id, [...(attemptsSeen.get(id) ?? []), attempt]);

/** Fails with a retryable error until its third attempt. */
const flaky: AgentDefinition = {
  name: 'flaky',
  step: async (_state, ctx) => {
    seen(ctx.executionId, ctx.attempt);
    if (ctx.attempt < 3) throw new RetryableError(`upstream busy (attempt ${ctx.attempt})`);
    return step.done({ attempts: ctx.attempt });
  },
};
const broken: AgentDefinition = {
  name: 'broken',
  step: async (_state, ctx) => {
    seen(ctx.executionId, ctx.attempt);
    throw new TypeError('a bug');
  },
};
const hopeless: AgentDefinition = {
  name: 'hopeless',
  retries: 2,
  step: async (_state, ctx) => {
    seen(ctx.executionId, ctx.attempt);
    throw new RetryableError('still down');
  },
};

let charges = 0;

/** Charges, then finds the ledger busy on its first attempt: the retry must not charge again. */
const payer: AgentDefinition = {
  name: 'payer',
  step: async (_state, ctx) => {
    const paid = await ctx.callTool('charge', { amount: 42 }, async () => {
      charges++;
      return { charged: 42, receipt: `r-${charges}` };
    });
    if (ctx.attempt === 1) throw new RetryableError('the ledger is busy');
    return step.done(paid);
  },
};

describe.each<Transport>(['redis', 'postgres'])('step retries on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let llm: FakeOpenAiServer;
  let start: () => Promise<TestApp>;
  const queuePrefix = uniquePrefix();

  beforeAll(async () => {
    db = await createTestDatabase();
    llm = await startFakeOpenAiServer();
    const model = createOpenAiCompatibleModel({ baseURL: llm.baseURL, model: 'fake-gpt' });
    const weather = defineLlmAgent({ name: 'weather', model, system: 'You know the weather.' });
    start = () =>
      startTestApp({
        transport,
        db,
        queuePrefix,
        agents: [flaky, broken, hopeless, weather, payer],
        options: { defaults: { retryBackoff: { initialMs: 100, maxMs: 400 } } },
      });
    t = await start();
  });

  afterAll(async () => {
    await t?.close();
    await llm?.close();
    await db?.drop();
  });

  const logs = async (id: string, type: string) =>
    (
      await db.sql.query(`SELECT step_number, message, context FROM agent_logs WHERE execution_id = $1 AND event_type = $2 ORDER BY id`, [
        id,
        type,
      ])
    ).rows;

  it('retries a retryable failure with backoff, parked with no lease between attempts, each attempt logged', async () => {
    const execution = await t.manager.start(principal(), 'flaky', null);
    await expect
      .poll(async () => (await db.sql.query(`SELECT status, lease_owner FROM agent_executions WHERE id = $1`, [execution.id])).rows[0], {
        timeout: 5000,
        interval: 5,
      })
      .toEqual({ status: 'scheduled', lease_owner: null });
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed'], 10_000);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ attempts: 3 });
    expect(attemptsSeen.get(execution.id)).toEqual([1, 2, 3]);
    const retries = await logs(execution.id, 'step_retry_scheduled');
    expect(retries.map((r) => [r.step_number, r.context.attempt, r.context.attempts])).toEqual([
      [1, 2, 4],
      [1, 3, 4],
    ]);
    for (const r of retries) {
      expect(r.context.delay_ms).toBeGreaterThanOrEqual(50);
      expect(r.context.delay_ms).toBeLessThanOrEqual(400);
      expect(r.context.error).toContain('upstream busy');
    }
    // The attempt count is cleared by the step that finally committed.
    const { rows } = await db.sql.query(`SELECT metadata->'step_retry' AS r, step_count FROM agent_executions WHERE id = $1`, [
      execution.id,
    ]);
    expect(rows[0]).toEqual({ r: null, step_count: 1 });
  });

  it('goes on after the worker that scheduled the retry is gone and another one starts', async () => {
    const execution = await t.manager.start(principal(), 'flaky', null);
    await expect.poll(async () => (await logs(execution.id, 'step_retry_scheduled')).length, { timeout: 5000, interval: 5 }).toBe(1);
    await t.close();
    t = await start();
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed'], 10_000);
    expect(done.output).toEqual({ attempts: 3 });
  });

  it('fails at once on an error that is not retryable', async () => {
    const execution = await t.manager.start(principal(), 'broken', null);
    const failed = await waitForStatus(t, db, execution.id, ['failed'], 10_000);
    expect(attemptsSeen.get(execution.id)).toEqual([1]);
    expect(await logs(execution.id, 'step_retry_scheduled')).toEqual([]);
    expect(JSON.stringify(failed)).toContain('a bug');
  });

  it("fails after the agent's retries, saying how many attempts it made", async () => {
    const execution = await t.manager.start(principal(), 'hopeless', null);
    const failed = await waitForStatus(t, db, execution.id, ['failed'], 10_000);
    expect(attemptsSeen.get(execution.id)).toEqual([1, 2, 3]);
    expect(await logs(execution.id, 'step_retry_scheduled')).toHaveLength(2);
    expect(JSON.stringify(failed)).toContain('still down (after 3 attempts)');
  });

  it("retries a model provider's 503 (the provider's own client, over HTTP)", async () => {
    llm.reset();
    llm.handlers.push(
      (_body, _req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}'),
      textAnswer,
    );
    const execution = await t.manager.start(principal(), 'weather', 'How is Paris?');
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed'], 15_000);
    expect(done.status).toBe('completed');
    expect(done.output).toBe('It is sunny in Paris.');
    const retries = await logs(execution.id, 'step_retry_scheduled');
    expect(retries).toHaveLength(1);
    expect(retries[0].context.error).toContain('overloaded');
  });

  it('does not run a call with a side effect again when a retried step already completed it (its committed result is the receipt)', async () => {
    charges = 0;
    const execution = await t.manager.start(principal(), 'payer', null);
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed'], 15_000);
    expect(done.status).toBe('completed');
    expect(charges).toBe(1);
    expect(done.output).toEqual({ charged: 42, receipt: 'r-1' });
    expect(await logs(execution.id, 'step_retry_scheduled')).toHaveLength(1);
    expect((await logs(execution.id, 'tool_reused')).map((r) => r.step_number)).toEqual([1]);
  });
});
