import { Logger, type INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import type { Transport } from 'nestjs-agents';
import { signDemoToken } from '../../src/demo/demo-auth.js';
import { createApp } from '../../src/host/create-app.js';
import { readHostConfig } from '../../src/host/host-config.js';
import { ApiClient } from './http-client.js';
import { redisUrl } from './env.js';

const JWT_SECRET = 'bench-secret';

export interface ApiHostOptions {
  transport: Transport;
  databaseUrl: string;
  queuePrefix: string;
  /** `LLM_BASE_URL`: `code-assistant` talks to this OpenAI-compatible endpoint. */
  llmBaseUrl: string;
}

export interface ApiHost {
  app: INestApplication;
  port: number;
  /** A client of the REST API, as the demo user `bench` of tenant `bench`. */
  client: ApiClient;
  /**
   * The same connections as another user of tenant `bench`. Tier limits (concurrent executions,
   * starts per hour) are per user: a user per run keeps them out of latency figures.
   */
  as(userId: string): ApiClient;
  /** The example app's environment (the contract in README.md), for worker processes of the same app. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The example app as `npm start` builds it (`createApp`), API only (`AGENTS_WORKERS=off`), on the
 * bench's database and queue prefix, listening on an ephemeral localhost port. Workers run in
 * other processes with `env`.
 */
export async function startApiHost(o: ApiHostOptions): Promise<ApiHost> {
  const env: Record<string, string> = {
    DATABASE_URL: o.databaseUrl,
    AGENTS_TRANSPORT: o.transport,
    REDIS_URL: redisUrl(),
    AGENTS_QUEUE_PREFIX: o.queuePrefix,
    JWT_SECRET,
    LLM_BASE_URL: o.llmBaseUrl,
    LLM_MODEL: 'fake-gpt',
  };
  const config = readHostConfig({ ...env, AGENTS_WORKERS: 'off', PORT: '0' });
  // Nest keeps a logger override made before `create`: errors and warnings only (on stderr, like all but results).
  Logger.overrideLogger(['error', 'warn']);
  const app = await createApp({ ...config, databaseUrl: o.databaseUrl });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const client = new ApiClient(port, signDemoToken(JWT_SECRET, { tenantId: 'bench', userId: 'bench', tier: 'pro' }));
  let closed = false;
  return {
    app,
    port,
    client,
    as: (userId) => client.withToken(signDemoToken(JWT_SECRET, { tenantId: 'bench', userId, tier: 'pro' })),
    env,
    close: async () => {
      if (closed) return;
      closed = true;
      client.close();
      await app.close();
    },
  };
}
