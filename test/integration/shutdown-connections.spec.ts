import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionEventName, type Transport } from '../../src/agent/index.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { PUBSUB, type PubSub } from '../../src/agent/infrastructure/pubsub.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { BackendWatcher } from '../support/pg-backends.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { principal, startTestApp } from '../support/test-app.js';
import { adminUrl, databaseUrl } from '../support/test-env.js';

const EXECUTIONS = 50;

/**
 * `app.close()` resolves once every connection of the library is gone from the server, whatever
 * was in flight: a host that drops its database next (`DROP DATABASE ... WITH (FORCE)`, as the
 * benchmarks and tests do) cuts nothing of the library's.
 */
describe.each<Transport>(['redis', 'postgres'])('connections after the app closes, on the %s transport', (transport) => {
  let db: TestDatabase;
  let watcher: BackendWatcher;

  beforeAll(async () => {
    db = await createTestDatabase();
    watcher = await BackendWatcher.connect();
  });

  afterAll(async () => {
    await watcher?.close();
    await db?.drop();
  });

  it(`closing mid-run, with ${EXECUTIONS} executions stepping at once, leaves none of them behind`, async () => {
    const t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      options: { workers: { concurrency: { 'agents-default': EXECUTIONS } } },
    });
    let steps = 0;
    t.events.subscribe((e) => e.name === ExecutionEventName.StepCompleted && steps++);
    await Promise.all(Array.from({ length: EXECUTIONS }, () => t.manager.start(principal(), 'steps', { steps: 10_000, step_ms: 2 })));
    // Runs stepping, heartbeats and group commits in flight, every connection of the pool in use.
    while (steps < 4 * EXECUTIONS) await sleep(10);

    await t.close();

    // NOTE: no poll: a backend leaves pg_stat_activity before the server closes its socket, and
    // the library waits for its sockets to close. (`pool.end()` alone resolves before that: some
    // of the pool's backends were still listed here, idle, after their last lease or commit.)
    // The test's own pool (`db.sql`) is never used in this file, so it holds no connection.
    expect(await watcher.of(db.name)).toEqual([]);
  });
});

describe('connections after the app closes, the rest of its life', () => {
  let watcher: BackendWatcher;
  let admin: pg.Client;

  beforeAll(async () => {
    watcher = await BackendWatcher.connect();
    admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await watcher?.close();
  });

  it("the PostgreSQL queue backend's connections are gone once its queues closed", async () => {
    const db = await createTestDatabase();
    try {
      const t = await startTestApp({
        transport: 'postgres',
        db,
        queuePrefix: uniquePrefix(),
        providers: [StepsAgent],
        options: { workers: { enabled: false } },
      });
      await Promise.all(Array.from({ length: 20 }, () => t.manager.start(principal(), 'steps', { steps: 1 })));
      // NOTE: the queues close with the app, beside the library's own pool; alone here, so that pool's wait hides nothing.
      await t.app.get(ExecutionQueue, { strict: false }).onApplicationShutdown();

      expect(await watcher.of(db.name, `application_name NOT LIKE 'nestjs-agents%'`)).toEqual([]);
      await t.close();
    } finally {
      await db.drop();
    }
  });

  it('the PostgreSQL pub/sub opens no connection once closed (a message published late, a subscription)', async () => {
    const db = await createTestDatabase();
    try {
      const t = await startTestApp({ transport: 'postgres', db, queuePrefix: uniquePrefix(), options: { workers: { enabled: false } } });
      const pubsub = t.app.get<PubSub>(PUBSUB, { strict: false });
      await t.close();

      await pubsub.publish('agents-test-late', 'late');
      pubsub.subscribe('agents-test-late', () => undefined);
      await sleep(200);

      expect(await watcher.of(db.name)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('a boot that fails at its migrations leaves no connection behind', async () => {
    // A database whose first migration cannot run: its first table is already there, another one.
    const name = `agents_t_failing_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = databaseUrl(name);
    try {
      const setup = new pg.Client({ connectionString: url });
      await setup.connect();
      await setup.query('CREATE TABLE agent_executions (id int)');
      await setup.end();

      const db = { name, url, sql: new pg.Pool({ connectionString: url }), drop: async () => undefined };
      await expect(startTestApp({ transport: 'redis', db, queuePrefix: uniquePrefix() })).rejects.toThrow(/agent_executions/);

      expect(await watcher.of(name)).toEqual([]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
