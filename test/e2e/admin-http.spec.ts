import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { executionRow, seedExecution } from '../support/execution-factory.js';
import { readSse } from '../support/sse.js';
import { waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

describe.each(HTTP_PLATFORMS)('admin log viewer (/api/admin/agents) on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  let admin: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), {}, [], platform);
    http = request(example.app.getHttpServer());
    admin = `Bearer ${example.token({ userId: 'boss', admin: true })}`;
    for (const [name, who, input] of [
      ['alice', { userId: 'alice' }, { steps: 3 }],
      ['bob', { userId: 'bob' }, { steps: 2, fail_at: 2 }],
      ['other', { tenantId: 't2', userId: 'alice' }, { steps: 1 }],
    ] as const) {
      const res = await http
        .post('/api/agents')
        .set('authorization', `Bearer ${example.token(who)}`)
        .send({ agent_type: 'steps', input });
      ids[name] = res.body.id;
      await waitForStatus(example, db, res.body.id, ['completed', 'failed']);
    }
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  it('refuses non-admins (403) and anonymous callers (401)', async () => {
    const user = await http.get('/api/admin/agents').set('authorization', `Bearer ${example.token({ userId: 'alice' })}`);
    expect(user.status).toBe(403);
    expect(user.body).toMatchObject({ statusCode: 403, message: 'Admin role required' });
    expect((await http.get('/api/admin/agents')).status).toBe(401);
  });

  it('lists the whole tenant with log counts and filters, never another tenant', async () => {
    const all = await http.get('/api/admin/agents').set('authorization', admin);
    expect(all.status).toBe(200);
    const listed = all.body.data.map((e: { id: string }) => e.id);
    expect(listed).toEqual(expect.arrayContaining([ids.alice, ids.bob]));
    expect(listed).not.toContain(ids.other);
    const alice = all.body.data.find((e: { id: string }) => e.id === ids.alice);
    expect(alice).toMatchObject({ user_id: 'alice', status: 'completed', log_count: 5 }); // started, 3 steps, completed

    const failed = await http.get('/api/admin/agents?status=failed').set('authorization', admin);
    expect(failed.body.data.map((e: { id: string }) => e.id)).toEqual([ids.bob]);
    const byUser = await http.get('/api/admin/agents?user_id=alice').set('authorization', admin);
    expect(byUser.body.data.map((e: { id: string }) => e.id)).toEqual([ids.alice]);
    const byType = await http.get('/api/admin/agents?agent_type=research').set('authorization', admin);
    expect(byType.body.data).toEqual([]);
  });

  it('shows an execution of any user of the tenant with its logs, and pages its logs', async () => {
    const shown = await http.get(`/api/admin/agents/${ids.bob}`).set('authorization', admin);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ user_id: 'bob', status: 'failed', error: { code: 'step_error' } });
    expect(shown.body.logs.map((l: { event_type: string }) => l.event_type)).toEqual(['started', 'step_completed', 'failed']);
    const errors = await http.get(`/api/admin/agents/${ids.bob}/logs?level=error`).set('authorization', admin);
    expect(errors.body.data.map((l: { event_type: string }) => l.event_type)).toEqual(['failed']);
    const page = await http.get(`/api/admin/agents/${ids.alice}/logs?limit=2&after_id=0`).set('authorization', admin);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.next_cursor).not.toBeNull();
    expect((await http.get(`/api/admin/agents/${ids.other}`).set('authorization', admin)).status).toBe(404);
  });

  it('streams any execution of the tenant', async () => {
    const port = (example.app.getHttpServer().address() as AddressInfo).port;
    const sse = await readSse(`http://127.0.0.1:${port}/api/admin/agents/${ids.alice}/stream`, { authorization: admin });
    expect(sse.events.at(-1)).toEqual({ event: 'finished', data: { execution_id: ids.alice, status: 'completed' } });
  });

  it("acts on another user's execution in the tenant, and on nothing outside it", async () => {
    const paused = await seedExecution(db, { status: 'paused', userId: 'carol' });
    const res = await http.post(`/api/admin/agents/${paused}/cancel`).set('authorization', admin).send({});
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    const foreign = await seedExecution(db, { status: 'paused', tenantId: 't2', userId: 'carol' });
    const before = await executionRow(db, foreign);
    for (const send of [
      () => http.post(`/api/admin/agents/${foreign}/resume`).set('authorization', admin).send({}),
      () => http.delete(`/api/admin/agents/${foreign}`).set('authorization', admin),
    ]) {
      expect((await send()).status).toBe(404);
    }
    expect(await executionRow(db, foreign)).toEqual(before);
  });
});
