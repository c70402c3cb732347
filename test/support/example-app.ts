import type { INestApplication, Provider } from '@nestjs/common';
import { signDemoToken } from '../../src/demo/demo-auth.js';
import { createApp } from '../../src/host/create-app.js';
import { readHostConfig } from '../../src/host/host-config.js';
import { ExecutionEvents } from '../../src/agent/index.js';
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

/**
 * The example host app (as `npm start` builds it) on a test database, listening on an ephemeral port;
 * `agents` adds `@Agent()` providers, as a user adds theirs to a module.
 */
export async function startExampleApp(db: TestDatabase, queuePrefix: string, env: NodeJS.ProcessEnv = {}, agents: Provider[] = []): Promise<ExampleApp> {
  const config = readHostConfig({
    JWT_SECRET: SECRET,
    DATABASE_URL: db.url,
    AGENTS_QUEUE_PREFIX: queuePrefix,
    AGENTS_TIERS: JSON.stringify(UNLIMITED_TEST_TIER),
    ...(env.AGENTS_TRANSPORT === 'redis' ? { REDIS_URL: redisUrl() } : {}),
    ...env,
  });
  const app = await createApp({ ...config, databaseUrl: db.url }, { logger: false, agents });
  await app.listen(0, '127.0.0.1');
  return {
    app,
    events: app.get(ExecutionEvents),
    token: ({ tenantId = 't1', userId = 'u1', admin = false, tier = 'test' }) => signDemoToken(SECRET, { tenantId, userId, admin, tier }),
    close: () => app.close(),
  };
}

/** The example app's environment for a test database and transport (API nodes, worker and CLI processes). */
export const exampleEnv = (db: TestDatabase, transport: string, extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: db.url,
  AGENTS_TRANSPORT: transport,
  REDIS_URL: redisUrl(),
  AGENTS_QUEUE_PREFIX: uniquePrefix(),
  JWT_SECRET: SECRET,
  AGENTS_TIERS: JSON.stringify(UNLIMITED_TEST_TIER),
  ...extra,
});
