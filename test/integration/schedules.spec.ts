import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel, defineLlmAgent, ScheduleService, ScheduleTicks, type Principal } from '../../src/agent/index.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { startTransport, TEST_TRANSPORTS, type TransportServers } from '../support/test-transports.js';

const reporter = defineLlmAgent({
  name: 'reporter',
  model: createScriptedModel({ script: () => ({ text: 'report' }) }),
  system: 'Report.',
});
const tiers = { one_an_hour: { maxConcurrent: 1000, perHour: 1 } };

/** `x-user` / `x-tenant` / `x-admin` headers choose the caller; without them, u1 of t1. */
const principalOf = (req: unknown): Principal => {
  const headers = (req as { headers: Record<string, string | undefined> }).headers;
  const who = principal(headers['x-user'] ?? 'u1', headers['x-tenant'] ?? 't1');
  return headers['x-admin'] ? { ...who, roles: ['admin'] } : who;
};

/** Resolves once `check` answers true, polling the database (the ticks are timed, not evented). */
async function until(check: () => Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(TEST_TRANSPORTS)('recurring schedules on the %s transport', (transport) => {
  let servers: TransportServers;
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const queuePrefix = uniquePrefix();
  const me = principal();

  const executionsOf = async (scheduleId: string) =>
    (
      await db.sql.query<{ id: string; tick: string; status: string }>(
        `SELECT id, metadata->>'schedule_tick' AS tick, status FROM agent_executions WHERE metadata->>'schedule_id' = $1 ORDER BY created_at`,
        [scheduleId],
      )
    ).rows;

  beforeAll(async () => {
    servers = await startTransport(transport);
    db = await createTestDatabase({ connections: 'many' });
    const node = () =>
      startTestApp({
        transport: servers.transport,
        redis: servers.redis,
        db,
        queuePrefix,
        agents: [reporter],
        options: { schedules: { pollIntervalMs: 300 }, tiers, resolvePrincipal: principalOf },
      });
    [a, b] = [await node(), await node()];
  });

  afterAll(async () => {
    await a?.close().catch(() => undefined);
    await b?.close();
    await db?.drop();
    await servers?.stop();
  });

  it('with two nodes up, each tick starts exactly one execution, and it runs', async () => {
    const schedule = await a.app.get(ScheduleService).create(me, { agentType: 'reporter', input: 'daily', cron: '* * * * * *' });
    await until(async () => (await executionsOf(schedule.id)).length >= 4, 15_000, 'four ticks');
    await a.app.get(ScheduleService).pause(me, schedule.id);
    const started = await executionsOf(schedule.id);
    const ticks = started.map((e) => e.tick);
    expect(new Set(ticks).size).toBe(ticks.length); // no tick started twice
    const ids = started.map((e) => e.id);
    await until(
      async () =>
        (await db.sql.query(`SELECT 1 FROM agent_executions WHERE id = ANY($1) AND status = 'completed'`, [ids])).rowCount === ids.length,
      15_000,
      'the ticks’ executions to complete',
    );
    const row = await a.app.get(ScheduleService).get(me, schedule.id);
    expect(row).toMatchObject({ status: 'paused', next_run_at: null, run_count: started.length, last_error: null });
    expect(started.map((e) => e.id)).toContain(row.last_execution_id);
  });

  it('a tick fired by many nodes at once is claimed by one: the others start nothing', async () => {
    const service = a.app.get(ScheduleService);
    const schedule = await service.create(me, { agentType: 'reporter', input: 'race', cron: '0 0 1 1 *', timeZone: 'Europe/Paris' });
    const tick = new Date(schedule.next_run_at!);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).app.get(ScheduleTicks).fire(schedule.id, tick)),
    );
    expect(outcomes.filter((o) => 'started' in o)).toHaveLength(1);
    expect(outcomes.filter((o) => 'claimed' in o)).toHaveLength(9);
    expect(await executionsOf(schedule.id)).toHaveLength(1);
    const after = await service.get(me, schedule.id);
    // 1 January, midnight in Paris: 23:00 UTC the day before.
    expect(after.next_run_at).toBe(`${tick.getUTCFullYear() + 1}-12-31T23:00:00.000Z`);
    await service.delete(me, schedule.id);
  });

  it('ticks missed while every node was down run once on catch-up, the rest are skipped', async () => {
    const service = a.app.get(ScheduleService);
    const schedule = await service.create(me, { agentType: 'reporter', input: 'late', cron: '*/10 * * * *', paused: true });
    // As if the last node went down three hours ago: eighteen ticks missed.
    const missedSince = new Date(Date.now() - 3 * 3600_000);
    missedSince.setUTCMinutes(0, 0, 0);
    await db.sql.query(`UPDATE agent_schedules SET status = 'active', next_run_at = $2 WHERE id = $1`, [schedule.id, missedSince]);
    await until(async () => (await executionsOf(schedule.id)).length > 0, 5_000, 'the catch-up tick');
    await new Promise((r) => setTimeout(r, 1_000)); // a few more looks by both nodes
    const started = await executionsOf(schedule.id);
    expect(started).toHaveLength(1);
    expect(started[0]!.tick).toBe(missedSince.toISOString());
    const after = await service.get(me, schedule.id);
    expect(new Date(after.next_run_at!).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(after.next_run_at!).getUTCMinutes() % 10).toBe(0);
    await service.delete(me, schedule.id);
  });

  it('a start the tier refuses is recorded on the schedule and the ticks go on', async () => {
    const service = a.app.get(ScheduleService);
    const limited = principal('u-limited', 't1', 'one_an_hour');
    const schedule = await service.create(limited, { agentType: 'reporter', input: 'x', cron: '* * * * * *' });
    await until(async () => (await service.get(limited, schedule.id)).refused_count >= 2, 10_000, 'two refused ticks');
    await service.pause(limited, schedule.id);
    const row = await service.get(limited, schedule.id);
    expect(row.run_count).toBe(1);
    expect(row.last_error).toMatchObject({ code: 'rate_limited' });
    expect(await executionsOf(schedule.id)).toHaveLength(1);
  });

  it('REST: create, list, get, pause, resume and delete, with 4xx answers that change nothing', async () => {
    const http = () => request(a.app.getHttpServer());
    const created = await http()
      .post('/api/schedules')
      .send({
        agent_type: 'reporter',
        input: { period: 'week' },
        cron: '0 7 * * 1',
        time_zone: 'America/New_York',
        options: { metadata: { k: 1 } },
      })
      .expect(201);
    expect(created.body).toMatchObject({
      agent_type: 'reporter',
      status: 'active',
      cron: '0 7 * * 1',
      time_zone: 'America/New_York',
      metadata: { k: 1 },
    });
    const next = new Date(created.body.next_run_at);
    expect(next.getUTCDay()).toBe(1);
    expect([11, 12]).toContain(next.getUTCHours()); // 07:00 in New York, with or without daylight saving
    const id = created.body.id as string;

    const listed = await http().get('/api/schedules?agent_type=reporter').expect(200);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(id);
    await http().get(`/api/schedules/${id}`).expect(200);

    expect((await http().post(`/api/schedules/${id}/pause`).expect(200)).body).toMatchObject({ status: 'paused', next_run_at: null });
    expect((await http().post(`/api/schedules/${id}/pause`).expect(409)).body).toMatchObject({ statusCode: 409 });
    expect((await http().post(`/api/schedules/${id}/resume`).expect(200)).body.status).toBe('active');
    await http().post(`/api/schedules/${id}/resume`).expect(409);

    const bad = { agent_type: 'reporter', input: 1 };
    const badCron = await http()
      .post('/api/schedules')
      .send({ ...bad, cron: '61 * * * *' })
      .expect(400);
    expect(badCron.body).toMatchObject({ statusCode: 400, message: expect.stringContaining('Invalid cron expression') });
    await http()
      .post('/api/schedules')
      .send({ ...bad, cron: '* * * * *', time_zone: 'Mars/Olympus' })
      .expect(400);
    await http().post('/api/schedules').send({ agent_type: 'nobody', input: 1, cron: '* * * * *' }).expect(400);
    await http()
      .post('/api/schedules')
      .send({ ...bad, cron: '* * * * *', surprise: true })
      .expect(400);
    await http().get('/api/schedules/not-a-uuid').expect(400);

    // Another user's schedule does not exist for the caller.
    const theirs = await a.app.get(ScheduleService).create(principal('u2'), { agentType: 'reporter', input: 1, cron: '0 0 * * *' });
    await http().get(`/api/schedules/${theirs.id}`).expect(404);
    await http().post(`/api/schedules/${theirs.id}/pause`).expect(404);
    await http().delete(`/api/schedules/${theirs.id}`).expect(404);
    expect((await a.app.get(ScheduleService).get(principal('u2'), theirs.id)).status).toBe('active');

    await http().delete(`/api/schedules/${id}`).expect(204);
    await http().get(`/api/schedules/${id}`).expect(404);
    const count = await db.sql.query(
      `SELECT count(*)::int AS n FROM agent_schedules WHERE tenant_id = 't1' AND user_id = 'u1' AND cron = '61 * * * *'`,
    );
    expect(count.rows[0].n).toBe(0);
  });

  it('REST update: input, options, cron and zone change what the next ticks start and when; refused changes change nothing', async () => {
    const http = () => request(a.app.getHttpServer());
    const service = a.app.get(ScheduleService);
    const created = await service.create(me, { agentType: 'reporter', input: 'v1', cron: '0 7 * * *', metadata: { k: 1 } });
    const patch = (body: unknown, id = created.id) =>
      http()
        .patch(`/api/schedules/${id}`)
        .send(body as object);

    // Input and options only: the next tick stays where it was.
    const hooks = [{ url: 'https://hooks.example.com/s', events: ['execution.failed'] }];
    const changed = await patch({ input: { v: 2 }, options: { metadata: { k: 2 }, queue: 'agents-default', hooks } }).expect(200);
    expect(changed.body).toMatchObject({ input: { v: 2 }, metadata: { k: 2 }, queue: 'agents-default', hooks, cron: '0 7 * * *' });
    expect(changed.body.next_run_at).toBe(created.next_run_at);
    // `null` input is a value; a `null` queue goes back to the default one; `[]` clears the hooks.
    const cleared = await patch({ input: null, options: { queue: null, hooks: [] } }).expect(200);
    expect(cleared.body).toMatchObject({ input: null, queue: null, hooks: [], metadata: { k: 2 } });

    // A new expression and zone: the next tick is the new expression's first after now.
    const retimed = await patch({ cron: '30 9 * * 1', time_zone: 'Asia/Tokyo' }).expect(200);
    const next = new Date(retimed.body.next_run_at);
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 0, 30]); // Monday 09:30 in Tokyo
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(retimed.body).toMatchObject({ status: 'active', run_count: 0, input: null });

    // Paused, it stays paused with no tick; resuming ticks on the new expression.
    await service.pause(me, created.id);
    expect((await patch({ cron: '0 12 * * *', time_zone: 'UTC' }).expect(200)).body).toMatchObject({ status: 'paused', next_run_at: null });
    const resumed = await service.resume(me, created.id);
    const resumedAt = new Date(resumed.next_run_at!);
    expect([resumedAt.getUTCHours(), resumedAt.getUTCMinutes()]).toEqual([12, 0]);

    // Refused: each answers 4xx, and the schedule is as it was.
    const before = await service.get(me, created.id);
    await patch({}).expect(400);
    await patch({ options: {} }).expect(400);
    expect((await patch({ cron: '61 * * * *' }).expect(400)).body.message).toContain('Invalid cron expression');
    await patch({ time_zone: 'Mars/Olympus' }).expect(400);
    await patch({ cron: '' }).expect(400);
    await patch({ agent_type: 'other' }).expect(400); // the agent type stays: delete and create
    await patch({ input: 1, surprise: true }).expect(400);
    await patch({ options: { queue: 'agents-nowhere' } }).expect(400);
    await patch({ options: { hooks: [{ url: 'http://127.0.0.1:9/h' }] } }).expect(400);
    await patch({ options: { metadata: 'not an object' } }).expect(400);
    await patch({ input: 'x'.repeat(2_000_000) }).expect(413);
    await expect(service.update(me, created.id, { input: 'x'.repeat(300_000) })).rejects.toMatchObject({ code: 'input_too_large' });
    await http().patch('/api/schedules/not-a-uuid').send({ input: 1 }).expect(400);
    const theirs = await service.create(principal('u2'), { agentType: 'reporter', input: 'theirs', cron: '0 0 * * *' });
    await patch({ input: 'mine now' }, theirs.id).expect(404);
    expect(await service.get(me, created.id)).toEqual(before);
    expect((await service.get(principal('u2'), theirs.id)).input).toBe('theirs');

    // An admin changes any schedule of the tenant, none of another's.
    const admin = (id: string) => http().patch(`/api/admin/schedules/${id}`).set('x-admin', '1');
    expect((await admin(theirs.id).send({ input: 'by the admin' }).expect(200)).body).toMatchObject({
      user_id: 'u2',
      input: 'by the admin',
    });
    const elsewhere = await service.create(principal('u9', 't2'), { agentType: 'reporter', input: 1, cron: '0 0 * * *' });
    await admin(elsewhere.id).send({ input: 2 }).expect(404);
    await http().patch(`/api/admin/schedules/${theirs.id}`).send({ input: 3 }).expect(403);
    await Promise.all([
      service.delete(me, created.id),
      service.delete(principal('u2'), theirs.id),
      service.delete(principal('u9', 't2'), elsewhere.id),
    ]);
  });

  it('a new expression takes over from the next tick on both nodes: no tick of the old one after it, none twice', async () => {
    const service = a.app.get(ScheduleService);
    const schedule = await service.create(me, { agentType: 'reporter', input: 'every second', cron: '* * * * * *' });
    await until(async () => (await executionsOf(schedule.id)).length >= 2, 10_000, 'two ticks');
    const changed = await request(a.app.getHttpServer())
      .patch(`/api/schedules/${schedule.id}`)
      .send({ cron: '*/2 * * * * *', input: 'every other second' })
      .expect(200);
    const changedAt = Date.now();
    expect(new Date(changed.body.next_run_at).getUTCSeconds() % 2).toBe(0);
    const after = async () => (await executionsOf(schedule.id)).filter((e) => Date.parse(e.tick) > changedAt);
    await until(async () => (await after()).length >= 3, 15_000, 'three ticks of the new expression');
    await service.pause(me, schedule.id);
    const ticks = (await executionsOf(schedule.id)).map((e) => e.tick);
    expect(new Set(ticks).size).toBe(ticks.length);
    const since = await after();
    expect(since.map((e) => new Date(e.tick).getUTCSeconds() % 2)).toEqual(since.map(() => 0));
    const { rows } = await db.sql.query(`SELECT DISTINCT input FROM agent_executions WHERE id = ANY($1)`, [since.map((e) => e.id)]);
    expect(rows).toEqual([{ input: 'every other second' }]);
    for (let i = 1; i < since.length; i++) expect(Date.parse(since[i]!.tick) - Date.parse(since[i - 1]!.tick)).toBe(2000);
  });

  it("a schedule's hooks go to each execution it starts (outbox rows with its status changes); private targets are refused", async () => {
    const service = a.app.get(ScheduleService);
    await expect(
      service.create(me, { agentType: 'reporter', input: 1, cron: '* * * * * *', hooks: [{ url: 'http://127.0.0.1:9/h' }] }),
    ).rejects.toThrow('private or loopback');
    const hooks = [{ url: 'https://hooks.example.com/done', events: ['execution.completed' as const] }];
    const schedule = await service.create(me, { agentType: 'reporter', input: 'hooked', cron: '* * * * * *', hooks });
    expect(schedule.hooks).toEqual(hooks);
    await until(async () => (await executionsOf(schedule.id)).length > 0, 10_000, 'a tick');
    await service.pause(me, schedule.id);
    const [first] = await executionsOf(schedule.id);
    await until(
      async () => (await db.sql.query(`SELECT 1 FROM agent_hook_deliveries WHERE execution_id = $1`, [first!.id])).rowCount === 1,
      10_000,
      'the completion delivery',
    );
    const { rows } = await db.sql.query(`SELECT hooks FROM agent_executions WHERE id = $1`, [first!.id]);
    expect(rows[0].hooks).toEqual(hooks);
  });

  it('admin routes: every schedule of the tenant, and its controls; other tenants stay out of reach', async () => {
    const service = a.app.get(ScheduleService);
    const theirs = await service.create(principal('u-admin-target'), { agentType: 'reporter', input: 1, cron: '0 0 * * *' });
    const elsewhere = await service.create(principal('u9', 't2'), { agentType: 'reporter', input: 1, cron: '0 0 * * *' });
    const admin = () => request(a.app.getHttpServer());
    const listed = await admin().get('/api/admin/schedules?user_id=u-admin-target').set('x-admin', '1').expect(200);
    expect(listed.body.data.map((s: { id: string; user_id: string }) => [s.id, s.user_id])).toEqual([[theirs.id, 'u-admin-target']]);
    const all = await admin().get('/api/admin/schedules?limit=200').set('x-admin', '1').expect(200);
    expect(all.body.data.map((s: { id: string }) => s.id)).not.toContain(elsewhere.id);
    expect((await admin().post(`/api/admin/schedules/${theirs.id}/pause`).set('x-admin', '1').expect(200)).body.status).toBe('paused');
    await admin().post(`/api/admin/schedules/${elsewhere.id}/pause`).set('x-admin', '1').expect(404);
    await admin().get('/api/admin/schedules').expect(403); // not an admin
    await admin().delete(`/api/admin/schedules/${theirs.id}`).set('x-admin', '1').expect(204);
    expect((await service.get(principal('u9', 't2'), elsewhere.id)).status).toBe('active');
    await service.delete(principal('u9', 't2'), elsewhere.id);
  });

  // Last: it closes node a.
  it('when a node goes away between ticks, the other fires the next ones, still one execution each', async () => {
    const service = b.app.get(ScheduleService);
    const schedule = await service.create(me, { agentType: 'reporter', input: 'survivor', cron: '* * * * * *' });
    await until(async () => (await executionsOf(schedule.id)).length >= 2, 10_000, 'two ticks with both nodes');
    await a.close();
    const before = (await executionsOf(schedule.id)).length;
    await until(async () => (await executionsOf(schedule.id)).length >= before + 2, 10_000, 'two ticks on node b alone');
    await service.pause(me, schedule.id);
    const ticks = (await executionsOf(schedule.id)).map((e) => e.tick);
    expect(new Set(ticks).size).toBe(ticks.length);
  });
});
