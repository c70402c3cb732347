import { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresPubSub } from '../../src/agent/infrastructure/postgres-pubsub.js';
import type { PubSub } from '../../src/agent/infrastructure/pubsub.js';
import { RedisPubSub } from '../../src/agent/infrastructure/redis-pubsub.js';
import { sqlPoolOf } from '../../src/agent/infrastructure/sql-pool.js';
import { statementsDuring } from '../support/sql-audit.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { redisUrl } from '../support/test-env.js';
import type { DataSource } from 'typeorm';

/** Counts what this process writes to sockets whose remote port is `port`, until `stop()`. */
function socketWritesTo(port: string): { count: number; stop(): void } {
  const write = Socket.prototype.write;
  const counter = {
    count: 0,
    stop: () => {
      Socket.prototype.write = write;
    },
  };
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    if (String(this.remotePort) === port) counter.count++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  return counter;
}

/** Every message of `channel` until `count` have come. */
function collect(pubsub: PubSub, channel: string, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const stop = pubsub.subscribe(channel, (message) => {
      seen.push(message);
      if (seen.length === count) resolve((stop(), seen));
    });
  });
}

describe('publishing several messages at once', () => {
  let db: TestDatabase;
  const opened: PubSub[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(opened.map((p) => p.close()));
    await db?.drop();
  });

  it('on PostgreSQL: one statement, delivered whole and in order', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const dataSource = { driver: { obtainMasterConnection: async () => [await pool.connect()] } } as unknown as DataSource;
    const pubsub = new PostgresPubSub({ connectionString: db.url }, sqlPoolOf(dataSource));
    opened.push(pubsub, { close: () => pool.end() } as PubSub);
    const messages = Array.from({ length: 50 }, (_, n) => `message ${n}`);
    const received = collect(pubsub, 'batches', messages.length + 1);
    await pubsub.ready();
    await pubsub.publish('batches', 'warm-up connection');
    const { statements } = await statementsDuring(() => pubsub.publish('batches', messages));
    expect(statements.filter((s) => /pg_notify/.test(s.text))).toHaveLength(1);
    expect(await received).toEqual(['warm-up connection', ...messages]);
  });

  it('on Redis: written to the server at once, delivered whole and in order', async () => {
    const pubsub = new RedisPubSub({ url: redisUrl() });
    opened.push(pubsub);
    const channel = `batches-${process.pid}-${Date.now()}`;
    const messages = Array.from({ length: 50 }, (_, n) => `message ${n}`);
    const received = collect(pubsub, channel, messages.length + 1);
    await pubsub.ready();
    await pubsub.publish(channel, 'warm-up connection');
    const writes = socketWritesTo(new URL(redisUrl()).port);
    try {
      await pubsub.publish(channel, messages);
    } finally {
      writes.stop();
    }
    expect(writes.count).toBe(1);
    expect(await received).toEqual(['warm-up connection', ...messages]);
  });
});
