import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/agent/executions/uuid-v7.js';
import { HTTP_PLATFORMS, startExampleApp, type ExampleApp } from '../support/example-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const HOUR = 3_600_000;

interface Seed {
  name: string;
  hoursAgo: number;
  status: string;
  userId?: string;
  agentType?: string;
  metadata?: object;
  tenantId?: string;
}

/** Rows of the tenant at known times (ids are UUIDv7: their time is their creation), plus one of another tenant. */
const SEEDS: Seed[] = [
  { name: 'old', hoursAgo: 30, status: 'completed', metadata: { customer: 'acme', tags: { env: 'prod', tier: 2 } } },
  { name: 'failedResearch', hoursAgo: 5, status: 'failed', agentType: 'research', userId: 'u2', metadata: { customer: 'acme' } },
  { name: 'failedSteps', hoursAgo: 4, status: 'failed', userId: 'u2' },
  { name: 'cancelled', hoursAgo: 3, status: 'cancelled', metadata: { customer: 'globex' } },
  { name: 'awaiting', hoursAgo: 2, status: 'awaiting_input', agentType: 'research' },
  { name: 'paused', hoursAgo: 1, status: 'paused', metadata: { customer: 'acme', tags: { env: 'dev' } } },
  { name: 'foreign', hoursAgo: 2.5, status: 'failed', tenantId: 't2', metadata: { customer: 'acme' } },
];

/** `GET /api/admin/agents`: every filter, combined, and the 400s; no workers, the rows hold still. */
describe.each(HTTP_PLATFORMS)('admin run list filters on %s', (platform) => {
  let db: TestDatabase;
  let example: ExampleApp;
  let http: ReturnType<typeof request>;
  let admin: string;
  const ids: Record<string, string> = {};
  const now = Date.now();

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_WORKERS: 'off', AGENTS_MAINTENANCE: 'off' }, [], platform);
    http = request(example.app.getHttpServer());
    admin = `Bearer ${example.token({ userId: 'boss', admin: true })}`;
    for (const seed of SEEDS) {
      const at = now - seed.hoursAgo * HOUR;
      ids[seed.name] = uuidv7(at);
      await db.sql.query(
        `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, metadata, created_at)
         VALUES ($1, $2, $3, $4, $5, 'agents-default', '{}', $6, $7)`,
        [
          ids[seed.name],
          seed.tenantId ?? 't1',
          seed.userId ?? 'u1',
          seed.agentType ?? 'steps',
          seed.status,
          seed.metadata ?? {},
          new Date(at),
        ],
      );
    }
  });

  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  const list = async (query: Record<string, string | string[]>): Promise<string[]> => {
    const res = await http.get('/api/admin/agents').query(query).set('authorization', admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.map((e: { id: string }) => e.id);
  };
  const named = (...names: string[]) => names.map((n) => ids[n]);

  it('filters by one status or several (comma-separated or repeated), newest first, across pages', async () => {
    expect(await list({})).toEqual(named('paused', 'awaiting', 'cancelled', 'failedSteps', 'failedResearch', 'old'));
    expect(await list({ status: 'failed' })).toEqual(named('failedSteps', 'failedResearch'));
    expect(await list({ status: 'failed,cancelled,paused' })).toEqual(named('paused', 'cancelled', 'failedSteps', 'failedResearch'));
    expect(await list({ status: ['awaiting_input', 'paused'] })).toEqual(named('paused', 'awaiting'));
    const first = await http.get('/api/admin/agents?status=failed,cancelled,paused&limit=2').set('authorization', admin);
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual(named('paused', 'cancelled'));
    expect(await list({ status: 'failed,cancelled,paused', limit: '2', cursor: first.body.next_cursor })).toEqual(
      named('failedSteps', 'failedResearch'),
    );
  });

  it('filters by creation time, metadata containment and id prefix, combined with the rest, never another tenant', async () => {
    const iso = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
    expect(await list({ from: iso(4.5), to: iso(1.5) })).toEqual(named('awaiting', 'cancelled', 'failedSteps'));
    expect(await list({ to: iso(29) })).toEqual(named('old'));
    expect(await list({ metadata: '{"customer":"acme"}' })).toEqual(named('paused', 'failedResearch', 'old'));
    expect(await list({ metadata: '{"tags":{"env":"prod"}}' })).toEqual(named('old'));
    expect(await list({ metadata: '{"customer":"acme"}', status: 'failed', agent_type: 'research', user_id: 'u2' })).toEqual(
      named('failedResearch'),
    );
    expect(await list({ metadata: '{"customer":"acme"}', from: iso(6) })).toEqual(named('paused', 'failedResearch'));
    // Ids of one millisecond share their first 12 hex digits; 13 characters with the dash.
    expect(await list({ id: ids.cancelled!.slice(0, 13) })).toEqual(named('cancelled'));
    expect(await list({ id: ids.cancelled!.replace(/-/g, '').slice(0, 12).toUpperCase() })).toEqual(named('cancelled'));
    expect(await list({ id: ids.awaiting! })).toEqual(named('awaiting'));
    expect(await list({ id: ids.foreign! })).toEqual([]);
    expect(await list({ status: 'failed', from: iso(3) })).toEqual([]);
  });

  it('answers 400 for a bad status, time, metadata or id, naming the problem', async () => {
    for (const [query, message] of [
      ['status=failed,nope', /each value in status must be one of: scheduled, pending/],
      ['status=', /status must name at least one status/],
      ['from=yesterday', /from must be an ISO 8601 date-time/],
      ['to=2026-13-45T00:00:00Z', /to must be an ISO 8601 date-time/],
      ['metadata=not-json', /metadata must be a JSON object/],
      ['metadata=[1,2]', /metadata must be a JSON object/],
      ['metadata="acme"', /metadata must be a JSON object/],
      ['id=abc', /id must be an execution id or its first hex digits/],
      ['id=zzzz', /id must be an execution id or its first hex digits/],
      ['id=0190--a0a0', /id must be an execution id or its first hex digits/],
    ] as const) {
      const res = await http.get(`/api/admin/agents?${encodeURI(query)}`).set('authorization', admin);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.body), query).toMatch(message);
    }
  });
});
