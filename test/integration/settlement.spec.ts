import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentExecutionEntity } from '../../src/agent/index.js';
import { ExecutionSettlement, type SettlementHandler } from '../../src/agent/executions/lifecycle/execution-settlement.js';
import { LinkedExecutions } from '../../src/agent/executions/lifecycle/linked-executions.js';
import { RecoveryService } from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { seedExecution } from '../support/execution-factory.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/**
 * The outbox of an execution's end: `settle_pending` is cleared in the transaction that applies
 * the consequences, so they happen once, also when the process that saw the end died first.
 */
describe('settling the ends of linked executions', () => {
  let db: TestDatabase;
  let t: TestApp;
  let settlement: ExecutionSettlement;
  let linked: LinkedExecutions;
  /** What the test handler saw, and whether it should fail. */
  const seen: { id: string; status: string }[] = [];
  let failNext = false;

  const handler: SettlementHandler = {
    name: 'test-marker',
    async settle({ execution, client, afterCommit }) {
      if (execution.metadata.marker !== true) return;
      // A durable consequence written in the settlement's transaction: it must commit or roll back with the flag.
      await client.query(`UPDATE agent_executions SET metadata = metadata || '{"consequence": true}' WHERE id = $1`, [execution.id]);
      if (failNext) {
        failNext = false;
        throw new Error('consequence failed');
      }
      afterCommit(() => void seen.push({ id: execution.id, status: execution.status }));
    },
  };

  const flags = async (id: string) =>
    (await db.sql.query(`SELECT settle_pending, status, metadata->'consequence' AS consequence FROM agent_executions WHERE id = $1`, [id]))
      .rows[0];

  /** A `steps` execution linked to a (made-up) parent, as a consequence would create it. */
  async function startLinked(input: object, marker = true): Promise<AgentExecutionEntity> {
    const client = await db.sql.connect();
    try {
      const [execution] = await linked.insertWithin(client, [
        {
          tenantId: 't1',
          userId: 'u1',
          tier: 'test',
          agentType: 'steps',
          queue: 'agents-default',
          input: input as never,
          metadata: { marker },
          parentExecutionId: crypto.randomUUID(),
          depth: 1,
        },
      ]);
      await linked.enqueue([execution!]);
      return execution!;
    } finally {
      client.release();
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ transport: 'redis', db, queuePrefix: uniquePrefix(), providers: [StepsAgent] });
    settlement = t.app.get(ExecutionSettlement);
    linked = t.app.get(LinkedExecutions);
    settlement.register(handler);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('applies the consequences of a linked execution once, right after it ends, and clears the flag', async () => {
    const execution = await startLinked({ steps: 2 });
    expect((await flags(execution.id)).settle_pending).toBe(true);
    await waitForStatus(t, db, execution.id, ['completed']);
    await expect.poll(() => seen.filter((s) => s.id === execution.id)).toEqual([{ id: execution.id, status: 'completed' }]);
    expect(await flags(execution.id)).toMatchObject({ settle_pending: false, consequence: true });
    expect(await settlement.settle(execution.id)).toBe(false);
    expect(seen.filter((s) => s.id === execution.id)).toHaveLength(1);
  });

  it('opens no settlement transaction for the end of an execution that owes nothing', async () => {
    const sent: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0];
      sent.push(typeof config === 'string' ? config : ((config as { text?: string })?.text ?? ''));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const plain = await t.manager.start(principal(), 'steps', { steps: 1 });
      await waitForStatus(t, db, plain.id, ['completed']);
      const linkedOne = await startLinked({ steps: 1 });
      await waitForStatus(t, db, linkedOne.id, ['completed']);
      await expect.poll(() => seen.some((s) => s.id === linkedOne.id)).toBe(true);
    } finally {
      pg.Client.prototype.query = original;
    }
    // One settlement (the linked one's), none for the plain execution.
    expect(sent.filter((sql) => sql.includes('WHERE id = $1 AND settle_pending'))).toHaveLength(1);
  });

  it('leaves unlinked executions alone', async () => {
    const id = await seedExecution(db, { status: 'completed' });
    expect(await settlement.settle(id)).toBe(false);
    expect((await flags(id)).settle_pending).toBe(false);
  });

  it('rolls a failed consequence back with the flag, and the recovery sweep applies it later', async () => {
    failNext = true;
    const execution = await startLinked({ steps: 1 });
    await waitForStatus(t, db, execution.id, ['completed']);
    await sleep(200);
    // The consequence's own write went with the failed transaction: nothing half-done.
    expect(await flags(execution.id)).toMatchObject({ settle_pending: true, consequence: null });
    expect(seen.some((s) => s.id === execution.id)).toBe(false);

    const report = await t.app.get(RecoveryService).recoverStuck(60_000);
    expect(report.settled).toContain(execution.id);
    expect(await flags(execution.id)).toMatchObject({ settle_pending: false, consequence: true });
    expect(seen.filter((s) => s.id === execution.id)).toHaveLength(1);
  });

  it('settles an end exactly once when several processes try at the same time', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => seedExecution(db, { status: 'failed' })));
    await db.sql.query(`UPDATE agent_executions SET settle_pending = true, metadata = '{"marker": true}' WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
    const attempts = await Promise.all(ids.flatMap((id) => [settlement.settle(id), settlement.settle(id), settlement.sweep()]));
    const settledIds = attempts.flatMap((a) => (a === true ? [] : Array.isArray(a) ? a : []));
    const byCall = attempts.filter((a) => a === true).length + settledIds.length;
    expect(byCall).toBe(3);
    for (const id of ids) expect(seen.filter((s) => s.id === id)).toEqual([{ id, status: 'failed' }]);
  });

  it('does not settle an execution before it ends', async () => {
    const execution = await startLinked({ steps: 1, await_event_at: 1 });
    await waitForStatus(t, db, execution.id, ['awaiting_event']);
    expect(await settlement.settle(execution.id)).toBe(false);
    expect(await settlement.sweep()).not.toContain(execution.id);
    expect((await flags(execution.id)).settle_pending).toBe(true);
  });

  it('cancels linked executions inside the caller transaction: parked at once, running at their next step', async () => {
    const parked = await startLinked({ steps: 1, await_event_at: 1 }, false);
    const running = await startLinked({ steps: 10_000, step_ms: 20 }, false);
    await waitForStatus(t, db, parked.id, ['awaiting_event']);
    await waitForStatus(t, db, running.id, ['running']);

    const client = await db.sql.connect();
    const after: (() => Promise<void> | void)[] = [];
    try {
      await client.query('BEGIN');
      await settlement.cancelWithin(client, [parked.id, running.id], { cancelled_with: 'its parent' }, (a) => after.push(a));
      // Not committed: nothing visible yet (the change is durable only with the caller's own).
      expect((await flags(parked.id)).status).toBe('awaiting_event');
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await flags(parked.id)).status).toBe('cancelled');
    for (const action of after) await action();
    await waitForStatus(t, db, running.id, ['cancelled'], 5_000);
    const logs = await db.sql.query(`SELECT message FROM agent_logs WHERE execution_id = $1 AND event_type = 'cancelled'`, [parked.id]);
    expect(logs.rows.map((r) => r.message)).toEqual(['Cancelled with its parent']);
  });

  it('asks to cancel one a worker leased while the cancel waited for its row (it was pending when the cancel began)', async () => {
    const leased = await seedExecution(db, { status: 'pending', tenantId: 't1', userId: 'u1' });
    // A worker taking the lease, its transaction still open: the cancel waits for the row.
    const worker = await db.sql.connect();
    const client = await db.sql.connect();
    try {
      await worker.query('BEGIN');
      await worker.query(`UPDATE agent_executions SET status = 'running', lease_epoch = lease_epoch + 1 WHERE id = $1`, [leased]);
      await client.query('BEGIN');
      const cancelling = settlement.cancelWithin(client, [leased], { cancelled_with: 'its parent' }, () => undefined);
      await sleep(200);
      await worker.query('COMMIT');
      await cancelling;
      await client.query('COMMIT');
    } finally {
      worker.release();
      client.release();
    }
    // Not parked (it is running now), so its runner must be asked: a cancel signal waits for its next step.
    expect((await flags(leased)).status).toBe('running');
    const signals = await db.sql.query(`SELECT signal_type FROM agent_signals WHERE execution_id = $1 AND processed_at IS NULL`, [leased]);
    expect(signals.rows).toEqual([{ signal_type: 'cancel' }]);
  });
});
