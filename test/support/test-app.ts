import { Module, type DynamicModule, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AgentManager,
  AgentModule,
  ExecutionEventName,
  ExecutionEvents,
  type AgentDefinition,
  type AgentModuleOptions,
  type ExecutionEvent,
  type Principal,
  type RedisOptions,
  type Transport,
} from '../../src/agent/index.js';
import { SIGNAL_NOTIFIER, type SignalNotifier } from '../../src/agent/infrastructure/signal-notifier.js';
import type { TestDatabase } from './test-database.js';
import { redisUrl } from './test-env.js';

export interface TestAppOptions {
  transport: Transport;
  /** With `redis`: where Redis is (default the shared server, `TEST_REDIS_URL`); a cluster's nodes for a suite on `redis-cluster`. */
  redis?: RedisOptions;
  db: TestDatabase;
  queuePrefix: string;
  agents?: AgentDefinition[];
  /** Custom `@Agent()` providers (and the test's own listeners). */
  providers?: Provider[];
  /** The host app's own controllers beside the library. */
  controllers?: Type[];
  /** Modules of the host app beside `AgentModule` (e.g. `EventEmitterModule.forRoot()`), imported by the module of `providers`. */
  imports?: Array<Type | DynamicModule>;
  options?: Partial<AgentModuleOptions>;
  /** Replace the cross-process notifier with one that delivers nothing (lost notifications). */
  silentNotifier?: boolean;
}

export interface TestApp {
  app: INestApplication;
  manager: AgentManager;
  events: ExecutionEvents;
  close(): Promise<void>;
}

const silentNotifier: SignalNotifier = {
  publish: async () => undefined,
  subscribe: () => () => undefined,
  ready: async () => undefined,
};

/** The first event matching `predicate` (subscribe before causing it). */
export function nextEvent<E extends ExecutionEvent>(t: { events: ExecutionEvents }, predicate: (e: ExecutionEvent) => e is E): Promise<E>;
export function nextEvent(t: { events: ExecutionEvents }, predicate: (e: ExecutionEvent) => boolean): Promise<ExecutionEvent>;
export function nextEvent(t: { events: ExecutionEvents }, predicate: (e: ExecutionEvent) => boolean): Promise<ExecutionEvent> {
  return new Promise((resolve) => {
    const stop = t.events.subscribe((e) => {
      if (predicate(e)) {
        stop();
        resolve(e);
      }
    });
  });
}

/** Tests run as the `test` tier: limits out of the way unless a test is about limits. */
export const principal = (userId = 'u1', tenantId = 't1', tier = 'test'): Principal => ({ tenantId, userId, tier, roles: [] });
export const UNLIMITED_RATE_LIMITS = { burst: { limit: 1_000_000, ttlSeconds: 1 }, sustained: { limit: 1_000_000, ttlSeconds: 60 } };
export const UNLIMITED_TEST_TIER = { test: { maxConcurrent: 1_000_000, perHour: 1_000_000, rateLimits: UNLIMITED_RATE_LIMITS } };

/** `AgentModule.forRoot` in a bare Nest app on the real database and queue backend. */
export async function startTestApp(o: TestAppOptions): Promise<TestApp> {
  @Module({ imports: o.imports ?? [], controllers: o.controllers ?? [], providers: o.providers ?? [] })
  class TestAgentsModule {}

  const builder = Test.createTestingModule({
    imports: [
      TestAgentsModule,
      AgentModule.forRoot({
        database: { url: o.db.url },
        transport: o.transport,
        redis: o.transport === 'redis' ? (o.redis ?? { url: redisUrl() }) : undefined,
        queuePrefix: o.queuePrefix,
        agents: o.agents ?? [],
        resolvePrincipal: () => principal(),
        ...o.options,
        tiers: { ...UNLIMITED_TEST_TIER, ...o.options?.tiers },
      }),
    ],
  });
  if (o.silentNotifier) builder.overrideProvider(SIGNAL_NOTIFIER).useValue(silentNotifier);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  return { app, manager: app.get(AgentManager), events: app.get(ExecutionEvents), close: () => app.close() };
}

export interface ExecutionRow {
  status: string;
  step_count: number;
  token_usage: string;
  output: unknown;
  error: { code: string; message: string } | null;
}

/**
 * Resolves when the execution reaches one of `statuses`: re-reads the row on every status event
 * (and once after subscribing, so an event that fired first is not missed).
 */
export function waitForStatus(
  t: { events: ExecutionEvents },
  db: TestDatabase,
  id: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<ExecutionRow> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = async () => {
      if (done) return;
      const { rows } = await db.sql.query('SELECT status, step_count, token_usage, output, error FROM agent_executions WHERE id = $1', [
        id,
      ]);
      if (rows[0] && statuses.includes(rows[0].status) && !done) {
        done = true;
        clearTimeout(timer);
        unsubscribe();
        resolve(rows[0]);
      }
    };
    const unsubscribe = t.events.subscribe((event) => {
      if (event.name === ExecutionEventName.StatusChanged && event.executionId === id) void check().catch(reject);
    });
    const timer = setTimeout(async () => {
      unsubscribe();
      const { rows } = await db.sql.query('SELECT status, step_count FROM agent_executions WHERE id = $1', [id]);
      reject(new Error(`Execution ${id} did not reach ${statuses.join('|')} within ${timeoutMs} ms (now ${JSON.stringify(rows[0])})`));
    }, timeoutMs);
    void check().catch(reject);
  });
}
