import { Logger, type INestApplication } from '@nestjs/common';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Transport } from 'nestjs-agents';
import { signDemoToken } from '../../src/demo/demo-auth.js';
import { createApp } from '../../src/host/create-app.js';
import { readHostConfig } from '../../src/host/host-config.js';
import { redisUrl } from './env.js';

const JWT_SECRET = 'bench-realtime-secret';
export const REALTIME_TENANT = 'bench';

export interface ApiNode {
  app: INestApplication;
  port: number;
  /** Socket.IO namespace URL of the gateway. */
  socketUrl: string;
  /** The example app's environment (README contract), for worker processes of the same app. */
  env: Record<string, string>;
  /** `METHOD path` as a demo user of the bench tenant (tier pro); throws unless the status is `expect`. */
  call(userId: string, method: 'GET' | 'POST', path: string, body: unknown, expect: number): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A realtime token (`GET /api/agents/realtime-token`) for the socket handshake. */
  realtimeToken(userId: string): Promise<string>;
  /** `POST /api/agents` of the demo `steps` agent; resolves with the execution id. */
  startSteps(userId: string, input: { steps: number; step_ms: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The example app as `npm start` builds it (`createApp`), API only (`AGENTS_WORKERS=off`), on the
 * bench's database and queue prefix, listening on an ephemeral localhost port.
 */
export async function startApiNode(o: { transport: Transport; databaseUrl: string; queuePrefix: string }): Promise<ApiNode> {
  const env: Record<string, string> = {
    DATABASE_URL: o.databaseUrl,
    AGENTS_TRANSPORT: o.transport,
    REDIS_URL: redisUrl(),
    AGENTS_QUEUE_PREFIX: o.queuePrefix,
    JWT_SECRET,
  };
  const config = readHostConfig({ ...env, AGENTS_WORKERS: 'off', PORT: '0' });
  Logger.overrideLogger(['error', 'warn']);
  const app = await createApp({ ...config, databaseUrl: o.databaseUrl });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const tokens = new Map<string, string>();
  const bearer = (userId: string) => {
    let t = tokens.get(userId);
    if (!t) tokens.set(userId, (t = signDemoToken(JWT_SECRET, { tenantId: REALTIME_TENANT, userId, tier: 'pro' })));
    return t;
  };
  const call: ApiNode['call'] = (userId, method, path, body, expect) =>
    new Promise((res, rej) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          headers: {
            authorization: `Bearer ${bearer(userId)}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== expect)
              return rej(new Error(`${method} ${path} answered ${response.statusCode} (expected ${expect}): ${text.slice(0, 300)}`));
            try {
              res(text ? JSON.parse(text) : null);
            } catch (error) {
              rej(error as Error);
            }
          });
          response.on('error', rej);
        },
      );
      req.on('error', rej);
      req.end(payload);
    });
  let closed = false;
  return {
    app,
    port,
    socketUrl: `http://127.0.0.1:${port}/agents`,
    env,
    call,
    realtimeToken: async (userId) => (await call(userId, 'GET', '/api/agents/realtime-token', undefined, 200)).token as string,
    startSteps: async (userId, input) => (await call(userId, 'POST', '/api/agents', { agent_type: 'steps', input }, 201)).id as string,
    close: async () => {
      if (closed) return;
      closed = true;
      agent.destroy();
      await app.close();
    },
  };
}
