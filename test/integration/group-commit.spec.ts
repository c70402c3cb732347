import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionStore } from '../../src/agent/executions/run/execution-store.js';
import type { Lease } from '../../src/agent/executions/run/lease.js';
import type { CommitRequest } from '../../src/agent/executions/run/step-commit.js';
import { ExecutionStatus } from '../../src/agent/executions/execution-status.js';
import { ACQUIRE_LEASES_SQL, COMMIT_STEP_BATCH_SQL } from '../../src/agent/executions/run/step-commit.sql.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { statementsDuring } from '../support/sql-audit.js';
import { seedExecution } from '../support/execution-factory.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';

const lease = (executionId: string, epoch = 1): Lease =>
  ({ executionId, epoch, tenantId: 't1', userId: 'u1', agentType: 'steps', queue: 'agents-default' }) as Lease;

/** Step 1 of an execution: one message and two logs, going on (`running`) or ending as `status`. */
const firstStep = (executionId: string, n: number, status: ExecutionStatus = ExecutionStatus.Running): CommitRequest => ({
  lease: lease(executionId),
  stepsAdded: 1,
  stepNumber: 1,
  messages: [{ role: 'assistant', content: `message ${n}` }],
  logs: [
    { level: 'info', eventType: 'custom', message: `first of ${n}`, context: { n } },
    { level: 'info', eventType: 'step_completed', message: `second of ${n}`, context: {} },
  ],
  inputTokens: n,
  outputTokens: 1,
  state: { n },
  nextStatus: status,
  output: status === ExecutionStatus.Completed ? { n } : undefined,
});

const names = (statements: { name?: string }[]) => statements.map((s) => s.name);

