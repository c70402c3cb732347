import { existsSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_OPTIONS } from '../../src/agent/infrastructure/agent-options.token.js';
import type { ResolvedAgentOptions } from '../../src/agent/agent.options.js';
import { Test } from '@nestjs/testing';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AgentModule,
  InvalidMaintenanceRequestError,
  MaintenanceCrons,
  maintenanceCronName,
  MaintenanceService,
  type MaintenanceReport,
  type Transport,
} from '../../src/agent/index.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { PUBSUB, type PubSub } from '../../src/agent/infrastructure/pubsub.js';
import { seedExecution } from '../support/execution-factory.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** Two nodes on one database; their crons are off so that only the test triggers runs. */
const NODE_OPTIONS = { workers: { enabled: false }, maintenance: { enabled: false } };

const age = (db: TestDatabase, id: string, columns: string[], interval: string) =>
  db.sql.query(`UPDATE agent_executions SET ${columns.map((c) => `${c} = now() - $2::interval`).join(', ')} WHERE id = $1`, [id, interval]);

/** Sets the wait's deadline relative to now ('-1 minute' = passed). */
const until = (db: TestDatabase, id: string, fromNow: string) =>
  db.sql.query(`UPDATE agent_executions SET awaiting_until = now() + $2::interval WHERE id = $1`, [id, fromNow]);

async function addLogs(db: TestDatabase, id: string, ...ages: string[]): Promise<void> {
  for (const interval of ages) {
    await db.sql.query(
      `INSERT INTO agent_logs (execution_id, level, event_type, message, created_at) VALUES ($1, 'info', 'step_completed', 'seeded', now() - $2::interval)`,
      [id, interval],
    );
  }
}

async function addHistory(db: TestDatabase, id: string): Promise<void> {
  await db.sql.query(`INSERT INTO agent_messages (execution_id, seq, role, content) VALUES ($1, 1, 'user', '"hello"')`, [id]);
  await db.sql.query(`INSERT INTO agent_signals (execution_id, signal_type, payload) VALUES ($1, 'pause', null)`, [id]);
}

async function children(db: TestDatabase, id: string) {
  const { rows } = await db.sql.query(
    `SELECT (SELECT count(*)::int FROM agent_logs WHERE execution_id = $1) AS logs,
            (SELECT count(*)::int FROM agent_messages WHERE execution_id = $1) AS messages,
            (SELECT count(*)::int FROM agent_signals WHERE execution_id = $1) AS signals`,
    [id],
  );
  return rows[0] as { logs: number; messages: number; signals: number };
}

const statusOf = async (db: TestDatabase, id: string) =>
  (await db.sql.query('SELECT status, error FROM agent_executions WHERE id = $1', [id])).rows[0] as
    { status: string; error: { code: string } | null } | undefined;

/**
 * Holds a row lock on one execution, so whichever node takes the job's advisory lock first is
 * still inside its run (blocked on that row) when the other node tries: no timing involved.
 */
async function holdRow(db: TestDatabase, id: string): Promise<{ release(): Promise<void> }> {
  const client: pg.PoolClient = await db.sql.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM agent_executions WHERE id = $1 FOR UPDATE', [id]);
  return {
    async release() {
      await client.query('ROLLBACK');
      client.release();
    },
  };
}

/** Both nodes run the job at the same moment; the one that finishes first can only be the one that skipped. */
async function runOnBoth<R extends MaintenanceReport>(db: TestDatabase, heldId: string, run: () => [Promise<R>, Promise<R>]): Promise<R[]> {
  const held = await holdRow(db, heldId);
  const runs = run();
  try {
    const first = await Promise.race(runs);
    expect(first).toMatchObject({ skipped: true, reason: 'locked' });
  } finally {
    await held.release();
  }
  return Promise.all(runs);
}

