import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { executionRow, seedExecution } from '../support/execution-factory.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

type Op = 'pause' | 'resume' | 'cancel' | 'kill' | 'input';
const STATUSES = [
  'scheduled',
  'pending',
  'running',
  'paused',
  'awaiting_input',
  'awaiting_event',
  'completed',
  'failed',
  'cancelled',
] as const;

/** What each operation does from each status (SPEC §4): [HTTP status, resulting status]; absent = 409. */
const ALLOWED: Record<Op, Partial<Record<(typeof STATUSES)[number], [number, string]>>> = {
  pause: { pending: [200, 'paused'], running: [202, 'running'] },
  resume: { paused: [200, 'pending'] },
  cancel: {
    scheduled: [200, 'cancelled'],
    pending: [200, 'cancelled'],
    running: [202, 'running'],
    paused: [200, 'cancelled'],
    awaiting_input: [200, 'cancelled'],
    awaiting_event: [200, 'cancelled'],
  },
  kill: {
    scheduled: [200, 'cancelled'],
    pending: [200, 'cancelled'],
    running: [200, 'cancelled'],
    paused: [200, 'cancelled'],
    awaiting_input: [200, 'cancelled'],
    awaiting_event: [200, 'cancelled'],
  },
  input: { awaiting_input: [200, 'pending'] },
};

describe.each(HTTP_PLATFORMS)('lifecycle operations over HTTP, from every status on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  let auth: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No workers: every status stays exactly where the test put it.
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_WORKERS: 'off' }, [], platform);
    http = request(example.app.getHttpServer());
    auth = `Bearer ${example.token({})}`;
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const send = (op: Op, id: string, token = auth) => {
    const path = `/api/agents/${id}`;
    if (op === 'kill') return http.delete(path).set('authorization', token);
    const req = http.post(`${path}/${op}`).set('authorization', token);
    return op === 'input' ? req.send({ input: 'blue' }) : req.send({});
  };

  const cases = (Object.keys(ALLOWED) as Op[]).flatMap((op) => STATUSES.map((status) => [op, status] as const));

  it.each(cases)('%s from %s', async (op, status) => {
    const id = await seedExecution(db, { status });
    const before = await executionRow(db, id);
    const res = await send(op, id);
    const allowed = ALLOWED[op][status];
    if (!allowed) {
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        details: { code: 'invalid_transition', current_status: status },
      });
      expect(await executionRow(db, id)).toEqual(before); // nothing changed: no status, log, signal or message
      return;
    }
    const [code, resulting] = allowed;
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ id, status: resulting });
    const after = await executionRow(db, id);
    expect(after.status).toBe(resulting);
    if (code === 202) {
      // Recorded for the running step's end: a signal row, status untouched.
      expect(after.signals).toBe(before.signals + 1);
    } else {
      expect(after.logs).toBe(before.logs + 1);
    }
    if (op === 'kill') expect(after.metadata).toMatchObject({ force_killed: true });
    if (op === 'input') expect(after.messages).toBe(before.messages + 1);
  });

  it('answers 404 to another user or tenant, and changes nothing', async () => {
    const id = await seedExecution(db, { status: 'running' });
    const before = await executionRow(db, id);
    for (const token of [example.token({ userId: 'mallory' }), example.token({ tenantId: 't2' })]) {
      for (const op of Object.keys(ALLOWED) as Op[]) {
        const res = await send(op, id, `Bearer ${token}`);
        expect(res.status).toBe(404);
      }
    }
    expect(await executionRow(db, id)).toEqual(before);
  });

  it('validates the bodies of cancel and input', async () => {
    const id = await seedExecution(db, { status: 'awaiting_input' });
    const noInput = await http.post(`/api/agents/${id}/input`).set('authorization', auth).send({});
    expect(noInput.status).toBe(400);
    expect(noInput.body.message).toMatch(/input is required/);
    const badGrace = await http.post(`/api/agents/${id}/cancel`).set('authorization', auth).send({ grace_ms: -5 });
    expect(badGrace.status).toBe(400);
    expect((await executionRow(db, id)).status).toBe('awaiting_input');
  });
});
