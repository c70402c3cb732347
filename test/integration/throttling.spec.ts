import { Controller, Get, UseGuards } from '@nestjs/common';
import { getOptionsToken, SkipThrottle, Throttle, ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentThrottler, AgentThrottlerGuard, PrincipalGuard, type Principal } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { startTestApp, UNLIMITED_TEST_TIER, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { startTransport, TEST_TRANSPORTS, type TransportServers } from '../support/test-transports.js';

/** The host's own routes: two use the library's guard with the throttler's decorators, one the host's own throttler. */
@Controller('host')
@UseGuards(PrincipalGuard, AgentThrottlerGuard)
class HostReportsController {
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('tight')
  @Throttle({ [AgentThrottler.Sustained]: { limit: 2, ttl: 60_000 } })
  tight() {
    return { ok: true };
  }

  @Get('open')
  @SkipThrottle({ [AgentThrottler.Burst]: true, [AgentThrottler.Sustained]: true })
  open() {
    return { ok: true };
  }
}

@Controller('host-own')
@UseGuards(ThrottlerGuard)
class HostOwnThrottlerController {
  @Get()
  ping() {
    return { ok: true };
  }
}

/** The caller from headers: each test picks its user and tier. */
const principalOf = (req: unknown): Principal | null => {
  const headers = (req as { headers: Record<string, string | undefined> }).headers;
  return headers['x-user'] ? { tenantId: 't1', userId: headers['x-user'], tier: headers['x-tier'] ?? 'free', roles: [] } : null;
};

// Minute windows for the counted limits, so a loaded machine cannot split a burst across two windows.
const tiers = {
  ...UNLIMITED_TEST_TIER,
  free: { rateLimits: { sustained: { limit: 12, ttlSeconds: 60 } } },
  pro: { rateLimits: { sustained: { limit: 25, ttlSeconds: 60 } } },
  single: { maxConcurrent: 1, perHour: 100 },
};

// NOTE: on a Redis Cluster too: the counting script's two keys must share a slot (a failed count would go uncounted, unseen).
describe.each(TEST_TRANSPORTS)('per-tier request limits (@nestjs/throttler) on the %s transport', (transport) => {
  let servers: TransportServers;
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const queuePrefix = uniquePrefix();
  const nodes = () => [request(a.app.getHttpServer()), request(b.app.getHttpServer())];
  const as = (user: string, tier: string) => ({ 'x-user': user, 'x-tier': tier });

  beforeAll(async () => {
    servers = await startTransport(transport);
    db = await createTestDatabase();
    // Two API nodes on one database and queue prefix: the storage is all they share.
    const start = () =>
      startTestApp({
        transport: servers.transport,
        redis: servers.redis,
        db,
        queuePrefix,
        providers: [StepsAgent],
        controllers: [HostReportsController, HostOwnThrottlerController],
        imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 3 }])],
        options: { workers: { enabled: false }, resolvePrincipal: principalOf, tiers },
      });
    a = await start();
    b = await start();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await servers?.stop();
  });

  /** `n` parallel GETs of `path`, alternating between the two nodes. */
  const burst = (n: number, path: string, headers: Record<string, string>) =>
    Promise.all(Array.from({ length: n }, (_, i) => nodes()[i % 2]!.get(path).set(headers)));

  it('holds each tier’s limit across two nodes: 12 of 20 for free, 25 of 35 for pro', async () => {
    const free = await burst(20, '/api/agents', as('ada', 'free'));
    expect(free.filter((r) => r.status === 200)).toHaveLength(12);
    expect(free.filter((r) => r.status === 429)).toHaveLength(8);
    const pro = await burst(35, '/api/agents', as('grace', 'pro'));
    expect(pro.filter((r) => r.status === 200)).toHaveLength(25);
    expect(pro.filter((r) => r.status === 429)).toHaveLength(10);
  });

  it('answers 429 with Retry-After and the throttler’s X-RateLimit headers', async () => {
    const [first] = await burst(1, '/api/agents', as('linus', 'free'));
    expect(first!.headers).toMatchObject({
      'x-ratelimit-limit-agents-sustained': '12',
      'x-ratelimit-remaining-agents-sustained': '11',
      'x-ratelimit-limit-agents-burst': '20',
      'x-ratelimit-remaining-agents-burst': '19',
    });
    expect(Number(first!.headers['x-ratelimit-reset-agents-sustained'])).toBeGreaterThan(55);
    const rest = await burst(12, '/api/agents', as('linus', 'free'));
    const refused = rest.find((r) => r.status === 429)!;
    expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('Too many requests') });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['retry-after-agents-sustained']).toBe(String(retryAfter));
  });

  it('takes the defaults for tiers the options leave alone (enterprise: 100 a second, 1,200 a minute)', async () => {
    const [response] = await burst(1, '/api/usage', as('boss', 'enterprise'));
    expect(response!.status).toBe(200);
    expect(response!.headers['x-ratelimit-limit-agents-burst']).toBe('100');
    expect(response!.headers['x-ratelimit-limit-agents-sustained']).toBe('1200');
  });

  it('counts per user, not per address, and every library route together', async () => {
    await burst(12, '/api/agents', as('alan', 'free'));
    expect((await burst(1, '/api/conversations', as('alan', 'free')))[0]!.status).toBe(429);
    // Same address, another user of the same tier: untouched.
    expect((await burst(1, '/api/conversations', as('barbara', 'free')))[0]!.status).toBe(200);
  });

  it('keeps the exact start admission: a start over max_concurrent is refused with its limits, not by the throttler', async () => {
    const start = () =>
      nodes()[0]!
        .post('/api/agents')
        .set(as('solo', 'single'))
        .send({ agent_type: 'steps', input: { steps: 1 } });
    expect((await start()).status).toBe(201);
    const refused = await start();
    expect(refused.status).toBe(429);
    expect(refused.body.limits.concurrent).toEqual({ used: 1, limit: 1, remaining: 0 });
    expect(refused.headers['x-ratelimit-remaining-agents-sustained']).toBeDefined();
  });

  it('lets a host route override (@Throttle) or skip (@SkipThrottle) the library’s throttlers', async () => {
    const tight = await burst(4, '/host/tight', as('edsger', 'pro'));
    expect(tight.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    expect(tight.find((r) => r.status === 200)!.headers['x-ratelimit-limit-agents-sustained']).toBe('2');
    // The route's own limit counted on its own: the user's other routes are not blocked.
    expect((await burst(1, '/host/plain', as('edsger', 'pro')))[0]!.status).toBe(200);
    const open = await burst(30, '/host/open', as('margaret', 'free'));
    expect(open.every((r) => r.status === 200)).toBe(true);
    expect(Object.keys(open[0]!.headers).filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    // A plain host route with the guard shares the user's count with the library's routes.
    await burst(11, '/api/agents', as('dijkstra', 'free'));
    expect((await burst(2, '/host/plain', as('dijkstra', 'free'))).map((r) => r.status).sort()).toEqual([200, 429]);
  });

  it('leaves the host’s own ThrottlerModule as the host configured it', async () => {
    expect(a.app.get(getOptionsToken())).toEqual([{ ttl: 60_000, limit: 3 }]);
    const own = [];
    for (let i = 0; i < 4; i++) own.push(await nodes()[0]!.get('/host-own'));
    expect(own.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(own[0]!.headers['x-ratelimit-limit']).toBe('3');
    expect(own[0]!.headers['x-ratelimit-limit-agents-sustained']).toBeUndefined();
  });
});