describe.each<Transport>(['redis', 'postgres'])('maintenance on two nodes (%s transport)', (transport) => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const crons = (t: TestApp) => t.app.get(MaintenanceCrons);

  beforeAll(async () => {
    db = await createTestDatabase();
    const queuePrefix = uniquePrefix();
    a = await startTestApp({ transport, db, queuePrefix, options: NODE_OPTIONS });
    b = await startTestApp({ transport, db, queuePrefix, options: NODE_OPTIONS });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE agent_executions CASCADE');
  });

  it('recover-stuck: done once across the nodes; stuck runs back to pending with a job, live ones untouched', async () => {
    const stuck = await seedExecution(db, { status: 'running', heartbeatAgoMs: 2 * 3600_000 });
    const live = await seedExecution(db, { status: 'running', heartbeatAgoMs: 0 });
    const slow = await seedExecution(db, { status: 'running', heartbeatAgoMs: 10 * 60_000 });
    const orphan = await seedExecution(db, { status: 'pending' });
    await age(db, orphan, ['updated_at'], '2 hours');
    const fresh = await seedExecution(db, { status: 'pending' });

    const reports = await runOnBoth(db, stuck, () => [crons(a).runRecoverStuck(), crons(b).runRecoverStuck()]);

    expect(reports.filter((r) => r.skipped)).toHaveLength(1);
    expect(reports.find((r) => !r.skipped)).toMatchObject({ job: 'recover-stuck', afterSeconds: 1800, recovered: 1, requeued: 1 });
    expect((await statusOf(db, stuck))?.status).toBe('pending');
    expect((await statusOf(db, live))?.status).toBe('running');
    expect((await statusOf(db, slow))?.status).toBe('running');
    expect((await statusOf(db, fresh))?.status).toBe('pending');
    const { rows: logs } = await db.sql.query(`SELECT event_type FROM agent_logs WHERE execution_id = $1`, [stuck]);
    expect(logs.map((l) => l.event_type)).toEqual(['recovered']);
    // Jobs ids follow the lease epoch: the recovered run continues at epoch 1, the orphan starts at 0.
    const queue = a.app.get(ExecutionQueue).queue('agents-default');
    expect(await queue.getJob(`${stuck}-1`)).toBeTruthy();
    expect(await queue.getJob(`${orphan}-0`)).toBeTruthy();
    expect(await queue.getJob(`${fresh}-0`)).toBeFalsy();
  });

  it('recover-stuck: a threshold below the lease timeout is refused', async () => {
    await expect(a.app.get(MaintenanceService).recoverStuck({ afterSeconds: 10 })).rejects.toThrow(InvalidMaintenanceRequestError);
    await expect(a.app.get(MaintenanceService).recoverStuck({ afterSeconds: 0 })).rejects.toThrow(/positive integer/);
  });

  it('cleanup: done once across the nodes; old finished executions go with their history, live ones and recent rows stay', async () => {
    const oldCompleted = await seedExecution(db, { status: 'completed' });
    const oldFailed = await seedExecution(db, { status: 'failed' });
    const oldCancelled = await seedExecution(db, { status: 'cancelled' });
    for (const id of [oldCompleted, oldFailed, oldCancelled]) await age(db, id, ['created_at', 'completed_at', 'updated_at'], '40 days');
    await addLogs(db, oldCompleted, '40 days', '1 hour');
    await addHistory(db, oldCompleted);

    const recentCompleted = await seedExecution(db, { status: 'completed' });
    await age(db, recentCompleted, ['created_at', 'completed_at', 'updated_at'], '5 days');
    await addLogs(db, recentCompleted, '10 days', '5 days');
    await addHistory(db, recentCompleted);

    const running = await seedExecution(db, { status: 'running' });
    await age(db, running, ['created_at', 'started_at'], '60 days');
    await addLogs(db, running, '10 days', '8 days', '1 hour');
    await addHistory(db, running);

    const paused = await seedExecution(db, { status: 'paused' });
    await age(db, paused, ['created_at', 'updated_at'], '60 days');

    const inputExpired = await seedExecution(db, { status: 'awaiting_input' });
    await age(db, inputExpired, ['updated_at'], '25 hours');
    const inputWaiting = await seedExecution(db, { status: 'awaiting_input' });
    await age(db, inputWaiting, ['updated_at'], '1 hour');
    const inputDeadlineExpired = await seedExecution(db, { status: 'awaiting_input' });
    await until(db, inputDeadlineExpired, '-1 minute');
    const inputDeadlineAhead = await seedExecution(db, { status: 'awaiting_input' });
    await age(db, inputDeadlineAhead, ['updated_at'], '25 hours');
    await until(db, inputDeadlineAhead, '1 hour');
    const eventExpired = await seedExecution(db, { status: 'awaiting_event' });
    await until(db, eventExpired, '-1 minute');
    const eventWaiting = await seedExecution(db, { status: 'awaiting_event' });
    await until(db, eventWaiting, '1 hour');
    const eventForever = await seedExecution(db, { status: 'awaiting_event' });
    await age(db, eventForever, ['created_at', 'updated_at'], '60 days');

    const reports = await runOnBoth(db, oldCompleted, () => [crons(a).runCleanup(), crons(b).runCleanup()]);

    expect(reports.filter((r) => r.skipped)).toHaveLength(1);
    expect(reports.find((r) => !r.skipped)).toMatchObject({
      job: 'cleanup',
      executionRetentionDays: 30,
      logRetentionDays: 7,
      executionsDeleted: 3,
      logsDeleted: 3,
      inputWaitsExpired: 2,
      eventWaitsExpired: 1,
    });

    for (const id of [oldCompleted, oldFailed, oldCancelled]) {
      expect(await statusOf(db, id)).toBeUndefined();
      expect(await children(db, id)).toEqual({ logs: 0, messages: 0, signals: 0 });
    }
    expect((await statusOf(db, recentCompleted))?.status).toBe('completed');
    expect(await children(db, recentCompleted)).toEqual({ logs: 1, messages: 1, signals: 1 });
    expect((await statusOf(db, running))?.status).toBe('running');
    expect(await children(db, running)).toEqual({ logs: 1, messages: 1, signals: 1 });
    expect((await statusOf(db, paused))?.status).toBe('paused');

    for (const [id, code] of [
      [inputExpired, 'awaiting_input_timeout'],
      [inputDeadlineExpired, 'awaiting_input_timeout'],
      [eventExpired, 'awaiting_event_timeout'],
    ]) {
      expect(await statusOf(db, id)).toMatchObject({ status: 'failed', error: { code } });
      const { rows } = await db.sql.query(`SELECT event_type, context FROM agent_logs WHERE execution_id = $1`, [id]);
      expect(rows).toEqual([expect.objectContaining({ event_type: 'failed', context: expect.objectContaining({ code }) })]);
    }
    for (const id of [inputWaiting, inputDeadlineAhead]) expect((await statusOf(db, id))?.status).toBe('awaiting_input');
    for (const id of [eventWaiting, eventForever]) expect((await statusOf(db, id))?.status).toBe('awaiting_event');
  });

  it('cleanup: retention given per run; running again finds nothing left to do', async () => {
    const done = await seedExecution(db, { status: 'completed' });
    await age(db, done, ['completed_at', 'updated_at'], '3 days');
    await addLogs(db, done, '2 days');
    const service = a.app.get(MaintenanceService);

    expect(await service.cleanup({ executionRetentionDays: 5, logRetentionDays: 1 })).toMatchObject({
      executionsDeleted: 0,
      logsDeleted: 1,
    });
    expect(await service.cleanup({ executionRetentionDays: 2 })).toMatchObject({ executionsDeleted: 1, logsDeleted: 0 });
    expect(await service.cleanup()).toMatchObject({
      skipped: false,
      executionsDeleted: 0,
      logsDeleted: 0,
      inputWaitsExpired: 0,
      eventWaitsExpired: 0,
    });
    await expect(service.cleanup({ logRetentionDays: 0 })).rejects.toThrow(InvalidMaintenanceRequestError);
  });

  it('cleanup: purges spent inbox events and delivery ids too old to replay, and keeps the rest', async () => {
    const waiting = await seedExecution(db, { status: 'running' });
    await db.sql.query(
      `INSERT INTO agent_event_inbox (execution_id, event_type, payload, expires_at, consumed_at) VALUES
         ($1, 'kept', 'null', now() + interval '1 hour', NULL),
         ($1, 'consumed', 'null', now() + interval '1 hour', now()),
         ($1, 'expired', 'null', now() - interval '1 second', NULL)`,
      [waiting],
    );
    await db.sql.query(
      `INSERT INTO agent_webhook_deliveries (tenant_id, delivery_id, result, created_at) VALUES
         ('t1', 'fresh', '{}', now()), ('t1', 'stale', '{}', now() - interval '11 minutes')`,
    );
    expect(await a.app.get(MaintenanceService).cleanup()).toMatchObject({ inboxEventsDeleted: 2, deliveriesDeleted: 1 });
    expect((await db.sql.query(`SELECT event_type FROM agent_event_inbox WHERE execution_id = $1`, [waiting])).rows).toEqual([
      { event_type: 'kept' },
    ]);
    expect((await db.sql.query(`SELECT delivery_id FROM agent_webhook_deliveries`)).rows).toEqual([{ delivery_id: 'fresh' }]);
  });

  it('cleanup: removes workspaces unused for cleanupAfterDays, and keeps recent ones', async () => {
    const { baseDir, cleanupAfterDays } = a.app.get<ResolvedAgentOptions>(AGENT_OPTIONS).workspaces;
    const tenant = join(baseDir, `cleanup-${Date.now()}`);
    const [old, recent] = [join(tenant, 'old-execution'), join(tenant, 'recent-execution')];
    for (const dir of [old, recent]) await mkdir(dir, { recursive: true });
    await writeFile(join(old, 'notes.txt'), 'x');
    const longAgo = new Date(Date.now() - (cleanupAfterDays + 1) * 86_400_000);
    await utimes(old, longAgo, longAgo);
    const report = await a.app.get(MaintenanceService).cleanup();
    expect(report).toMatchObject({ skipped: false, workspacesRemoved: expect.any(Number) });
    expect((report as { workspacesRemoved: number }).workspacesRemoved).toBeGreaterThanOrEqual(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    await rm(tenant, { recursive: true, force: true });
  });

  it('cleanup: expires a wait at whatever lease epoch the wait has', async () => {
    const input = await seedExecution(db, { status: 'awaiting_input' });
    const event = await seedExecution(db, { status: 'awaiting_event' });
    for (const id of [input, event]) {
      await until(db, id, '-1 second');
      await db.sql.query(`UPDATE agent_executions SET lease_epoch = 7 WHERE id = $1`, [id]);
    }
    expect(await b.app.get(MaintenanceService).cleanup()).toMatchObject({ inputWaitsExpired: 1, eventWaitsExpired: 1 });
    for (const id of [input, event]) expect((await statusOf(db, id))?.status).toBe('failed');
  });
});

