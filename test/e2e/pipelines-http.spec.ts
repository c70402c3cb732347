import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { waitForPipeline } from '../support/pipelines.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

describe.each(HTTP_PLATFORMS)('pipelines over HTTP (example app) on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  /** An API node whose queues no worker serves: its pipelines stay at their first stage, pending. */
  let idle: ExampleApp;
  let http: ReturnType<typeof request>;
  let alice: string;
  let bob: string;
  let stranger: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), {}, [], platform);
    idle = await startExampleApp(db, uniquePrefix(), { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off' }, [], platform);
    http = request(example.app.getHttpServer());
    alice = `Bearer ${example.token({ userId: 'alice' })}`;
    bob = `Bearer ${example.token({ userId: 'bob' })}`;
    stranger = `Bearer ${example.token({ tenantId: 't2', userId: 'alice' })}`;
  });

  afterAll(async () => {
    await example?.close();
    await idle?.close();
    await db?.drop();
  });

  const create = (body: unknown, auth = alice) =>
    http
      .post('/api/pipelines')
      .set('authorization', auth)
      .send(body as object);
  const counts = async () =>
    (
      await db.sql.query(
        `SELECT (SELECT count(*)::int FROM agent_pipelines) AS pipelines, (SELECT count(*)::int FROM agent_executions) AS executions`,
      )
    ).rows[0];

  it('creates a pipeline (201), runs it to the end and shows it', async () => {
    const res = await create({
      stages: [
        { name: 'count', agent_type: 'steps' },
        { name: 'report', agent_type: 'steps', prompt_template: 'Counted {previous_output} for {initial_input}' },
      ],
      input: 'the demo',
      metadata: { source: 'e2e' },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      ['completed_at', 'created_at', 'current_stage', 'error', 'id', 'metadata', 'output', 'stage_outputs', 'stages', 'status'].sort(),
    );
    expect(res.body).toMatchObject({ status: 'running', current_stage: 0, metadata: { source: 'e2e' } });

    await waitForPipeline(example, db, res.body.id, ['completed', 'failed', 'cancelled']);
    const shown = await http.get(`/api/pipelines/${res.body.id}`).set('authorization', alice);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      status: 'completed',
      current_stage: 1,
      stage_outputs: { count: { steps_done: 3 }, report: { steps_done: 3 } },
      output: { steps_done: 3 },
      error: null,
      completed_at: expect.any(String),
    });
    expect(shown.body.stages).toEqual([
      { name: 'count', agent_type: 'steps', status: 'completed', execution_id: expect.any(String) },
      { name: 'report', agent_type: 'steps', status: 'completed', execution_id: expect.any(String) },
    ]);
    // The stage's execution is an ordinary execution of its owner, linked to the pipeline; a non-string output enters a prompt as JSON.
    const report = await http.get(`/api/agents/${shown.body.stages[1].execution_id}`).set('authorization', alice);
    expect(report.body).toMatchObject({
      pipeline_id: res.body.id,
      input: { prompt: 'Counted {"steps_done":3} for the demo' },
      metadata: { pipeline_stage: 'report' },
    });
  });

  it('cancels a running pipeline (200) and answers 409 once it is final', async () => {
    const res = await request(idle.app.getHttpServer())
      .post('/api/pipelines')
      .set('authorization', alice)
      .send({
        stages: [
          { name: 'first', agent_type: 'steps' },
          { name: 'after', agent_type: 'steps' },
        ],
        input: 'x',
      });
    expect(res.status).toBe(201);
    const cancelled = await http.post(`/api/pipelines/${res.body.id}/cancel`).set('authorization', alice);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      completed_at: expect.any(String),
      stages: [
        { name: 'first', status: 'cancelled', execution_id: res.body.stages[0].execution_id },
        { name: 'after', status: 'skipped', execution_id: null },
      ],
    });
    const again = await http.post(`/api/pipelines/${res.body.id}/cancel`).set('authorization', alice);
    expect(again.status).toBe(409);
    expect(again.body.details).toMatchObject({ code: 'invalid_transition', current_status: 'cancelled' });
  });

  it('keeps pipelines to their owner: another user or tenant gets 404, lists hold only their own', async () => {
    const mine = await create({ stages: [{ name: 'only', agent_type: 'steps' }], input: 'mine' });
    for (const auth of [bob, stranger]) {
      expect((await http.get(`/api/pipelines/${mine.body.id}`).set('authorization', auth)).status).toBe(404);
      const cancel = await http.post(`/api/pipelines/${mine.body.id}/cancel`).set('authorization', auth);
      expect(cancel.status).toBe(404);
      expect(cancel.body.details).toMatchObject({ code: 'pipeline_not_found' });
      const list = await http.get('/api/pipelines').set('authorization', auth);
      expect(list.status).toBe(200);
      expect(list.body.data.map((p: { id: string }) => p.id)).not.toContain(mine.body.id);
    }
    const missing = await http.get('/api/pipelines/01900000-0000-7000-8000-000000000000').set('authorization', alice);
    expect(missing.status).toBe(404);

    const theirs = await create({ stages: [{ name: 'b', agent_type: 'steps' }], input: 'bob' }, bob);
    const page1 = await http.get('/api/pipelines?limit=2').set('authorization', alice);
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.data[0].id).toBe(mine.body.id);
    const page2 = await http.get(`/api/pipelines?limit=2&cursor=${page1.body.next_cursor}`).set('authorization', alice);
    const all = [...page1.body.data, ...page2.body.data].map((p: { id: string }) => p.id);
    expect(all).toHaveLength(3);
    expect(all).not.toContain(theirs.body.id);
    expect(page2.body.next_cursor).toBeNull();
  });

  it('answers bad definitions with 400 and writes nothing', async () => {
    const before = await counts();
    const stage = (name: string, extra: object = {}) => ({ name, agent_type: 'steps', ...extra });
    const bad: [unknown, RegExp][] = [
      [{ input: 'x' }, /stages must be a non-empty array/],
      [{ stages: [], input: 'x' }, /stages must be a non-empty array/],
      [{ stages: [stage('a')] }, /input is required/],
      [{ stages: [stage('a')], input: 'x', extra: true }, /property extra should not exist/],
      [{ stages: [{ name: 'a', agent_type: 'nope' }], input: 'x' }, /unknown agent type 'nope'. Known types: .*steps/],
      [{ stages: [stage('a', { colour: 'red' })], input: 'x' }, /unexpected field\(s\) colour/],
      [{ stages: [stage('a'), { parallel: [stage('b'), stage('a')] }], input: 'x' }, /'a' is used more than once/],
      [
        { stages: [stage('a'), stage('b', { prompt_template: '{stages.c.output}' }), stage('c')], input: 'x' },
        /does not name an earlier stage/,
      ],
      [{ stages: [stage('a', { prompt_template: '{previous_output}' })], input: 'x' }, /not available in the first stage/],
      [{ stages: [stage('a', { queue: 'agents-priority' })], input: 'x' }, /queue 'agents-priority' is not allowed/],
      [{ stages: Array.from({ length: 21 }, (_, i) => stage(`s${i}`)), input: 'x' }, /at most 20 are allowed/],
      [{ stages: [{ parallel: Array.from({ length: 11 }, (_, i) => stage(`p${i}`)) }], input: 'x' }, /at most 10 are allowed/],
    ];
    for (const [body, message] of bad) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(message);
    }
    const invalid = await create({
      stages: [
        { name: 'a', agent_type: 'nope' },
        { name: 'a', agent_type: 'steps' },
      ],
      input: 'x',
    });
    expect(invalid.body.details).toMatchObject({
      code: 'invalid_pipeline',
      problems: [expect.stringContaining('nope'), expect.stringContaining('more than once')],
    });
    expect((await http.get('/api/pipelines/not-a-uuid').set('authorization', alice)).status).toBe(400);
    expect((await http.post('/api/pipelines/not-a-uuid/cancel').set('authorization', alice)).status).toBe(400);
    expect((await http.get('/api/pipelines?limit=0').set('authorization', alice)).status).toBe(400);
    expect((await http.post('/api/pipelines').send({ stages: [stage('a')], input: 'x' })).status).toBe(401);
    expect(await counts()).toEqual(before);
  });
});
