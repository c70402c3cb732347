import { ValidationPipe, type INestApplication, type LoggerService, type Provider } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module.js';
import { signDemoToken } from '../../src/demo/demo-auth.js';
import { createApp } from '../../src/host/create-app.js';
import { readHostConfig, type HostConfig } from '../../src/host/host-config.js';
import { AgentExceptionFilter, ExecutionEvents } from '../../src/agent/index.js';
import { uniquePrefix, type TestDatabase } from './test-database.js';
import { redisUrl } from './test-env.js';
import { UNLIMITED_TEST_TIER } from './test-app.js';

const SECRET = 'e2e-secret';

export interface ExampleApp {
  app: INestApplication;
  events: ExecutionEvents;
  token(p: { tenantId?: string; userId?: string; admin?: boolean; tier?: string }): string;
  close(): Promise<void>;
}

/** The HTTP platforms the library supports; the route e2e tests run on each. */
export type HttpPlatform = 'express' | 'fastify';
export const HTTP_PLATFORMS: HttpPlatform[] = ['express', 'fastify'];

/**
 * The example host app (as `npm start` builds it) on a test database, listening on an ephemeral port;
 * `agents` adds `@Agent()` providers, as a user adds theirs to a module. On `fastify`, the same
 * AppModule in a Fastify host set up like `createApp`. `logger`: Nest's logger for the app (default none).
 */
export async function startExampleApp(
  db: TestDatabase,
  queuePrefix: string,
  env: NodeJS.ProcessEnv = {},
  agents: Provider[] = [],
  platform: HttpPlatform = 'express',
  logger: false | LoggerService = false,
): Promise<ExampleApp> {
  const config = readHostConfig({
    JWT_SECRET: SECRET,
    DATABASE_URL: db.url,
    AGENTS_QUEUE_PREFIX: queuePrefix,
    AGENTS_TIERS: JSON.stringify(UNLIMITED_TEST_TIER),
    ...(env.AGENTS_TRANSPORT === 'redis' && !env.REDIS_CLUSTER_NODES ? { REDIS_URL: redisUrl() } : {}),
    ...env,
  });
  const app =
    platform === 'fastify'
      ? await createFastifyApp({ ...config, databaseUrl: db.url }, agents, logger)
      : await createApp({ ...config, databaseUrl: db.url }, { logger, agents });
  await app.listen(0, '127.0.0.1');
  return {
    app,
    events: app.get(ExecutionEvents),
    token: ({ tenantId = 't1', userId = 'u1', admin = false, tier = 'test' }) => signDemoToken(SECRET, { tenantId, userId, admin, tier }),
    close: () => app.close(),
  };
}

/**
 * The example app's environment for a test database and transport (API nodes, worker and CLI
 * processes); a Redis Cluster's `REDIS_CLUSTER_NODES` in `extra` replaces the shared Redis.
 */
export const exampleEnv = (db: TestDatabase, transport: string, extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: db.url,
  AGENTS_TRANSPORT: transport,
  // NOTE: empty, not absent: a child process must not take a REDIS_URL from the test's own environment.
  REDIS_URL: extra.REDIS_CLUSTER_NODES ? '' : redisUrl(),
  AGENTS_QUEUE_PREFIX: uniquePrefix(),
  JWT_SECRET: SECRET,
  AGENTS_TIERS: JSON.stringify(UNLIMITED_TEST_TIER),
  ...extra,
});

/**
 * `createApp` on Fastify: the raw body for webhook signatures, a body limit above the library's input
 * limit, the same global pipe. NOTE: Fastify parses bodies before any route, so a malformed one is
 * answered by the app's global filters: the library's, app-wide, gives it the library's shape.
 */
async function createFastifyApp(
  config: HostConfig & { databaseUrl: string },
  agents: Provider[],
  logger: false | LoggerService,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, agents),
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024 }),
    {
      rawBody: true,
      logger,
    },
  );
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  app.useGlobalFilters(new AgentExceptionFilter(app.get(HttpAdapterHost)));
  return app;
}