describe('maintenance crons', () => {
  let db: TestDatabase;
  const apps: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await db?.drop();
  });

  // NOTE: each app closes soon after it boots; closing while its LISTEN connection is still being
  // set up rejects unhandled ('Connection terminated'), so the tests wait for it.
  const start = async (maintenance: object) => {
    const t = await startTestApp({
      transport: 'postgres',
      db,
      queuePrefix: uniquePrefix(),
      options: { workers: { enabled: false }, maintenance },
    });
    apps.push(t);
    await t.app.get<PubSub>(PUBSUB).ready();
    return t;
  };

  it('are scheduled from the options, fire, and stop with the app', async () => {
    const t = await start({ recoverStuckCron: '* * * * * *', cleanupCron: '0 4 * * *' });
    const crons = t.app.get(MaintenanceCrons);
    expect(crons.scheduled().map(({ job, cron }) => ({ job, cron }))).toEqual([
      { job: 'recover-stuck', cron: '* * * * * *' },
      { job: 'cleanup', cron: '0 4 * * *' },
    ]);
    const next = crons.scheduled()[1].nextRunAt;
    expect([next.getHours(), next.getMinutes()]).toEqual([4, 0]);

    const service = t.app.get(MaintenanceService);
    const fired = new Promise<MaintenanceReport>((resolve) => {
      const original = service.recoverStuck.bind(service);
      vi.spyOn(service, 'recoverStuck').mockImplementation(async (request) => {
        const report = await original(request);
        resolve(report);
        return report;
      });
    });
    expect(await fired).toMatchObject({ job: 'recover-stuck', skipped: false });

    await t.close();
    apps.length = 0;
    expect(crons.scheduled()).toEqual([]);
  });

  it('are not scheduled when maintenance is disabled (the service still works)', async () => {
    const t = await start({ enabled: false });
    expect(t.app.get(MaintenanceCrons).scheduled()).toEqual([]);
    expect(await t.app.get(MaintenanceService).cleanup()).toMatchObject({ skipped: false });
  });

  it("show up in the host app's SchedulerRegistry when it uses @nestjs/schedule, and leave it at shutdown", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ScheduleModule.forRoot(),
        AgentModule.forRoot({
          database: { url: db.url },
          transport: 'postgres',
          queuePrefix: uniquePrefix(),
          workers: { enabled: false },
          resolvePrincipal: () => principal(),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    apps.push(app);
    await app.get<PubSub>(PUBSUB).ready();
    const registry = app.get(SchedulerRegistry);
    expect([...registry.getCronJobs().keys()].sort()).toEqual([maintenanceCronName('cleanup'), maintenanceCronName('recover-stuck')]);
    const job = registry.getCronJob(maintenanceCronName('cleanup'));
    expect(job.isActive).toBe(true);

    await app.close();
    apps.length = 0;
    expect(job.isActive).toBe(false);
    expect(registry.getCronJobs().size).toBe(0);
  });
});
