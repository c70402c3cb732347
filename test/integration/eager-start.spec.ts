import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/agent/infrastructure/queue-names.js';
import { ConversationsService, type Transport } from '../../src/agent/index.js';
import { RateLimitedError } from '../../src/agent/errors/rate-limited.error.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { statementsDuring, type SentStatement } from '../support/sql-audit.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** A statement's prepared name, or its first keyword. */
const name = (s: { text: string; name?: string }) => s.name ?? s.text.trim().split(/\s+/)[0]!.toUpperCase();

/**
 * Eager start (`workers.eagerStart`): the default queue has two slots here, so one start at a time
 * may run eagerly. The queue is paused in each test until it says otherwise, so anything that ran
 * while it was paused ran without its job (which waits, delayed, in case the process dies).
 */
describe.each<Transport>(['redis', 'postgres'])('eager start on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;
  let queue: Queue;
  const queuePrefix = uniquePrefix();

  const row = async (id: string) =>
    (await db.sql.query(`SELECT status, step_count, lease_epoch FROM agent_executions WHERE id = $1`, [id])).rows[0] as {
      status: string;
      step_count: number;
      lease_epoch: number;
    };
  /** The state of the start's job (`<id>-0`): an eager start's is delayed by a lease timeout, a watch for a crash. */
  const startJob = async (id: string) => (await queue.getJob(`${id}-0`))?.getState();
  const runningNow = async (user: string) =>
    (await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = $1 AND status = 'running'`, [user])).rows[0]
      .n as number;

  beforeAll(async () => {
    db = await createTestDatabase({ connections: 'many' });
    t = await startTestApp({
      transport,
      db,
      queuePrefix,
      providers: [StepsAgent],
      options: {
        workers: { concurrency: { [QueueName.Default]: 2 }, eagerStart: true },
        tiers: { five: { maxConcurrent: 5, perHour: 1000 } },
      },
    });
    queue = t.app.get<Queue>(getQueueToken(QueueName.Default), { strict: false });
  });

  beforeEach(async () => {
    // What an earlier test left queued or running ends first: its jobs would hold the worker's
    // slots, and a start that finds none free waits in the paused queue instead of running here.
    await queue.resume();
    const unfinished = async () =>
      (await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE status IN ('pending', 'running')`)).rows[0].n as number;
    await expect.poll(unfinished, { timeout: 30_000, interval: 50 }).toBe(0);
    await queue.pause();
  });

  afterAll(async () => {
    await queue?.resume();
    await t?.close();
    await db?.drop();
  });

  it('admits and leases in one transaction and runs to the end with no job', async () => {
    const { result: execution, statements } = await statementsDuring(() => t.manager.start(principal('alone'), 'steps', { steps: 3 }));
    // On the admission's connection: BEGIN, the admission, the lease, COMMIT; one commit before the run.
    const admission = statements.find((s) => name(s) === 'agents_admit')!;
    const onIt = statements.filter((s) => s.connection === admission.connection).map(name);
    const at = onIt.indexOf('agents_admit');
    expect(onIt.slice(at - 1, at + 3)).toEqual(['BEGIN', 'agents_admit', 'agents_acquire_lease', 'COMMIT']);
    expect(execution.status).toBe('pending');

    const ended = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(ended).toMatchObject({ status: 'completed', step_count: 3 });
    expect((await row(execution.id)).lease_epoch).toBe(1);
    await expect.poll(() => startJob(execution.id)).toBe('delayed');
  });

  it('borrows a slot only while the worker keeps one: the next start waits in the queue', async () => {
    const held = await t.manager.start(principal('slots'), 'steps', { steps: 2, step_ms: 1500 });
    await expect.poll(async () => (await row(held.id)).status, { timeout: 5_000, interval: 20 }).toBe('running');

    const queued = await t.manager.start(principal('slots'), 'steps', { steps: 1 });
    expect(await startJob(queued.id)).toMatch(/^(waiting|paused|prioritized)$/);
    expect((await row(queued.id)).status).toBe('pending');

    // Resumed: the worker's remaining slot runs the queued one beside the eager run, never a third.
    const third = await t.manager.start(principal('slots'), 'steps', { steps: 1, step_ms: 300 });
    expect(await startJob(third.id)).toMatch(/^(waiting|paused|prioritized)$/);
    let most = 0;
    const sample = setInterval(() => void runningNow('slots').then((n) => (most = Math.max(most, n))), 25);
    await queue.resume();
    for (const id of [held.id, queued.id, third.id])
      expect((await waitForStatus(t, db, id, ['completed', 'failed'])).status).toBe('completed');
    clearInterval(sample);
    expect(most).toBeLessThanOrEqual(2);

    // Once the eager run ended its slot is back: a start runs eagerly again.
    await queue.pause();
    const again = await t.manager.start(principal('slots'), 'steps', { steps: 1 });
    expect((await waitForStatus(t, db, again.id, ['completed', 'failed'])).status).toBe('completed');
    await expect.poll(() => startJob(again.id)).toBe('delayed');
  });

  it('keeps the limits exact and the idempotency key one execution', async () => {
    const who = principal('limited', 't1', 'five');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => t.manager.start(who, 'steps', { steps: 1, step_ms: 200 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof RateLimitedError)).toHaveLength(15);
    expect((await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = 'limited'`)).rows[0].n).toBe(5);

    const first = await t.manager.start(principal('keyed'), 'steps', { steps: 1 }, { idempotencyKey: 'once' });
    const second = await t.manager.start(principal('keyed'), 'steps', { steps: 1 }, { idempotencyKey: 'once' });
    expect(second.id).toBe(first.id);
    await queue.resume();
    expect((await waitForStatus(t, db, first.id, ['completed', 'failed'])).status).toBe('completed');
    const logs = await db.sql.query(`SELECT count(*)::int AS n FROM agent_logs WHERE execution_id = $1 AND event_type = 'started'`, [
      first.id,
    ]);
    expect(logs.rows[0].n).toBe(1);
  });

  it('runs a conversation turn and a fork once their own transaction committed: leased here, no hop', async () => {
    const conversations = t.app.get(ConversationsService);
    const turn = await conversations.start(principal('talker'), { agentType: 'steps', message: 'hello' });
    expect((await waitForStatus(t, db, turn.executionId, ['completed', 'failed'])).status).toBe('completed');
    await expect.poll(() => startJob(turn.executionId)).toBe('delayed');

    const original = await t.manager.start(principal('talker'), 'steps', { steps: 2 });
    expect((await waitForStatus(t, db, original.id, ['completed', 'failed'])).status).toBe('completed');
    const fork = await t.manager.fork(principal('talker'), original.id, { step: 1 });
    expect((await waitForStatus(t, db, fork.id, ['completed', 'failed'])).status).toBe('completed');
    await expect.poll(() => startJob(fork.id)).toBe('delayed');
  });

  it('runs what is not due now the usual way: a scheduled start gets a delayed job', async () => {
    const later = await t.manager.scheduleAt(principal('later'), 'steps', { steps: 1 }, new Date(Date.now() + 60_000));
    expect(later.status).toBe('scheduled');
    expect(await startJob(later.id)).toBe('delayed');
    expect((await row(later.id)).lease_epoch).toBe(0);
  });
});

describe.each<Transport>(['redis', 'postgres'])('eager start under a burst on the %s transport', (transport) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase({ connections: 'many' });
    t = await startTestApp({
      transport,
      db,
      queuePrefix: uniquePrefix(),
      providers: [StepsAgent],
      options: { workers: { concurrency: { [QueueName.Default]: 40 }, eagerStart: true } },
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("takes at most commits.inFlight starts eagerly at once: the rest of one user's burst is admitted together", async () => {
    const who = principal('burst');
    const { result: started, statements } = await statementsDuring(() =>
      Promise.all(Array.from({ length: 30 }, (_, n) => t.manager.start(who, 'steps', { steps: 1, n }))),
    );
    // An eager admission: BEGIN, the admission, the lease, COMMIT on one connection, which it holds
    // while it waits for the user's lock. How many were on their way at once:
    const byConnection = new Map<number, SentStatement[]>();
    for (const s of statements) byConnection.set(s.connection, [...(byConnection.get(s.connection) ?? []), s]);
    const eager: [number, number][] = [];
    for (const sent of byConnection.values()) {
      const names = sent.map(name);
      names.forEach((n, i) => {
        if (n === 'agents_admit' && names[i - 1] === 'BEGIN' && names[i + 1] === 'agents_acquire_lease')
          eager.push([sent[i - 1]!.at, sent[i + 2]!.at]);
      });
    }
    const atOnce = Math.max(...eager.map(([began]) => eager.filter(([b, committed]) => b <= began && began <= committed).length));
    expect(eager.length).toBeGreaterThanOrEqual(1);
    expect(atOnce).toBeLessThanOrEqual(2); // commits.inFlight
    expect(eager.length).toBeLessThan(15);
    expect(statements.filter((s) => name(s) === 'agents_admit_batch').length).toBeGreaterThan(0);
    for (const execution of started) {
      expect((await waitForStatus(t, db, execution.id, ['completed', 'failed'])).status).toBe('completed');
    }
  });
});
