import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { unscopedQueriesDuring } from '../support/sql-audit.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const CONVERSATION_KEYS = [
  'id',
  'user_id',
  'agent_type',
  'title',
  'turn_count',
  'total_tokens',
  'last_activity_at',
  'created_at',
  'active_execution_id',
].sort();
const PIPELINE_KEYS = [
  'id',
  'user_id',
  'status',
  'current_stage',
  'stages',
  'stage_outputs',
  'output',
  'error',
  'metadata',
  'created_at',
  'completed_at',
].sort();

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((x) => x.id);

/** `GET /api/admin/conversations` and `GET /api/admin/pipelines`: the tenant's, whoever started them. */
describe.each(HTTP_PLATFORMS)('admin conversation and pipeline lists over HTTP (example app) on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  const as = (who: { tenantId?: string; userId?: string; admin?: boolean }) => `Bearer ${example.token(who)}`;
  let admin: string;
  let alice: string;
  /** By owner: alice's and bob's in t1, carol's in t2. */
  const conversations: Record<string, string> = {};
  const pipelines: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    // No workers: every turn and first stage stays pending, so the lists hold still.
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off' }, [], platform);
    http = request(example.app.getHttpServer());
    admin = as({ userId: 'boss', admin: true });
    alice = as({ userId: 'alice' });
    const owners = { alice, bob: as({ userId: 'bob' }), carol: as({ tenantId: 't2', userId: 'carol' }) };
    for (const [user, auth] of Object.entries(owners)) {
      const conversation = await http
        .post('/api/conversations')
        .set('authorization', auth)
        .send({ agent_type: 'steps', message: 'hello', title: `${user}'s chat` });
      const pipeline = await http
        .post('/api/pipelines')
        .set('authorization', auth)
        .send({
          input: user,
          stages: [
            { name: 'one', agent_type: 'steps' },
            { name: 'two', agent_type: 'steps' },
          ],
        });
      expect([conversation.status, pipeline.status]).toEqual([201, 201]);
      conversations[user] = conversation.body.conversation.id;
      pipelines[user] = pipeline.body.id;
    }
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const get = (path: string, auth = admin) => http.get(path).set('authorization', auth);

  it("lists the whole tenant's conversations and pipelines for an admin, with their owners, and filters by user", async () => {
    const allConversations = await get('/api/admin/conversations');
    expect(allConversations.status).toBe(200);
    // Most recently active first: bob's was started after alice's.
    expect(allConversations.body).toEqual({ data: [expect.any(Object), expect.any(Object)], next_cursor: null });
    expect(ids(allConversations)).toEqual([conversations.bob, conversations.alice]);
    expect(Object.keys(allConversations.body.data[0]).sort()).toEqual(CONVERSATION_KEYS);
    expect(allConversations.body.data[1]).toMatchObject({
      user_id: 'alice',
      agent_type: 'steps',
      title: "alice's chat",
      turn_count: 0,
      active_execution_id: expect.any(String),
    });

    const allPipelines = await get('/api/admin/pipelines');
    expect(allPipelines.status).toBe(200);
    expect(ids(allPipelines)).toEqual([pipelines.bob, pipelines.alice]);
    expect(Object.keys(allPipelines.body.data[0]).sort()).toEqual(PIPELINE_KEYS);
    expect(allPipelines.body.data[1]).toMatchObject({ user_id: 'alice', status: 'running', current_stage: 0, error: null });
    expect(allPipelines.body.data[1].stages).toEqual([
      { name: 'one', agent_type: 'steps', status: 'pending', execution_id: expect.any(String) },
      { name: 'two', agent_type: 'steps', status: 'waiting', execution_id: null },
    ]);

    expect((await get('/api/admin/conversations?user_id=alice')).body).toEqual({
      data: [expect.objectContaining({ id: conversations.alice, user_id: 'alice' })],
      next_cursor: null,
    });
    expect((await get('/api/admin/pipelines?user_id=bob')).body).toEqual({
      data: [expect.objectContaining({ id: pipelines.bob, user_id: 'bob' })],
      next_cursor: null,
    });
    expect(ids(await get('/api/admin/pipelines?user_id=nobody'))).toEqual([]);
    expect(ids(await get('/api/admin/pipelines?status=running'))).toEqual([pipelines.bob, pipelines.alice]);
    expect(ids(await get('/api/admin/pipelines?status=completed'))).toEqual([]);

    // A page at a time.
    for (const [path, expected] of [
      ['/api/admin/conversations', conversations],
      ['/api/admin/pipelines', pipelines],
    ] as const) {
      const page1 = await get(`${path}?limit=1`);
      expect(ids(page1)).toEqual([expected.bob]);
      expect(page1.body.next_cursor).toEqual(expect.any(String));
      expect((await get(`${path}?limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`)).body).toEqual({
        data: [expect.objectContaining({ id: expected.alice })],
        next_cursor: null,
      });
    }

    // The user routes still show only the caller's own, without an owner field.
    const own = await get('/api/conversations', alice);
    expect(ids(own)).toEqual([conversations.alice]);
    expect(own.body.data[0].user_id).toBeUndefined();
    expect((await get('/api/pipelines', alice)).body.data.map((p: { id: string; user_id?: string }) => [p.id, p.user_id])).toEqual([
      [pipelines.alice, undefined],
    ]);
  });

  it('refuses non-admins (403) and the anonymous (401), and validates the query (400)', async () => {
    for (const path of ['/api/admin/conversations', '/api/admin/pipelines']) {
      expect((await get(path, alice)).status).toBe(403);
      expect((await http.get(path)).status).toBe(401);
      for (const query of ['limit=0', 'limit=201', 'user_id=', 'cursor=not-a-cursor', 'unknown=1']) {
        expect((await get(`${path}?${query}`)).status, `${path}?${query}`).toBe(400);
      }
    }
    expect((await get('/api/admin/pipelines?status=bogus')).status).toBe(400);
  });

  it("shows another tenant's admin nothing of this tenant, without one unscoped query", async () => {
    const foreignAdmin = as({ tenantId: 't2', userId: 'boss', admin: true });
    const { audited, unscoped } = await unscopedQueriesDuring(async () => {
      expect(ids(await get('/api/admin/conversations', foreignAdmin))).toEqual([conversations.carol]);
      expect(ids(await get('/api/admin/pipelines', foreignAdmin))).toEqual([pipelines.carol]);
      for (const path of ['/api/admin/conversations?user_id=alice', '/api/admin/pipelines?user_id=alice']) {
        expect(ids(await get(path, foreignAdmin))).toEqual([]);
      }
      // The t1 admin's lists, audited too.
      expect(ids(await get('/api/admin/conversations'))).toHaveLength(2);
      expect(ids(await get('/api/admin/pipelines?user_id=alice'))).toEqual([pipelines.alice]);
    });
    expect(audited).toBeGreaterThanOrEqual(6);
    expect(unscoped).toEqual([]);
  });
});
