import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionEventName } from '../../src/agent/index.js';
import { ExecutionRunner } from '../../src/agent/executions/run/execution-runner.js';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { unscopedQueriesDuring } from '../support/sql-audit.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const VIEW_KEYS = [
  'id',
  'agent_type',
  'title',
  'turn_count',
  'total_tokens',
  'last_activity_at',
  'created_at',
  'active_execution_id',
].sort();

describe.each(HTTP_PLATFORMS)('conversations over HTTP (example app) on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  const as = (who: { tenantId?: string; userId?: string; admin?: boolean }) => `Bearer ${example.token(who)}`;
  let alice: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No workers: a turn stays `pending` (busy) until the test runs it, in process, with the runner.
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_WORKERS: 'off' }, [], platform);
    http = request(example.app.getHttpServer());
    alice = as({ userId: 'alice' });
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const create = (body: object, auth = alice) => http.post('/api/conversations').set('authorization', auth).send(body);
  const send = (id: string, body: object, auth = alice) =>
    http.post(`/api/conversations/${id}/messages`).set('authorization', auth).send(body);

  /** Runs the turn here and waits for its end to reach the conversation. */
  async function runTurn(executionId: string): Promise<void> {
    const settled = new Promise<void>((resolve) => {
      const stop = example.events.subscribe((e) => {
        if (e.name === ExecutionEventName.ConversationUpdated && e.executionId === executionId) {
          stop();
          resolve();
        }
      });
    });
    await example.app.get(ExecutionRunner).run(executionId);
    await settled;
  }

  /** Everything a conversation owns, to show that a refused request changed nothing. */
  const snapshot = async () =>
    (
      await db.sql.query(`
        SELECT (SELECT count(*) FROM agent_conversations)::int AS conversations,
               (SELECT coalesce(sum(turn_count), 0)::int FROM agent_conversations) AS turns,
               (SELECT max(last_activity_at) FROM agent_conversations) AS activity,
               (SELECT count(*) FROM agent_executions)::int AS executions,
               (SELECT count(*) FROM agent_messages)::int AS messages,
               (SELECT count(*) FROM agent_logs)::int AS logs,
               (SELECT count(*) FROM agent_signals)::int AS signals`)
    ).rows[0];

  it('starts a conversation with its first turn, refuses a message while it runs, then adds the next turn to the history', async () => {
    const res = await create({ agent_type: 'steps', message: 'hello', title: 'Greetings' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['conversation', 'execution_id']);
    expect(Object.keys(res.body.conversation).sort()).toEqual(VIEW_KEYS);
    const turn1 = res.body.execution_id as string;
    const id = res.body.conversation.id as string;
    expect(res.body.conversation).toMatchObject({
      agent_type: 'steps',
      title: 'Greetings',
      turn_count: 0,
      total_tokens: 0,
      active_execution_id: turn1,
    });
    const execution = await http.get(`/api/agents/${turn1}`).set('authorization', alice);
    expect(execution.body).toMatchObject({ status: 'pending', conversation_id: id, input: { prompt: 'hello' } });

    const before = await snapshot();
    const busy = await send(id, { message: 'are you there?' });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ statusCode: 409, details: { code: 'conversation_busy', active_execution_id: turn1 } });
    expect(await snapshot()).toEqual(before);

    await runTurn(turn1);
    const shown = await http.get(`/api/conversations/${id}`).set('authorization', alice);
    expect(shown.status).toBe(200);
    expect(Object.keys(shown.body).sort()).toEqual([...VIEW_KEYS, 'messages'].sort());
    expect(shown.body).toMatchObject({ id, turn_count: 1, active_execution_id: null });
    expect(shown.body.messages).toEqual([
      { role: 'user', content: 'hello', execution_id: turn1, created_at: expect.any(String) },
      { role: 'assistant', content: 'step 3', execution_id: turn1, created_at: expect.any(String) },
    ]);

    const next = await send(id, { message: 'again' });
    expect(next.status).toBe(201);
    expect(next.body.conversation).toMatchObject({ id, turn_count: 1, active_execution_id: next.body.execution_id });
    await runTurn(next.body.execution_id);
    const after = await http.get(`/api/conversations/${id}`).set('authorization', alice);
    expect(after.body.turn_count).toBe(2);
    expect(after.body.messages.map((m: { content: unknown }) => m.content)).toEqual(['hello', 'step 3', 'again', 'step 3']);
  });

  it("lists only the caller's conversations, newest activity first, a page at a time", async () => {
    const bob = as({ userId: 'bob' });
    const ids: string[] = [];
    for (const title of ['one', 'two', 'three'])
      ids.push((await create({ agent_type: 'steps', message: title, title }, bob)).body.conversation.id);
    await create({ agent_type: 'steps', message: 'not bob' }, as({ userId: 'carol' }));
    await create({ agent_type: 'steps', message: 'other tenant' }, as({ tenantId: 't2', userId: 'bob' }));
    // New activity on the oldest one moves it to the top.
    const first = await http.get(`/api/conversations/${ids[0]}`).set('authorization', bob);
    await runTurn(first.body.active_execution_id);
    expect((await send(ids[0]!, { message: 'more' }, bob)).status).toBe(201);

    const page1 = await http.get('/api/conversations?limit=2').set('authorization', bob);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((c: { id: string }) => c.id)).toEqual([ids[0], ids[2]]);
    expect(Object.keys(page1.body.data[0]).sort()).toEqual(VIEW_KEYS);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await http.get(`/api/conversations?limit=2&cursor=${page1.body.next_cursor}`).set('authorization', bob);
    expect(page2.body).toEqual({ data: [expect.objectContaining({ id: ids[1] })], next_cursor: null });
  });

  it("answers 404 to another user or tenant on every route of someone's conversation, changes nothing, and queries nothing unscoped", async () => {
    const owner = as({ userId: 'owner' });
    const res = await create({ agent_type: 'steps', message: 'mine' }, owner);
    const id = res.body.conversation.id as string;
    await runTurn(res.body.execution_id);
    const before = await snapshot();
    const strangers = [
      as({ userId: 'mallory' }),
      as({ tenantId: 't2', userId: 'owner' }),
      as({ tenantId: 't2', userId: 'boss', admin: true }),
    ];

    const { audited, unscoped } = await unscopedQueriesDuring(async () => {
      for (const who of strangers) {
        const responses = [
          await http.get(`/api/conversations/${id}`).set('authorization', who),
          await send(id, { message: 'let me in' }, who),
          await http.delete(`/api/conversations/${id}`).set('authorization', who),
        ];
        expect(responses.map((r) => r.status)).toEqual([404, 404, 404]);
        expect(responses[0]!.body.details).toEqual({ code: 'conversation_not_found' });
        const listed = await http.get('/api/conversations').set('authorization', who);
        expect(listed.body.data.map((c: { id: string }) => c.id)).not.toContain(id);
      }
    });
    expect(audited).toBeGreaterThan(0);
    expect(unscoped).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect((await http.get(`/api/conversations/${id}`).set('authorization', owner)).body.turn_count).toBe(1);
  });

  it('refuses bad input with 400 and creates nothing', async () => {
    const existing = (await create({ agent_type: 'steps', message: 'valid' })).body.conversation.id as string;
    const before = await snapshot();
    const refused = [
      await create({ agent_type: 'steps' }),
      await create({ agent_type: 'steps', message: '' }),
      await create({ agent_type: 'steps', message: 42 }),
      await create({ message: 'no type' }),
      await create({ agent_type: 'no-such-agent', message: 'hi' }),
      await create({ agent_type: 'steps', message: 'hi', surprise: true }),
      await send(existing, {}),
      await send(existing, { message: '' }),
      await send('not-a-uuid', { message: 'hi' }),
      await http.get('/api/conversations/not-a-uuid').set('authorization', alice),
      await http.delete('/api/conversations/not-a-uuid').set('authorization', alice),
      await http.get('/api/conversations?cursor=garbage').set('authorization', alice),
      await http.get('/api/conversations?limit=0').set('authorization', alice),
    ];
    expect(refused.map((r) => r.status)).toEqual(Array(refused.length).fill(400));
    expect(refused[4]!.body.details).toMatchObject({ code: 'unknown_agent_type' });
    expect(await snapshot()).toEqual(before);
    // A well-formed id nobody has: 404, like a foreign one.
    expect((await send(crypto.randomUUID(), { message: 'hi' })).status).toBe(404);
    expect((await http.post('/api/conversations').send({ agent_type: 'steps', message: 'hi' })).status).toBe(401);
  });

  it('deletes a conversation with its turns, their messages, logs and signals', async () => {
    const res = await create({ agent_type: 'steps', message: 'to be forgotten' });
    const id = res.body.conversation.id as string;
    const turn1 = res.body.execution_id as string;
    await runTurn(turn1);
    const turn2 = (await send(id, { message: 'and this' })).body.execution_id as string;
    expect((await http.post(`/api/agents/${turn2}/pause`).set('authorization', alice).send({})).status).toBe(200);
    const owned = async () =>
      (
        await db.sql.query(
          `SELECT (SELECT count(*) FROM agent_executions WHERE id = ANY($1::uuid[]) OR conversation_id = $2)::int AS executions,
                  (SELECT count(*) FROM agent_messages WHERE execution_id = ANY($1::uuid[]) OR conversation_id = $2)::int AS messages,
                  (SELECT count(*) FROM agent_logs WHERE execution_id = ANY($1::uuid[]))::int AS logs,
                  (SELECT count(*) FROM agent_signals WHERE execution_id = ANY($1::uuid[]))::int AS signals`,
          [[turn1, turn2], id],
        )
      ).rows[0];
    const before = await owned();
    expect(before.executions).toBe(2);
    expect(before.messages).toBeGreaterThan(0);
    expect(before.logs).toBeGreaterThan(0);

    const deleted = await http.delete(`/api/conversations/${id}`).set('authorization', alice);
    expect(deleted.status).toBe(204);
    expect(await owned()).toEqual({ executions: 0, messages: 0, logs: 0, signals: 0 });
    expect((await http.get(`/api/conversations/${id}`).set('authorization', alice)).status).toBe(404);
    expect((await http.get(`/api/agents/${turn2}`).set('authorization', alice)).status).toBe(404);
    expect((await http.delete(`/api/conversations/${id}`).set('authorization', alice)).status).toBe(404);
  });
});
