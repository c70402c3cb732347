import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { AGENT_ENTITIES, ExecutionEventName, MaintenanceService, TERMINAL_STATUSES, type Transport } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { BackendWatcher } from '../support/pg-backends.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';

/** Starts `n` short `steps` runs and resolves with their end statuses (heard from the app's events, subscribed first). */
async function runToTheEnd(t: TestApp, n: number): Promise<string[]> {
  const ended = new Map<string, string>();
  let heard: () => void = () => undefined;
  const stop = t.events.subscribe((e) => {
    if (e.name === ExecutionEventName.StatusChanged && TERMINAL_STATUSES.includes(e.status)) {
      ended.set(e.executionId, e.status);
      heard();
    }
  });
  try {
    const ids = (await Promise.all(Array.from({ length: n }, () => t.manager.start(principal(), 'steps', { steps: 3 })))).map((e) => e.id);
    const giveUpAt = Date.now() + 20_000;
    while (!ids.every((id) => ended.has(id)) && Date.now() < giveUpAt) await new Promise<void>((r) => ((heard = r), setTimeout(r, 100)));
    return ids.map((id) => ended.get(id) ?? 'not ended');
  } finally {
    stop();
  }
}

/** The uncaught exceptions `work` causes: each one would have ended a host's process. */
async function uncaughtDuring(work: () => Promise<void>): Promise<Error[]> {
  const uncaught: Error[] = [];
  const heard = (error: Error) => uncaught.push(error);
  process.on('uncaughtException', heard);
  try {
    await work();
    return uncaught;
  } finally {
    process.off('uncaughtException', heard);
  }
}

/**
 * The server closes the library's idle connections while the app runs (a restart, a failover,
 * `pg_terminate_backend`): among them the one a maintenance run holds its lock on while its work
 * waits. The process lives on (an 'error' event nobody listens to is an uncaught exception, which
 * ends it), the run ends, and the app goes on working.
 */
interface Case {
  transport: Transport;
  /** The host hands the library a DataSource of its own (its pool, its error handler). */
  hostDataSource: boolean;
}

describe.each<Case>([
  { transport: 'redis', hostDataSource: false },
  { transport: 'postgres', hostDataSource: false },
  { transport: 'redis', hostDataSource: true },
])('idle connections closed by the server ($transport transport, host DataSource: $hostDataSource)', ({ transport, hostDataSource }) => {
  let db: TestDatabase;
  let watcher: BackendWatcher;
  let host: DataSource | null = null;
  let t: TestApp;
  /** The test's own connection, holding a table lock; never terminated. */
  let locker: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    watcher = await BackendWatcher.connect();
    locker = new pg.Client({ connectionString: db.url, application_name: 'agents-test-locker' });
    await locker.connect();
    if (hostDataSource) {
      host = new DataSource({ type: 'postgres', url: db.url, entities: AGENT_ENTITIES, applicationName: 'the-host' });
      await host.initialize();
    }
    const database = host ? { dataSource: host, runMigrations: false } : { url: db.url };
    t = await startTestApp({ transport, db, queuePrefix: uniquePrefix(), providers: [StepsAgent], options: { database } });
  });

  afterAll(async () => {
    await t?.close();
    await host?.destroy();
    await locker?.end();
    await watcher?.close();
    await db?.drop();
  });

  it('the process survives them, and the app keeps working', async () => {
    expect(await runToTheEnd(t, 10)).toEqual(Array(10).fill('completed'));
    const maintenance = t.app.get(MaintenanceService, { strict: false });

    // A cleanup run that waits at its last table, its lock's connection idle meanwhile.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE agent_webhook_deliveries IN ACCESS EXCLUSIVE MODE');
    const cleanup = maintenance.cleanup();
    while ((await watcher.of(db.name, `wait_event_type = 'Lock' AND query LIKE '%agent_webhook_deliveries%'`)).length === 0)
      await sleep(20);

    const uncaught = await uncaughtDuring(async () => {
      const killed = await watcher.terminate(db.name, `state = 'idle' AND application_name <> 'agents-test-locker'`);
      expect(killed.length).toBeGreaterThan(1);
      while ((await watcher.of(db.name, 'pid = ANY($2)', [killed])).length > 0) await sleep(20);
      await sleep(200); // the errors reach the app
      await locker.query('ROLLBACK');
      expect(await cleanup).toMatchObject({ job: 'cleanup', skipped: false });
    });

    expect(uncaught.map((error) => error.message)).toEqual([]);
    expect(await runToTheEnd(t, 10)).toEqual(Array(10).fill('completed'));
    // The lock went with its connection: the next run takes it.
    expect(await maintenance.cleanup()).toMatchObject({ job: 'cleanup', skipped: false });
  });
});