describe('group commit of the steps of many executions', () => {
  let db: TestDatabase;
  let t: TestApp;
  let store: ExecutionStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No workers: the test is the only runner; it holds every lease (epoch 1) itself.
    t = await startTestApp({
      transport: 'redis',
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      // One slot: what queues behind the first request goes in one statement, whatever the default.
      options: { workers: { enabled: false }, tiers: { free: { maxConcurrent: 5, perHour: 1000 } }, commits: { inFlight: 1 } },
    });
    store = t.app.get(ExecutionStore, { strict: false });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('commits the rows that still hold their lease, writes nothing for the others, and tells each caller which it was', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => seedExecution(db, { status: 'running' })));
    // Lost before the batch: taken over by another runner (3, 7), already stepped (5: a repeat), killed (9).
    await db.sql.query(`UPDATE agent_executions SET lease_epoch = 2 WHERE id = ANY($1)`, [[ids[3], ids[7]]]);
    await db.sql.query(`UPDATE agent_executions SET step_count = 1 WHERE id = $1`, [ids[5]]);
    await db.sql.query(`UPDATE agent_executions SET status = 'cancelled', completed_at = now() WHERE id = $1`, [ids[9]]);
    await db.sql.query(`INSERT INTO agent_signals (execution_id, signal_type) VALUES ($1, 'pause'), ($2, 'pause')`, [ids[4], ids[10]]);
    const losers = new Set([3, 5, 7, 9]);

    const { result, statements } = await statementsDuring(() =>
      Promise.all(ids.map((id, n) => store.commit(firstStep(id, n, n === 10 ? ExecutionStatus.Completed : ExecutionStatus.Running)))),
    );

    // One slot: the first goes alone, the eleven that queued meanwhile go in one statement.
    expect(names(statements).filter((n) => n === 'agents_commit_step')).toHaveLength(1);
    expect(names(statements).filter((n) => n === 'agents_commit_step_batch')).toHaveLength(1);

    for (const [n, committed] of result.entries()) {
      if (losers.has(n)) {
        expect(committed, `commit ${n}`).toBeNull();
        continue;
      }
      expect(committed, `commit ${n}`).toMatchObject({ stepCount: 1, tokenUsage: n + 1 });
      expect(committed!.status).toBe(n === 10 ? 'completed' : 'running');
      expect(committed!.logs.map((l) => [l.message, l.step_number])).toEqual([
        [`first of ${n}`, 1],
        [`second of ${n}`, 1],
      ]);
      expect(Number(committed!.logs[0]!.id)).toBeLessThan(Number(committed!.logs[1]!.id));
      expect(committed!.pendingSignals).toEqual(n === 4 || n === 10 ? ['pause'] : []);
    }

    const { rows } = await db.sql.query(
      `SELECT e.id, e.status, e.step_count, e.state, e.output, e.token_usage::int AS tokens,
              (SELECT array_agg(seq || ':' || (content #>> '{}') ORDER BY seq) FROM agent_messages m WHERE m.execution_id = e.id) AS messages,
              (SELECT array_agg(message ORDER BY id) FROM agent_logs l WHERE l.execution_id = e.id) AS logs,
              (SELECT bool_and(processed_at IS NOT NULL) FROM agent_signals s WHERE s.execution_id = e.id) AS signals_processed
       FROM agent_executions e WHERE e.id = ANY($1)`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [n, id] of ids.entries()) {
      const row = byId.get(id)!;
      if (losers.has(n)) {
        expect(row, `row ${n}`).toMatchObject({ messages: null, logs: null, tokens: 0, state: {} });
        continue;
      }
      expect(row, `row ${n}`).toMatchObject({
        step_count: 1,
        state: { n },
        tokens: n + 1,
        messages: [`1:message ${n}`],
        logs: [`first of ${n}`, `second of ${n}`],
      });
    }
    // The one that completed answered its pause request; the one still running did not.
    expect(byId.get(ids[10])).toMatchObject({ status: 'completed', output: { n: 10 }, signals_processed: true });
    expect(byId.get(ids[4])).toMatchObject({ status: 'running', signals_processed: false });
  });

  it('a batch sent again after it landed (a retry after a lost connection) changes nothing', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => seedExecution(db, { status: 'running' })));
    const requests = ids.map((id, n) => firstStep(id, n));
    const first = await Promise.all(requests.map((r) => store.commit(r)));
    expect(first.every((c) => c !== null)).toBe(true);
    const again = await Promise.all(requests.map((r) => store.commit(r)));
    expect(again).toEqual(ids.map(() => null));
    const { rows } = await db.sql.query(`SELECT count(*)::int AS messages FROM agent_messages WHERE execution_id = ANY($1)`, [ids]);
    expect(rows[0].messages).toBe(6);
  });

  it('admits the starts that queued together in one statement, with the limits still exact', async () => {
    const racer = principal('racer', 'tenant-race', 'free');
    const { result, statements } = await statementsDuring(() =>
      Promise.allSettled(Array.from({ length: 20 }, (_, n) => t.manager.start(racer, 'steps', { steps: 1, n }))),
    );
    expect(result.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(result.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.name)).toEqual(
      Array(15).fill('RateLimitedError'),
    );
    expect(names(statements).filter((n) => n === 'agents_admit_batch').length).toBeGreaterThan(0);
    expect(names(statements).filter((n) => n === 'agents_admit_batch' || n === 'agents_admit').length).toBeLessThan(20);
    const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = 'racer'`);
    expect(rows[0].n).toBe(5);
  });

  it('a start the database refuses fails alone; the others of its batch are admitted', async () => {
    const starter = principal('mixed', 'tenant-mixed');
    const result = await Promise.allSettled(
      Array.from({ length: 4 }, (_, n) => t.manager.start(starter, 'steps', n === 2 ? { text: 'nul \u0000 byte' } : { steps: 1, n })),
    );
    expect(result.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // PostgreSQL's own refusal (jsonb holds no NUL), not a check before the batch.
    expect((result[2] as PromiseRejectedResult).reason.code).toBe('22P05');
    const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = 'mixed'`);
    expect(rows[0].n).toBe(3);
  });

  it('takes the leases asked for together in one statement, each once', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => seedExecution(db, { status: 'pending' })));
    const taken = await seedExecution(db, { status: 'running' }); // a live holder's fresh heartbeat
    const asked = [...ids, ids[3]!, taken];
    const { result, statements } = await statementsDuring(() => Promise.all(asked.map((id) => store.acquireLease(id, 'me', 30_000))));
    expect(names(statements).filter((n) => n === 'agents_acquire_lease')).toHaveLength(1);
    expect(names(statements).filter((n) => n === 'agents_acquire_leases')).toHaveLength(1);
    expect(result.slice(0, 6).map((l) => [l?.executionId, l?.epoch, l?.history])).toEqual(
      ids.map((id) => [id, 1, id === ids[0] ? undefined : []]),
    );
    expect(result[6]).toBeNull(); // the same execution asked twice: leased once
    expect(result[7]).toBeNull(); // held by a live runner
    const { rows } = await db.sql.query(
      `SELECT count(*)::int AS running, (SELECT count(*)::int FROM agent_logs WHERE execution_id = ANY($1) AND event_type = 'started') AS started
       FROM agent_executions WHERE id = ANY($1) AND status = 'running' AND lease_owner = 'me'`,
      [ids],
    );
    expect(rows[0]).toEqual({ running: 6, started: 6 });
  });

  it('a batch finds its rows by id and joins no two of its CTEs pair by pair, even when the statistics still count none in its status (right after a wake)', async () => {
    // 3,000 parked and analyzed as such, then all pending, then all running: what a wake does faster than autovacuum.
    const { rows: parked } = await db.sql.query<{ id: string }>(
      `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, awaiting_event)
       SELECT gen_random_uuid(), 'tenant-stale', 'u1', 'steps', 'awaiting_event', 'agents-default', '{}', 'go'
       FROM generate_series(1, 3000) RETURNING id`,
    );
    await db.sql.query(`ANALYZE agent_executions`);
    const ids = parked.slice(0, 200).map((r) => r.id);
    const { rows: statusIndexes } = await db.sql.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'agent_executions' AND indexdef ~ '\\mstatus\\M'`,
    );
    expect(statusIndexes.length).toBeGreaterThan(2);
    /** The indexes on status a plan reads, and its nested loops over two CTEs (every pair of their rows: n² for a batch of n). */
    const check = async (sql: string, params: unknown[]) => {
      const { rows } = await db.sql.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const used = new Set<string>();
      let cteLoops = 0;
      type PlanNode = { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] };
      const walk = (node: PlanNode) => {
        if (statusIndexes.some((i) => i.name === node['Index Name'])) used.add(node['Index Name']!);
        const children = node.Plans ?? [];
        if (node['Node Type'] === 'Nested Loop' && children.every((c) => c['Node Type'] === 'CTE Scan')) cteLoops++;
        children.forEach(walk);
      };
      walk(rows[0]['QUERY PLAN'][0].Plan);
      return { statusIndexes: [...used], cteLoops };
    };

    await db.sql.query(`UPDATE agent_executions SET status = 'pending', awaiting_event = NULL WHERE tenant_id = 'tenant-stale'`);
    expect(await check(ACQUIRE_LEASES_SQL, [ids, 'me', 30_000])).toEqual({ statusIndexes: [], cteLoops: 0 });

    await db.sql.query(`UPDATE agent_executions SET status = 'running', lease_epoch = 1 WHERE tenant_id = 'tenant-stale'`);
    const batch = ids.map((id, ord) => ({
      ord,
      exec_id: id,
      epoch: 1,
      steps_added: 1,
      messages_added: 0,
      tokens_in: 0,
      tokens_out: 0,
      new_state: {},
      next_status: 'running',
      new_output: null,
      new_error: null,
      event_awaited: null,
      messages: [],
      logs: [],
      step_number: 1,
      metadata_patch: {},
      wait_seconds: null,
    }));
    expect(await check(COMMIT_STEP_BATCH_SQL, [JSON.stringify(batch)])).toEqual({ statusIndexes: [], cteLoops: 0 });
  });

  /** Lease statements of wake batches running now (waiting on a lock counts). */
  const activeLeaseStatements = async () =>
    (
      await db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%WITH priors AS%'`,
      )
    ).rows[0]!.n;

  it("sends a wake's batch leases commits.inFlight at a time (side by side beyond that they only slow each other down)", async () => {
    const batches = await Promise.all(
      Array.from({ length: 4 }, () => Promise.all(Array.from({ length: 3 }, () => seedExecution(db, { status: 'pending' })))),
    );
    // Every row locked elsewhere: a lease statement that is sent waits on the lock, and shows as active.
    const holder = await db.sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM agent_executions WHERE id = ANY($1) FOR UPDATE', [batches.flat()]);
      const leased = Promise.all(batches.map((ids) => store.acquireLeases(ids, 'waker', 30_000)));
      await expect.poll(activeLeaseStatements, { timeout: 5_000, interval: 20 }).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300)); // time for any other to be sent
      expect(await activeLeaseStatements()).toBe(1); // this app's commits.inFlight
      await holder.query('COMMIT');
      expect((await leased).map((leases) => leases.length)).toEqual([3, 3, 3, 3]);
    } finally {
      holder.release();
    }
  });

  it("holds the steps' commits while a wake's lease statement runs, and sends them once it is done", async () => {
    const waking = await Promise.all(Array.from({ length: 3 }, () => seedExecution(db, { status: 'pending' })));
    const stepping = await seedExecution(db, { status: 'running' });
    const stepCount = async () =>
      (await db.sql.query('SELECT step_count FROM agent_executions WHERE id = $1', [stepping])).rows[0].step_count;
    const holder = await db.sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM agent_executions WHERE id = ANY($1) FOR UPDATE', [waking]);
      const leased = store.acquireLeases(waking, 'waker', 30_000);
      await expect.poll(activeLeaseStatements, { timeout: 5_000, interval: 20 }).toBe(1);
      let answered = false;
      const committed = store.commit(firstStep(stepping, 0)).finally(() => (answered = true));
      // A slot is free (commits.inFlight 1, none on its way), yet the commit waits for the leases.
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      expect(await stepCount()).toBe(0);
      await holder.query('COMMIT');
      expect(await leased).toHaveLength(3);
      expect(await committed).toMatchObject({ status: 'running', stepCount: 1 });
      expect(await stepCount()).toBe(1);
    } finally {
      holder.release();
    }
  });
});
