import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { AgentsApiError, AgentsClient, type HookDelivery } from '../../client/index.js';
import { demoPrincipalResolver, signDemoToken } from '../../src/demo/demo-auth.js';
import { signHookPayload, step, type AgentDefinition } from '../../src/agent/index.js';
import { startHookReceiver, type HookReceiver, type ReceivedHook } from '../support/hook-receiver.js';
import { responseChecker } from '../support/openapi-responses.js';
import { startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const SECRET = `whsec_${Buffer.from('the admin hook tests signing secret').toString('base64')}`;
const JWT = 'admin-hooks-jwt-secret';
const UNKNOWN = '0190a0a0-0000-7000-8000-000000000000';

const done: AgentDefinition = { name: 'done', step: async () => step.done('all good') };

/** A receiver's calls to `path`, each signed with the tenant's secret over its own timestamp and body. */
function expectSigned(calls: ReceivedHook[]): void {
  for (const call of calls) {
    const id = String(call.headers['webhook-id']);
    const timestamp = String(call.headers['webhook-timestamp']);
    expect(call.headers['webhook-signature']).toBe(`v1,${signHookPayload(SECRET, id, timestamp, call.body)}`);
  }
}

/**
 * The admin routes of an execution's outbound hooks, on PostgreSQL, Redis and the real delivery
 * worker: the delivery log of any execution of the tenant, and a failed delivery sent again.
 * Deliveries give up after two attempts, retried within milliseconds.
 */
describe('admin hook deliveries (/api/admin/agents/:id/hooks) over HTTP', () => {
  let db: TestDatabase;
  let t: TestApp;
  let receiver: HookReceiver;
  let http: ReturnType<typeof request>;
  let document: Parameters<typeof responseChecker>[0];
  /** Paths whose calls the receiver answers 204 (any other: 500). */
  const healthy = new Set<string>(['/ok']);
  /** Calls held open until `release`, while a test looks at their delivery in flight. */
  const held = new Map<string, (status: number) => void>();

  const token = (userId: string, tenantId = 't1', admin = false) =>
    `Bearer ${signDemoToken(JWT, { tenantId, userId, admin, tier: 'test' })}`;
  const admin = token('boss', 't1', true);
  const alice = token('alice');
  const otherAdmin = token('boss', 't2', true);
  const logPath = (id: string) => `/api/admin/agents/${id}/hooks`;
  const redeliverPath = (id: string, deliveryId: string) => `/api/admin/agents/${id}/hooks/${deliveryId}/redeliver`;

  const callsTo = (path: string) => receiver.received.filter((r) => r.path === path);
  const deliveries = async (id: string): Promise<HookDelivery[]> =>
    (await http.get(logPath(id)).set('authorization', admin).expect(200)).body.data;
  /** alice's execution with one hook to `path`, ended, and its delivery once it reached `status`. */
  async function hooked(path: string, status: HookDelivery['status']): Promise<{ id: string; delivery: HookDelivery }> {
    const started = await http
      .post('/api/agents')
      .set('authorization', alice)
      .send({ agent_type: 'done', input: path, options: { hooks: [{ url: receiver.url(path) }] } })
      .expect(201);
    const id = started.body.id as string;
    await waitForStatus(t, db, id, ['completed']);
    await expect.poll(async () => (await deliveries(id))[0]?.status, { timeout: 10_000 }).toBe(status);
    return { id, delivery: (await deliveries(id))[0]! };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startHookReceiver((call) =>
      held.has(call.path) ? new Promise<number>((resolve) => held.set(call.path, resolve)) : healthy.has(call.path) ? 204 : 500,
    );
    t = await startTestApp({
      transport: 'redis',
      db,
      queuePrefix: uniquePrefix(),
      agents: [done],
      options: {
        resolvePrincipal: demoPrincipalResolver(JWT),
        hooks: { secret: SECRET, allowPrivateTargets: true, pollIntervalMs: 200, baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 2 },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    http = request(t.app.getHttpServer());
    document = (await http.get('/api/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    for (const release of held.values()) release(204);
    await t?.close();
    await receiver?.close();
    await db?.drop();
  });

  it("shows the delivery log of any execution of the tenant: the owner's log; 400, 403 and 404 otherwise", async () => {
    const { check, mismatches } = responseChecker(document);
    const get = async (path: string, auth: string) => {
      const res = await http.get(path).set('authorization', auth);
      check('get', '/api/admin/agents/{id}/hooks', res.status, res.body);
      return res;
    };
    const { id, delivery } = await hooked('/ok', 'delivered');

    const shown = await get(logPath(id), admin);
    expect(shown.status).toBe(200);
    expect(shown.body.data).toEqual((await http.get(`/api/agents/${id}/hooks`).set('authorization', alice).expect(200)).body.data);
    expect(shown.body.data).toEqual([
      expect.objectContaining({
        id: delivery.id,
        event: 'execution.completed',
        url: receiver.url('/ok'),
        status: 'delivered',
        attempts: 1,
        next_attempt_at: null,
        last_status_code: 204,
        last_error: null,
        attempt_log: [expect.objectContaining({ status_code: 204, error: null })],
        delivered_at: expect.any(String),
      }),
    ]);

    expect((await get(logPath(id), alice)).body).toMatchObject({ statusCode: 403, message: 'Admin role required' });
    expect((await get(logPath(id), otherAdmin)).body).toMatchObject({ statusCode: 404, details: { code: 'execution_not_found' } });
    expect((await get(logPath(UNKNOWN), admin)).status).toBe(404);
    expect((await get(logPath('nope'), admin)).status).toBe(400);
    expect(mismatches).toEqual([]);
  });

  it('sends a failed delivery again: the worker calls the receiver with the same webhook-id, validly signed, and records it', async () => {
    const { check, mismatches } = responseChecker(document);
    const { id, delivery } = await hooked('/flaky', 'failed');
    expect(delivery).toMatchObject({ attempts: 2, last_status_code: 500, last_error: 'HTTP 500', next_attempt_at: null });
    expect(callsTo('/flaky')).toHaveLength(2);

    healthy.add('/flaky');
    const redelivered = await http.post(redeliverPath(id, delivery.id)).set('authorization', admin);
    check('post', '/api/admin/agents/{id}/hooks/{delivery_id}/redeliver', redelivered.status, redelivered.body);
    expect(redelivered.status).toBe(202);
    // As the log shows it: pending and due now; its attempts go on from where they stopped.
    expect(redelivered.body).toEqual({
      ...delivery,
      status: 'pending',
      next_attempt_at: expect.any(String),
    });
    expect(Date.parse(redelivered.body.next_attempt_at)).toBeLessThanOrEqual(Date.now() + 1000);

    await expect.poll(async () => (await deliveries(id))[0]!.status, { timeout: 10_000 }).toBe('delivered');
    const [after] = await deliveries(id);
    expect(after).toMatchObject({
      id: delivery.id,
      attempts: 3,
      last_status_code: 204,
      last_error: null,
      delivered_at: expect.any(String),
    });
    expect(after!.attempt_log.map((a) => a.status_code)).toEqual([500, 500, 204]);

    const calls = callsTo('/flaky');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    expectSigned(calls);
    expect(JSON.parse(calls[2]!.body)).toEqual(JSON.parse(calls[0]!.body));
    expect(JSON.parse(calls[2]!.body)).toMatchObject({ id: delivery.id, data: { execution_id: id, status: 'completed' } });
    expect(mismatches).toEqual([]);
  });

  it('answers 409 with the current status for a delivered or pending delivery, 404 for a delivery not the execution’s or not the tenant’s, 400 and 403', async () => {
    const { check, mismatches } = responseChecker(document);
    const post = async (path: string, auth: string) => {
      const res = await http.post(path).set('authorization', auth);
      check('post', '/api/admin/agents/{id}/hooks/{delivery_id}/redeliver', res.status, res.body);
      return res;
    };
    const delivered = await hooked('/ok', 'delivered');
    const again = await post(redeliverPath(delivered.id, delivered.delivery.id), admin);
    expect(again.status).toBe(409);
    expect(again.body.details).toEqual({ code: 'invalid_transition', current_status: 'delivered' });

    // A call held open: its delivery is in flight, still pending.
    held.set('/held', () => undefined);
    const started = await http
      .post('/api/agents')
      .set('authorization', alice)
      .send({ agent_type: 'done', input: 'held', options: { hooks: [{ url: receiver.url('/held') }] } })
      .expect(201);
    await expect.poll(() => callsTo('/held').length, { timeout: 10_000 }).toBe(1);
    const [inFlight] = await deliveries(started.body.id);
    const pending = await post(redeliverPath(started.body.id, inFlight!.id), admin);
    expect(pending.status).toBe(409);
    expect(pending.body.details).toEqual({ code: 'invalid_transition', current_status: 'pending' });
    held.get('/held')!(204);
    held.delete('/held');
    await expect.poll(async () => (await deliveries(started.body.id))[0]!.status, { timeout: 10_000 }).toBe('delivered');

    const failed = await hooked('/down', 'failed');
    // Another execution's delivery, an unknown one, another tenant's admin, an unknown execution.
    const notHers = await post(redeliverPath(delivered.id, failed.delivery.id), admin);
    expect(notHers.status).toBe(404);
    expect(notHers.body.details).toEqual({ code: 'hook_delivery_not_found' });
    expect((await post(redeliverPath(failed.id, UNKNOWN), admin)).body.details).toEqual({ code: 'hook_delivery_not_found' });
    const foreign = await post(redeliverPath(failed.id, failed.delivery.id), otherAdmin);
    expect(foreign.status).toBe(404);
    expect(foreign.body.details).toEqual({ code: 'execution_not_found' });
    expect((await post(redeliverPath(UNKNOWN, failed.delivery.id), admin)).status).toBe(404);
    expect((await post(redeliverPath(failed.id, 'nope'), admin)).status).toBe(400);
    expect((await post(redeliverPath('nope', failed.delivery.id), admin)).status).toBe(400);
    expect((await post(redeliverPath(failed.id, failed.delivery.id), alice)).status).toBe(403);
    // None of them changed it.
    expect((await deliveries(failed.id))[0]).toEqual(failed.delivery);
    expect(mismatches).toEqual([]);
  });

  it('is what the typed client reads and redelivers with (client.admin.hooks, client.admin.redeliverHook)', async () => {
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const client = new AgentsClient({ baseUrl: `http://127.0.0.1:${port}`, token: admin.slice('Bearer '.length) });
    const failed = await hooked('/typed-client', 'failed');
    expect(await client.admin.hooks(failed.id)).toEqual({ data: [failed.delivery] });
    const pending = await client.admin.redeliverHook(failed.id, failed.delivery.id);
    expect(pending).toMatchObject({ id: failed.delivery.id, status: 'pending', attempts: 2 });
    await expect.poll(async () => (await client.admin.hooks(failed.id)).data[0]!.attempts, { timeout: 10_000 }).toBe(3);

    const delivered = await hooked('/ok', 'delivered');
    const refused = await client.admin.redeliverHook(delivered.id, delivered.delivery.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AgentsApiError);
    expect(refused).toMatchObject({ statusCode: 409, details: { code: 'invalid_transition', current_status: 'delivered' } });
  });

  it('of eight redeliveries at once exactly one wins; the others are 409 and the receiver is called once more', async () => {
    const { id, delivery } = await hooked('/race', 'failed');
    healthy.add('/race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => http.post(redeliverPath(id, delivery.id)).set('authorization', admin)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409))
      expect(lost.body.details).toEqual({ code: 'invalid_transition', current_status: expect.stringMatching(/^(pending|delivered)$/) });

    await expect.poll(async () => (await deliveries(id))[0]!.status, { timeout: 10_000 }).toBe('delivered');
    expect((await deliveries(id))[0]!.attempts).toBe(3);
    expect(callsTo('/race')).toHaveLength(3);
  });
});
