import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

describe.each(HTTP_PLATFORMS)('executions over HTTP (example app on %s)', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  let alice: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), {}, [], platform);
    http = request(example.app.getHttpServer());
    alice = `Bearer ${example.token({ userId: 'alice' })}`;
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const start = (body: unknown, auth = alice) =>
    http
      .post('/api/agents')
      .set('authorization', auth)
      .send(body as object);

  it('starts an execution, runs it to completion and shows it with its logs', async () => {
    const res = await start({ agent_type: 'steps', input: { steps: 3 }, options: { metadata: { source: 'e2e' } } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      agent_type: 'steps',
      status: 'pending',
      queue: 'agents-default',
      step_count: 0,
      metadata: { source: 'e2e' },
    });
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'id',
        'agent_type',
        'agent_version',
        'status',
        'queue',
        'step_count',
        'token_usage',
        'cost_usd',
        'input',
        'output',
        'error',
        'metadata',
        'conversation_id',
        'pipeline_id',
        'parent_execution_id',
        'forked_from_execution_id',
        'forked_from_step',
        'retried_from_execution_id',
        'created_at',
        'started_at',
        'paused_at',
        'completed_at',
        'scheduled_for',
        'duration_seconds',
        'pending_approvals',
      ].sort(),
    );
    await waitForStatus(example, db, res.body.id, ['completed', 'failed']);

    const shown = await http.get(`/api/agents/${res.body.id}`).set('authorization', alice);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ status: 'completed', step_count: 3, output: { steps_done: 3 }, error: null });
    expect(shown.body.duration_seconds).toBeGreaterThanOrEqual(0);
    expect(shown.body.logs.map((l: { event_type: string }) => l.event_type)).toEqual([
      'started',
      'step_completed',
      'step_completed',
      'step_completed',
      'completed',
    ]);
    expect(Object.keys(shown.body.logs[0]).sort()).toEqual([
      'context',
      'created_at',
      'event_type',
      'id',
      'level',
      'message',
      'step_number',
    ]);
  });

  it('runs the code-assistant LLM agent (scripted model) with tools and counts its tokens', async () => {
    const res = await start({ agent_type: 'code-assistant', input: { prompt: 'What files does the project have?' } });
    expect(res.status).toBe(201);
    const row = await waitForStatus(example, db, res.body.id, ['completed', 'failed']);
    expect(row.status).toBe('completed');
    const shown = await http.get(`/api/agents/${res.body.id}`).set('authorization', alice);
    expect(shown.body.step_count).toBeGreaterThanOrEqual(2);
    expect(shown.body.token_usage).toBeGreaterThan(0);
    expect(typeof shown.body.output).toBe('string');
    expect(shown.body.logs.some((l: { event_type: string }) => l.event_type === 'tool_called')).toBe(true);
  });

  it('runs the fan-out demo: one summariser subagent per topic, joined once all ended', async () => {
    const res = await start({ agent_type: 'fan-out', input: { topics: ['queues', 'leases'] } });
    expect(res.status).toBe(201);
    const row = await waitForStatus(example, db, res.body.id, ['completed', 'failed'], 20_000);
    expect(row.status).toBe('completed');
    const children = await http.get(`/api/agents?parent_execution_id=${res.body.id}`).set('authorization', alice);
    expect(
      children.body.data.map((c: { status: string; agent_type: string; parent_execution_id: string }) => [
        c.status,
        c.agent_type,
        c.parent_execution_id,
      ]),
    ).toEqual([
      ['completed', 'subagent.summariser', res.body.id],
      ['completed', 'subagent.summariser', res.body.id],
    ]);
    expect((await http.get('/api/agents?parent_execution_id=not-a-uuid').set('authorization', alice)).status).toBe(400);
    expect((row.output as { summaries: string[] }).summaries).toHaveLength(2);
    expect((row.output as { summaries: string[] }).summaries.every((s) => s.length > 0)).toBe(true);
  });

  it('pages logs with after_id and filters them by level and event_type', async () => {
    const res = await start({ agent_type: 'steps', input: { steps: 5 } });
    await waitForStatus(example, db, res.body.id, ['completed']);
    const first = await http.get(`/api/agents/${res.body.id}/logs?limit=2`).set('authorization', alice);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.next_cursor).toBe(String(first.body.data[1].id));
    const rest = await http.get(`/api/agents/${res.body.id}/logs?after_id=${first.body.next_cursor}`).set('authorization', alice);
    expect(rest.body.data).toHaveLength(5); // started, 5 × step_completed, completed: 7 in all
    expect(rest.body.next_cursor).toBeNull();
    expect(rest.body.data[0].id).toBeGreaterThan(first.body.data[1].id);
    const completed = await http.get(`/api/agents/${res.body.id}/logs?event_type=completed&level=info`).set('authorization', alice);
    expect(completed.body.data.map((l: { event_type: string }) => l.event_type)).toEqual(['completed']);
    // `warn` is the name most loggers use for `warning`; an id past what a bigint holds is a 400, not a 500.
    expect((await http.get(`/api/agents/${res.body.id}/logs?level=warn`).set('authorization', alice)).status).toBe(200);
    const huge = await http.get(`/api/agents/${res.body.id}/logs?after_id=99999999999999999999`).set('authorization', alice);
    expect(huge.status).toBe(400);
    expect(JSON.stringify(huge.body)).toContain('after_id');
  });

  it('lists only the caller’s executions, newest first, with a cursor and filters', async () => {
    const bob = `Bearer ${example.token({ userId: 'bob' })}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await start({ agent_type: 'steps', input: { steps: 1 } }, bob)).body.id);
    const page1 = await http.get('/api/agents?limit=2').set('authorization', bob);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const page2 = await http.get(`/api/agents?limit=2&cursor=${page1.body.next_cursor}`).set('authorization', bob);
    expect(page2.body).toEqual({ data: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
    const none = await http.get('/api/agents?agent_type=research').set('authorization', bob);
    expect(none.body.data).toEqual([]);
  });

  it("filters the caller's list by metadata it contains, never reaching another user's", async () => {
    const carol = `Bearer ${example.token({ userId: 'carol' })}`;
    const dave = `Bearer ${example.token({ userId: 'dave' })}`;
    const order = (n: string, who: string) =>
      start({ agent_type: 'steps', input: { steps: 1 }, options: { metadata: { order: n, shop: 'a' } } }, who);
    const mine = (await order('42', carol)).body.id;
    await order('43', carol);
    await order('42', dave);
    const byMetadata = (filter: object, who = carol) =>
      http.get(`/api/agents?metadata=${encodeURIComponent(JSON.stringify(filter))}`).set('authorization', who);
    expect((await byMetadata({ order: '42' })).body.data.map((e: { id: string }) => e.id)).toEqual([mine]);
    expect((await byMetadata({ order: '42', shop: 'a' })).body.data.map((e: { id: string }) => e.id)).toEqual([mine]);
    expect((await byMetadata({ shop: 'a' })).body.data).toHaveLength(2);
    expect((await byMetadata({ order: '44' })).body.data).toEqual([]);
    for (const bad of ['[1]', '"x"', 'not json', '{']) {
      const res = await http.get(`/api/agents?metadata=${encodeURIComponent(bad)}`).set('authorization', carol);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('metadata must be a JSON object');
    }
  });

  describe('bad input is answered clearly and changes nothing', () => {
    const countRows = async () => (await db.sql.query('SELECT count(*)::int AS n FROM agent_executions')).rows[0].n;

    it.each([
      [
        'malformed JSON',
        () => http.post('/api/agents').set('authorization', alice).set('content-type', 'application/json').send('{"agent_type": "steps",'),
        400,
        /JSON/i,
      ],
      [
        'an unknown agent type (lists the known ones)',
        () => start({ agent_type: 'nope', input: {} }),
        400,
        /Known types: code-assistant, fan-out, research, steps, subagent.summariser/,
      ],
      ['a missing agent_type', () => start({ input: {} }), 400, /agent_type/],
      ['a missing input', () => start({ agent_type: 'steps' }), 400, /input is required/],
      ['a wrong type', () => start({ agent_type: 5, input: {} }), 400, /agent_type/],
      ['an unknown field', () => start({ agent_type: 'steps', input: {}, colour: 'red' }), 400, /colour should not exist/],
      ['an unknown queue', () => start({ agent_type: 'steps', input: {}, options: { queue: 'agents-fast' } }), 400, /queue/],
      ['an oversize input', () => start({ agent_type: 'steps', input: { blob: 'x'.repeat(300 * 1024) } }), 413, /limit is 262144/],
      [
        "input the agent type's input schema rejects",
        () => start({ agent_type: 'code-assistant', input: { question: 'no prompt' } }),
        400,
        /input schema of agent type 'code-assistant': prompt: /,
      ],
      ['no token', () => http.post('/api/agents').send({ agent_type: 'steps', input: {} }), 401, /Authentication required/],
      ['a bad token', () => start({ agent_type: 'steps', input: {} }, 'Bearer nope'), 401, /Authentication required/],
    ])('%s', async (_name, send, status, message) => {
      const before = await countRows();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.stringMatching(message) });
      expect(await countRows()).toBe(before);
    });

    it("lists the agent types with code-assistant's input as JSON Schema", async () => {
      const res = await http.get('/api/agents/types').set('authorization', alice);
      expect(res.status).toBe(200);
      expect(res.body.data.map((t: { name: string }) => t.name)).toEqual([
        'code-assistant',
        'fan-out',
        'research',
        'steps',
        'subagent.summariser',
      ]);
      expect(res.body.data[0]).toMatchObject({
        name: 'code-assistant',
        description: 'Answers questions about a small project, using file tools; running its tests needs approval',
        input_schema: { type: 'object', required: ['prompt'], properties: { prompt: { type: 'string', minLength: 1 } } },
        output_schema: null,
      });
      expect(res.body.data.find((t: { name: string }) => t.name === 'steps')).toMatchObject({
        input_schema: null,
        limits: { max_steps: expect.any(Number) },
      });
    });

    it('answers 400 for a non-uuid id and 404 for another user’s or tenant’s execution', async () => {
      const res = await start({ agent_type: 'steps', input: { steps: 1 } });
      const bad = await http.get('/api/agents/not-a-uuid').set('authorization', alice);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/id must be a UUID/);
      for (const other of [example.token({ userId: 'mallory' }), example.token({ tenantId: 't2', userId: 'alice' })]) {
        for (const path of [`/api/agents/${res.body.id}`, `/api/agents/${res.body.id}/logs`]) {
          const foreign = await http.get(path).set('authorization', `Bearer ${other}`);
          expect(foreign.status).toBe(404);
          expect(foreign.body).toEqual({
            statusCode: 404,
            error: 'Not Found',
            message: `Execution ${res.body.id} not found`,
            details: { code: 'execution_not_found' },
          });
        }
      }
      const missing = await http.get('/api/agents/0190a000-0000-7000-8000-000000000000').set('authorization', alice);
      expect(missing.status).toBe(404);
    });

    it('rejects bad query parameters', async () => {
      expect((await http.get('/api/agents?limit=0').set('authorization', alice)).status).toBe(400);
      expect((await http.get('/api/agents?status=sleeping').set('authorization', alice)).status).toBe(400);
      expect((await http.get('/api/agents?cursor=abc').set('authorization', alice)).status).toBe(400);
    });
  });
});
