import { Controller, Get, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { AddressInfo } from 'node:net';
import { AGENT_THROTTLER_STORAGE, AgentModule, AgentThrottlerGuard, PrincipalGuard, type Principal, type Transport } from 'nestjs-agents';
import { createBenchDatabase } from './support/bench-database.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { redisUrl, uniqueName } from './support/env.js';
import { ApiClient } from './support/http-client.js';
import { deleteRedisKeys } from './support/raw-bullmq.js';
import { percentile, round } from './support/stats.js';

/**
 * What the per-tier throttler adds to a request: one route behind `PrincipalGuard` alone and one
 * behind `PrincipalGuard` + `AgentThrottlerGuard`, called alternately over keep-alive HTTP in the
 * same run (a tier with limits no run reaches, so every request is counted and none refused).
 * Round trips: calls to the storage's connection (Redis commands, PostgreSQL queries) per request.
 */
const NAME = 'throttler';
const CASES = ['overhead'] as const;
const REQUESTS = 2000;
const WARMUP = 200;

const principal: Principal = { tenantId: 'bench', userId: 'bench', tier: 'bench', roles: [] };

@Controller('bench')
@UseGuards(PrincipalGuard)
class BareController {
  @Get('unguarded')
  unguarded() {
    return { ok: true };
  }
}

@Controller('bench')
@UseGuards(PrincipalGuard, AgentThrottlerGuard)
class ThrottledController {
  @Get('guarded')
  guarded() {
    return { ok: true };
  }
}

/** Counts calls to the storage's own connection (the Redis client, or the pg pool's `query`). */
function countRoundTrips(storage: ThrottlerStorage): () => number {
  let calls = 0;
  const inner = storage as unknown as {
    redis?: { sendCommand: (...a: unknown[]) => unknown };
    pool?: { query: (...a: unknown[]) => unknown };
  };
  const target = inner.redis ? ([inner.redis, 'sendCommand'] as const) : ([inner.pool!, 'query'] as const);
  const original = (target[0] as Record<string, (...a: unknown[]) => unknown>)[target[1]]!.bind(target[0]);
  (target[0] as Record<string, unknown>)[target[1]] = (...args: unknown[]) => {
    calls++;
    return original(...args);
  };
  return () => calls;
}

async function runTransport(transport: Transport, ctx: BenchContext): Promise<void> {
  const db = await createBenchDatabase();
  const queuePrefix = uniqueName('bench');
  let app: INestApplication | undefined;
  try {
    @Module({
      imports: [
        AgentModule.forRoot({
          database: { url: db.url },
          transport,
          redis: transport === 'redis' ? { url: redisUrl() } : undefined,
          queuePrefix,
          workers: { enabled: false },
          maintenance: { enabled: false },
          resolvePrincipal: () => principal,
          tiers: {
            bench: { rateLimits: { burst: { limit: 1_000_000_000, ttlSeconds: 1 }, sustained: { limit: 1_000_000_000, ttlSeconds: 60 } } },
          },
        }),
      ],
      controllers: [BareController, ThrottledController],
    })
    class ThrottlerBenchModule {}

    app = await NestFactory.create(ThrottlerBenchModule, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const client = new ApiClient((app.getHttpServer().address() as AddressInfo).port, 'none');
    const roundTrips = countRoundTrips(app.get<ThrottlerStorage>(AGENT_THROTTLER_STORAGE));
    ctx.progress(`[${transport}] ${REQUESTS} requests per route, alternating, after ${WARMUP} warm-up pairs`);

    const samples = { guarded: [] as number[], unguarded: [] as number[] };
    let guardedTrips = 0;
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      // Alternate which goes first, so neither always follows the other.
      const order = i % 2 === 0 ? (['guarded', 'unguarded'] as const) : (['unguarded', 'guarded'] as const);
      for (const route of order) {
        const tripsBefore = roundTrips();
        const started = performance.now();
        const response = await client.call('GET', `/bench/${route}`);
        const ms = performance.now() - started;
        if (response.status !== 200) throw new Error(`/bench/${route} answered ${response.status}`);
        if (i < WARMUP) continue;
        samples[route].push(ms);
        if (route === 'guarded') guardedTrips += roundTrips() - tripsBefore;
        else if (roundTrips() !== tripsBefore) throw new Error('the unguarded route reached the throttler storage');
      }
    }
    const p50 = { guarded: percentile(samples.guarded, 50), unguarded: percentile(samples.unguarded, 50) };
    ctx.emit({
      bench: NAME,
      transport,
      case: 'overhead',
      requests_per_route: REQUESTS,
      throttlers: 2,
      p50_guarded_ms: round(p50.guarded),
      p50_unguarded_ms: round(p50.unguarded),
      overhead_p50_ms: round(p50.guarded - p50.unguarded),
      p99_guarded_ms: round(percentile(samples.guarded, 99)),
      p99_unguarded_ms: round(percentile(samples.unguarded, 99)),
      storage_round_trips_per_request: round(guardedTrips / REQUESTS, 2),
    });
  } finally {
    await app?.close();
    await db.drop();
    if (transport === 'redis') await deleteRedisKeys(queuePrefix);
  }
}

export const throttler: Benchmark = {
  name: NAME,
  description: 'per-tier throttler overhead per request (guarded vs unguarded route, same run) and storage round trips',
  cases: CASES,
  run: async (ctx) => {
    for (const transport of ctx.transports) await runTransport(transport, ctx);
  },
};
