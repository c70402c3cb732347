import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, exampleEnv, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitForStatus } from '../support/test-app.js';

interface Entry {
  seq: number;
  role: string;
  text: string | null;
  tool_calls: { tool_call_id: string; tool_name: string; input: unknown }[];
  tool_results: { tool_call_id: string; tool_name: string; output: unknown; is_error: boolean }[];
  content: unknown;
  created_at: string;
}

describe.each(HTTP_PLATFORMS)('GET /api/agents/:id/transcript (%s)', (platform) => {
  let db: TestDatabase;
  let node: ExampleApp;
  let id: string;

  const http = () => request(node.app.getHttpServer());
  const bearer = (who: { userId?: string; tenantId?: string; admin?: boolean } = {}) => `Bearer ${node.token(who)}`;
  const transcript = (query = '', who = {}) => http().get(`/api/agents/${id}/transcript${query}`).set('authorization', bearer(who));

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = exampleEnv(db, 'postgres');
    node = await startExampleApp(db, env.AGENTS_QUEUE_PREFIX, env, [], platform);
    const res = await http()
      .post('/api/agents')
      .set('authorization', bearer())
      .send({ agent_type: 'code-assistant', input: { prompt: 'What does src/index.ts export?' } })
      .expect(201);
    id = res.body.id;
    await waitForStatus(node, db, id, ['completed']);
  });

  afterAll(async () => {
    await node?.close();
    await db?.drop();
  });

  it("returns the run's messages in order, with tool calls and their results taken out of the model's parts", async () => {
    const res = await transcript().expect(200);
    const entries = res.body.data as Entry[];
    expect(res.body.execution_id).toBe(id);
    expect(res.body.next_cursor).toBeNull();
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries[0]).toMatchObject({ role: 'user', text: 'What does src/index.ts export?', tool_calls: [], tool_results: [] });

    const calls = entries.flatMap((e) => e.tool_calls.map((c) => ({ ...c, role: e.role })));
    const results = entries.flatMap((e) => e.tool_results.map((r) => ({ ...r, role: e.role })));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.role === 'assistant' && c.tool_call_id !== '' && ['list_files', 'read_file'].includes(c.tool_name))).toBe(
      true,
    );
    // Every call answered by the tool's own result, after it.
    for (const call of calls) {
      const result = results.find((r) => r.tool_call_id === call.tool_call_id);
      expect(result).toMatchObject({ role: 'tool', tool_name: call.tool_name, is_error: false });
    }
    // The SDK's `{ type: 'json', value }` wrapper taken off: the tool's own answer.
    expect(results.find((r) => r.tool_name === 'list_files')!.output).toEqual(['README.md', 'src/index.ts', 'src/index.spec.ts']);

    const last = entries.at(-1)!;
    expect(last.role).toBe('assistant');
    expect(last.tool_calls).toEqual([]);
    expect(typeof last.text).toBe('string');
    const execution = await http().get(`/api/agents/${id}`).set('authorization', bearer()).expect(200);
    expect(last.text).toBe(execution.body.output);
  });

  it('pages by cursor: the pages together are the whole transcript, each message once', async () => {
    const whole = (await transcript().expect(200)).body.data as Entry[];
    const seen: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await transcript(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`).expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...(res.body.data as Entry[]));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(whole);
    expect(pages).toBe(Math.ceil(whole.length / 2));
    expect((await transcript(`?cursor=${whole.at(-1)!.seq}`).expect(200)).body).toEqual({ execution_id: id, data: [], next_cursor: null });
  });

  it.each([
    ['?limit=0', /limit/],
    ['?limit=501', /limit/],
    ['?limit=ten', /limit/],
    ['?cursor=abc', /cursor must be a next_cursor/],
    ['?cursor=-1', /cursor must be a next_cursor/],
    ['?cursor=1.5', /cursor must be a next_cursor/],
    ['?page=2', /page/],
  ])('answers bad paging %s with 400 in the library error shape', async (query, message) => {
    const res = await transcript(query).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) });
  });

  it("is the caller's own: another user's or tenant's execution is not found, an admin of the tenant sees it", async () => {
    for (const who of [{ userId: 'mallory' }, { tenantId: 't2' }, { tenantId: 't2', admin: true }]) {
      expect((await transcript('', who).expect(404)).body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
    await http().get('/api/agents/not-a-uuid/transcript').set('authorization', bearer()).expect(400);
    await http().get(`/api/agents/${id}/transcript`).expect(401);
    const admin = await http()
      .get(`/api/admin/agents/${id}/transcript?limit=1`)
      .set('authorization', bearer({ userId: 'root', admin: true }))
      .expect(200);
    expect(admin.body.data).toHaveLength(1);
    expect(admin.body.next_cursor).toBe('1');
  });
});
