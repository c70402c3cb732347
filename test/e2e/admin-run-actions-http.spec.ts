import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentsClient } from '../../client/index.js';
import { startExampleApp, type ExampleApp } from '../support/example-app.js';
import { executionRow, seedExecution } from '../support/execution-factory.js';
import { waitForPipeline } from '../support/pipelines.js';
import { waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** The admin's run routes: retry, bulk cancel, the timeline, through the example app with its workers (and the typed client). */
describe('admin run actions over HTTP (example app)', () => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  let admin: string;
  let client: AgentsClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix());
    http = request(example.app.getHttpServer());
    admin = `Bearer ${example.token({ userId: 'boss', admin: true })}`;
    const baseUrl = `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`;
    client = new AgentsClient({ baseUrl, token: example.token({ userId: 'boss', admin: true }) });
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const post = (path: string, body: object = {}) => http.post(path).set('authorization', admin).send(body);
  const set = (id: string, columns: string, values: unknown[] = []) =>
    db.sql.query(`UPDATE agent_executions SET ${columns} WHERE id = $1`, [id, ...values]);

  describe('retry', () => {
    it("starts a cancelled execution again as its owner's, linked to it, without the run's own notes", async () => {
      const original = await seedExecution(db, { status: 'cancelled', userId: 'carol', input: { steps: 2 } });
      await set(original, `metadata = '{"source":"import","force_killed":true}', tier = 'test'`);
      const res = await post(`/api/admin/agents/${original}/retry`);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        user_id: 'carol',
        agent_type: 'steps',
        input: { steps: 2 },
        metadata: { source: 'import' },
        queue: 'agents-default',
        retried_from_execution_id: original,
        status: 'pending',
      });
      expect(res.body.metadata).not.toHaveProperty('force_killed');
      await waitForStatus(example, db, res.body.id, ['completed']);
      const shown = await http.get(`/api/admin/agents/${res.body.id}`).set('authorization', admin);
      expect(shown.body).toMatchObject({ status: 'completed', output: { steps_done: 2 }, retried_from_execution_id: original });
      const { rows } = await db.sql.query('SELECT tier, retried_from_execution_id FROM agent_executions WHERE id = $1', [res.body.id]);
      expect(rows[0]).toEqual({ tier: 'test', retried_from_execution_id: original });
      // The original finds its retries through the list.
      const retries = await http.get(`/api/admin/agents?retried_from_execution_id=${original}`).set('authorization', admin);
      expect(retries.body.data.map((e: { id: string }) => e.id)).toEqual([res.body.id]);
      expect((await http.get('/api/admin/agents?retried_from_execution_id=nope').set('authorization', admin)).status).toBe(400);
    });

    it('answers 409 for a running or completed execution, a conversation turn and a pipeline stage; 404 outside the tenant', async () => {
      const running = await seedExecution(db, { status: 'running' });
      const completed = await seedExecution(db, { status: 'completed' });
      for (const [id, status] of [
        [running, 'running'],
        [completed, 'completed'],
      ] as const) {
        const res = await post(`/api/admin/agents/${id}/retry`);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ message: `Cannot retry an execution that is ${status}`, details: { current_status: status } });
      }
      const turn = await seedExecution(db, { status: 'failed' });
      const conversation = '0190a0a0-0000-7000-8000-00000000c0de';
      await db.sql.query(`INSERT INTO agent_conversations (id, tenant_id, user_id, agent_type) VALUES ($1, 't1', 'u1', 'steps')`, [
        conversation,
      ]);
      await set(turn, 'conversation_id = $2', [conversation]);
      const turnRes = await post(`/api/admin/agents/${turn}/retry`);
      expect(turnRes.status).toBe(409);
      expect(turnRes.body.message).toMatch(/cannot be retried: it is a turn of conversation .*send the message again/);
      const stage = await seedExecution(db, { status: 'failed' });
      await set(stage, `pipeline_id = '0190a0a0-0000-7000-8000-0000000001be', stage_index = 0`);
      expect((await post(`/api/admin/agents/${stage}/retry`)).body.message).toMatch(/it is a stage of pipeline .*start the pipeline again/);
      const foreign = await seedExecution(db, { status: 'failed', tenantId: 't2' });
      expect((await post(`/api/admin/agents/${foreign}/retry`)).status).toBe(404);
      expect((await post('/api/admin/agents/nope/retry')).status).toBe(400);
      const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM agent_executions WHERE retried_from_execution_id IS NOT NULL');
      expect(rows[0].n).toBe(1);
    });

    it("is admitted as the owner's start: their tier's concurrency limit (429) and their budget (402)", async () => {
      // The owner's tier `free` runs one at a time, and dave has one paused: the admin's unlimited tier does not count.
      const failed = await seedExecution(db, { status: 'failed', userId: 'dave' });
      await set(failed, `tier = 'free'`);
      await seedExecution(db, { status: 'paused', userId: 'dave' });
      const limited = await post(`/api/admin/agents/${failed}/retry`);
      expect(limited.status).toBe(429);
      expect(limited.body.limits.concurrent).toMatchObject({ used: 1, limit: 1 });

      const broke = await seedExecution(db, { status: 'failed', userId: 'erin' });
      expect((await http.put('/api/admin/budgets').set('authorization', admin).send({ user_id: 'erin', monthly_tokens: 0 })).status).toBe(
        200,
      );
      expect((await post(`/api/admin/agents/${broke}/retry`)).status).toBe(402);
      const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id IN ('dave', 'erin')`);
      expect(rows[0].n).toBe(3);
    });
  });

  describe('bulk cancel', () => {
    it('cancels each id as the single route would, one line per id in order, other tenants not found', async () => {
      const paused = await seedExecution(db, { status: 'paused', userId: 'carol' });
      const done = await seedExecution(db, { status: 'completed' });
      const foreign = await seedExecution(db, { status: 'paused', tenantId: 't2' });
      const running = (
        await post('/api/agents', { agent_type: 'steps', input: { steps: 1, step_ms: 60_000 } }).set(
          'authorization',
          `Bearer ${example.token({ userId: 'frank' })}`,
        )
      ).body.id as string;
      await waitForStatus(example, db, running, ['running']);
      const missing = '0190a0a0-0000-7000-8000-000000000000';
      const before = await executionRow(db, foreign);

      const res = await post('/api/admin/agents/cancel', { ids: [done, paused, foreign, running, missing], grace_ms: 0 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        results: [
          { id: done, outcome: 'already_finished', status: 'completed' },
          { id: paused, outcome: 'cancelled', status: 'cancelled' },
          { id: foreign, outcome: 'not_found', status: null },
          { id: running, outcome: 'cancelling', status: 'running' },
          { id: missing, outcome: 'not_found', status: null },
        ],
      });
      expect(await executionRow(db, foreign)).toEqual(before);
      await waitForStatus(example, db, running, ['cancelled']);
    });

    it('answers 400 for no ids, a repeated id, more than 200 or a non-uuid, and changes nothing', async () => {
      const paused = await seedExecution(db, { status: 'paused' });
      const many = Array.from({ length: 201 }, (_, i) => `0190a0a0-0000-7000-8000-${String(i).padStart(12, '0')}`);
      for (const body of [
        { ids: [] },
        { ids: [paused, paused] },
        { ids: many },
        { ids: [paused, 'nope'] },
        {},
        { ids: [paused], grace_ms: -1 },
      ]) {
        expect((await post('/api/admin/agents/cancel', body)).status, JSON.stringify(body).slice(0, 80)).toBe(400);
      }
      expect((await executionRow(db, paused)).status).toBe('paused');
      const user = await http
        .post('/api/admin/agents/cancel')
        .set('authorization', `Bearer ${example.token({})}`)
        .send({ ids: [paused] });
      expect(user.status).toBe(403);
    });
  });

  describe('timeline', () => {
    const start = async (agentType: string, input: object) => {
      const res = await http
        .post('/api/agents')
        .set('authorization', `Bearer ${example.token({ userId: 'gina' })}`)
        .send({ agent_type: agentType, input });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const ms = (iso: string) => Date.parse(iso);

    it('draws a steps run: each attempt timed, the retried one twice, and the span it waited for its retry', async () => {
      const id = await start('steps', { steps: 3, step_ms: 20, retry_at: 2 });
      await waitForStatus(example, db, id, ['completed']);
      const timeline = await client.admin.timeline(id);
      expect(timeline).toMatchObject({ execution_id: id, truncated: false });
      expect(timeline.steps.map((s) => [s.step, s.attempt, s.outcome, s.calls.length])).toEqual([
        [1, 1, 'completed', 0],
        [2, 1, 'retry_scheduled', 0],
        [2, 2, 'completed', 0],
        [3, 1, 'completed', 0],
      ]);
      for (const [i, s] of timeline.steps.entries()) {
        expect(s.duration_ms).toBeGreaterThanOrEqual(19);
        if (i > 0)
          expect(ms(s.started_at)).toBeGreaterThanOrEqual(ms(timeline.steps[i - 1]!.started_at) + timeline.steps[i - 1]!.duration_ms);
      }
      const retryWait = timeline.gaps.find((g) => g.status === 'scheduled')!;
      expect(ms(retryWait.from)).toBeGreaterThanOrEqual(ms(timeline.steps[1]!.started_at));
      expect(ms(retryWait.to!)).toBeLessThanOrEqual(ms(timeline.steps[2]!.started_at));
      expect(ms(retryWait.to!) - ms(retryWait.from)).toBeGreaterThan(200);
      expect(timeline.gaps.every((g) => g.to !== null)).toBe(true);
    });

    it('draws an LLM run: each model call with its tokens and each tool call with its input, output and duration', async () => {
      const id = await start('code-assistant', { prompt: 'Please list the files' });
      await waitForStatus(example, db, id, ['completed']);
      const { steps } = await client.admin.timeline(id);
      expect(steps.map((s) => [s.outcome, s.calls.map((c) => `${c.kind}:${c.name}`)])).toEqual([
        ['completed', ['model:scripted', 'tool:list_files']],
        ['completed', ['model:scripted']],
      ]);
      const [model, tool] = steps[0]!.calls;
      expect(model).toMatchObject({ ok: true, input_tokens: steps[0]!.input_tokens, output_tokens: steps[0]!.output_tokens });
      expect(model!.input_tokens).toBeGreaterThan(0);
      expect(tool).toMatchObject({ ok: true, output: ['README.md', 'src/index.ts', 'src/index.spec.ts'] });
      expect(tool!.input).toBeDefined();
      for (const call of [...steps[0]!.calls, ...steps[1]!.calls]) {
        expect(call.duration_ms).toEqual(expect.any(Number));
        expect(call.offset_ms + call.duration_ms!).toBeLessThanOrEqual(steps[0]!.duration_ms + steps[1]!.duration_ms);
      }
      expect(tool!.offset_ms).toBeGreaterThanOrEqual(model!.offset_ms);
    });

    it('still draws rows written before steps were timed (no durations for their calls), parked now; 404 and 400 otherwise', async () => {
      const id = await seedExecution(db, { status: 'paused' });
      const rows: [number, string, object][] = [
        [0, 'started', { status: 'running', epoch: 1 }],
        [1, 'tool_called', { toolName: 'charge', input: { amount: 42 } }],
        [1, 'tool_completed', { toolName: 'charge', ok: true, input: { amount: 42 }, output: 'ok' }],
        [1, 'step_completed', { step_type: 'custom', tool_names: [], duration_ms: 40, input_tokens: 3, output_tokens: 4 }],
        [2, 'failed', { code: 'step_error', status: 'failed' }],
        [2, 'paused', { status: 'paused' }],
      ];
      for (const [step, type, context] of rows) {
        await db.sql.query(
          `INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context) VALUES ($1, $2, 'info', $3, $3, $4)`,
          [id, step, type, context],
        );
      }
      const timeline = await client.admin.timeline(id);
      const { rows: logged } = await db.sql.query(
        `SELECT created_at FROM agent_logs WHERE execution_id = $1 AND event_type = 'step_completed'`,
        [id],
      );
      expect(timeline.steps).toEqual([
        {
          step: 1,
          attempt: 1,
          started_at: new Date(logged[0].created_at.getTime() - 40).toISOString(),
          duration_ms: 40,
          outcome: 'completed',
          input_tokens: 3,
          output_tokens: 4,
          calls: [{ kind: 'tool', name: 'charge', offset_ms: 0, duration_ms: null, ok: true, input: { amount: 42 }, output: 'ok' }],
        },
        expect.objectContaining({ step: 2, attempt: 1, outcome: 'failed', calls: [] }),
      ]);
      expect(timeline.gaps.at(-1)).toMatchObject({ status: 'paused', to: null });

      const foreign = await seedExecution(db, { status: 'completed', tenantId: 't2' });
      await expect(client.admin.timeline(foreign)).rejects.toEqual(expect.objectContaining({ name: 'AgentsApiError', statusCode: 404 }));
      expect((await http.get('/api/admin/agents/nope/timeline').set('authorization', admin)).status).toBe(400);
    });
  });

  describe('conversation and pipeline detail', () => {
    const hank = () => `Bearer ${example.token({ userId: 'hank' })}`;
    const unknown = '0190a0a0-0000-7000-8000-0000000000aa';

    it("shows a conversation of the tenant with its history and its turns, oldest first; 404 for another tenant's, 400 for a bad id", async () => {
      const started = await http.post('/api/conversations').set('authorization', hank()).send({ agent_type: 'steps', message: 'hello' });
      expect(started.status).toBe(201);
      const id = started.body.conversation.id as string;
      await waitForStatus(example, db, started.body.execution_id, ['completed']);
      await expect.poll(async () => (await client.admin.conversation(id)).turn_count).toBe(1);
      const second = await http.post(`/api/conversations/${id}/messages`).set('authorization', hank()).send({ message: 'again' });
      await waitForStatus(example, db, second.body.execution_id, ['completed']);
      await expect.poll(async () => (await client.admin.conversation(id)).turn_count).toBe(2);

      const detail = await client.admin.conversation(id);
      expect(detail).toMatchObject({ id, user_id: 'hank', agent_type: 'steps', turn_count: 2, turns_truncated: false });
      expect(detail.messages.map((m) => [m.role, m.execution_id])).toEqual([
        ['user', started.body.execution_id],
        ['assistant', started.body.execution_id],
        ['user', second.body.execution_id],
        ['assistant', second.body.execution_id],
      ]);
      expect(detail.turns.map((t) => [t.id, t.user_id, t.status, t.conversation_id])).toEqual([
        [started.body.execution_id, 'hank', 'completed', id],
        [second.body.execution_id, 'hank', 'completed', id],
      ]);

      const foreign = await http
        .post('/api/conversations')
        .set('authorization', `Bearer ${example.token({ tenantId: 't2', userId: 'hank' })}`)
        .send({ agent_type: 'steps', message: 'hi' });
      for (const other of [foreign.body.conversation.id, unknown]) {
        expect((await http.get(`/api/admin/conversations/${other}`).set('authorization', admin)).status).toBe(404);
      }
      expect((await http.get('/api/admin/conversations/nope').set('authorization', admin)).status).toBe(400);
      expect((await http.get(`/api/admin/conversations/${id}`).set('authorization', hank())).status).toBe(403);
    });

    it("shows a pipeline of the tenant with its stages and every execution of them; 404 for another tenant's, 400 for a bad id", async () => {
      const created = await http
        .post('/api/pipelines')
        .set('authorization', hank())
        .send({
          input: { steps: 1 },
          stages: [
            { name: 'one', agent_type: 'steps' },
            {
              parallel: [
                { name: 'a', agent_type: 'steps' },
                { name: 'b', agent_type: 'steps' },
              ],
            },
          ],
        });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      await waitForPipeline(example, db, id, ['completed']);

      const detail = await client.admin.pipeline(id);
      expect(detail).toMatchObject({ id, user_id: 'hank', status: 'completed' });
      expect(detail.executions).toHaveLength(3);
      expect(detail.executions.every((e) => e.pipeline_id === id && e.user_id === 'hank' && e.status === 'completed')).toBe(true);
      const byStage = detail.stages.flatMap((s) => ('parallel' in s ? s.parallel : [s])).map((s) => s.execution_id);
      expect(detail.executions.map((e) => e.id).sort()).toEqual([...byStage].sort());
      expect(detail.executions[0]!.id).toBe(byStage[0]);

      const foreign = await http
        .post('/api/pipelines')
        .set('authorization', `Bearer ${example.token({ tenantId: 't2', userId: 'hank' })}`)
        .send({ input: 1, stages: [{ name: 'one', agent_type: 'steps' }] });
      for (const other of [foreign.body.id, unknown]) {
        expect((await http.get(`/api/admin/pipelines/${other}`).set('authorization', admin)).status).toBe(404);
      }
      expect((await http.get('/api/admin/pipelines/nope').set('authorization', admin)).status).toBe(400);
    });
  });
});
