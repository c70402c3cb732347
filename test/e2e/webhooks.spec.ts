import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTriggerService } from '../../src/agent/index.js';
import { sign } from '../../src/agent/webhooks/webhook-signature.js';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { principal } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const SECRET = 'whsec-tenant-one';

describe.each(HTTP_PLATFORMS)('POST /webhooks/agent-trigger on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  let triggers: EventTriggerService;
  let delivery = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(
      db,
      uniquePrefix(),
      { WEBHOOK_SECRETS: `t1:${SECRET},t2:other-secret`, AGENTS_WORKERS: 'off' },
      [],
      platform,
    );
    http = request(example.app.getHttpServer());
    triggers = example.app.get(EventTriggerService);
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const park = async (eventType: string) => (await triggers.startAwaitingEvent(principal(), 'steps', { steps: 1 }, eventType)).id;
  const statusOf = async (id: string) => (await db.sql.query('SELECT status FROM agent_executions WHERE id = $1', [id])).rows[0].status;

  /** A correctly signed request, with parts overridable to break it. */
  function send(
    body: object | string,
    o: {
      secret?: string;
      timestampOffset?: number;
      deliveryId?: string;
      tenant?: string;
      tamper?: (raw: string) => string;
      omit?: string;
    } = {},
  ) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000) + (o.timestampOffset ?? 0));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-agents-tenant': o.tenant ?? 't1',
      'x-agents-timestamp': timestamp,
      'x-agents-delivery': o.deliveryId ?? `d-${++delivery}`,
      'x-agents-signature': `sha256=${sign(o.secret ?? SECRET, timestamp, raw)}`,
    };
    if (o.omit) delete headers[o.omit];
    const req = http.post('/webhooks/agent-trigger');
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req.send(o.tamper ? o.tamper(raw) : raw);
  }

  it('wakes the waiting executions of the tenant and answers how many', async () => {
    const [a, b] = [await park('invoice.paid'), await park('invoice.paid')];
    const res = await send({ event_type: 'invoice.paid', payload: { invoice: 7 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ triggered_count: 2 });
    expect([await statusOf(a), await statusOf(b)]).toEqual(['pending', 'pending']);
  });

  it('answers a replayed delivery with the original result and triggers nothing', async () => {
    const first = await park('invoice.replayed');
    const res = await send({ event_type: 'invoice.replayed' }, { deliveryId: 'same-delivery' });
    expect(res.body).toEqual({ triggered_count: 1 });
    const second = await park('invoice.replayed');
    const replay = await send({ event_type: 'invoice.replayed' }, { deliveryId: 'same-delivery' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ triggered_count: 1 });
    expect([await statusOf(first), await statusOf(second)]).toEqual(['pending', 'awaiting_event']);
  });

  it.each([
    ['a wrong secret', { secret: 'guess' }],
    ['a tampered body', { tamper: (raw: string) => raw.replace('forged.event', 'forged.evenT') }],
    ['an old timestamp', { timestampOffset: -302 }],
    ['a future timestamp', { timestampOffset: 302 }],
    ['a tenant without a secret', { tenant: 't9' }],
    ["another tenant's secret", { tenant: 't2' }],
    ['no signature', { omit: 'x-agents-signature' }],
    ['no timestamp', { omit: 'x-agents-timestamp' }],
    ['no delivery id', { omit: 'x-agents-delivery' }],
    ['no tenant', { omit: 'x-agents-tenant' }],
  ])('refuses %s with a 401 that says nothing more, and triggers nothing', async (_name, breakage) => {
    const id = await park('forged.event');
    const res = await send({ event_type: 'forged.event' }, breakage);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Authentication required',
      details: { code: 'unauthenticated' },
    });
    expect(await statusOf(id)).toBe('awaiting_event');
  });

  it('refuses malformed JSON and a body without event_type (400), triggering nothing', async () => {
    const id = await park('bad.body');
    expect((await send('{"event_type": "bad.body",')).status).toBe(400);
    const noType = await send({ payload: 1 });
    expect(noType.status).toBe(400);
    expect(await statusOf(id)).toBe('awaiting_event');
  });

  it('keeps an event for one execution that is not waiting yet', async () => {
    const running = await example.app.get(EventTriggerService).startAwaitingEvent(principal(), 'steps', { steps: 1 }, 'other.event');
    const res = await send({ event_type: 'later.event', execution_id: running.id });
    expect(res.body).toEqual({ triggered_count: 0 });
    expect((await db.sql.query('SELECT count(*)::int AS n FROM agent_event_inbox WHERE execution_id = $1', [running.id])).rows[0].n).toBe(
      1,
    );
  });
});
