import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/agent/infrastructure/queue-names.js';
import { ExecutionEventName, TierPolicies, type Transport } from '../../src/agent/index.js';
import { RateLimitedError } from '../../src/agent/errors/rate-limited.error.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, UNLIMITED_TEST_TIER, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const tiers = {
  five: { maxConcurrent: 5, perHour: 1000 },
  seven_an_hour: { maxConcurrent: 1000, perHour: 7 },
};

describe.each<Transport>(['redis', 'postgres'])('tier limits and fairness on the %s transport', (transport) => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  const queuePrefix = uniquePrefix();

  beforeAll(async () => {
    db = await createTestDatabase({ connections: 'many' });
    // Two nodes on one database, no workers: executions stay where the limits put them.
    const options = { workers: { enabled: false }, tiers };
    a = await startTestApp({ transport, db, queuePrefix, providers: [StepsAgent], options });
    b = await startTestApp({ transport, db, queuePrefix, providers: [StepsAgent], options });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('admits exactly max_concurrent of 20 parallel starts', async () => {
    const who = principal('parallel', 't1', 'five');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).manager.start(who, 'steps', { steps: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(15);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(RateLimitedError);
      expect(r.reason.limits.concurrent).toEqual({ used: 5, limit: 5, remaining: 0 });
      expect(r.reason.retryAfterSeconds).toBe(30);
    }
    expect((await db.sql.query(`SELECT count(*)::int AS n FROM agent_executions WHERE user_id = 'parallel'`)).rows[0].n).toBe(5);
  });

  it('holds the hourly limit across two nodes', async () => {
    const who = principal('hourly', 't1', 'seven_an_hour');
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).manager.start(who, 'steps', { steps: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as RateLimitedError;
    expect(refused.limits.hourly).toMatchObject({ used: 7, limit: 7, remaining: 0 });
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(await a.manager.limits(who)).toEqual(refused.limits);
  });

  it('applies tier policies replaced at runtime, without a restart', async () => {
    const who = principal('changing', 't1', 'five');
    await a.app.get(TierPolicies).replace({ ...tiers, five: { maxConcurrent: 1, perHour: 1000 } });
    try {
      await a.manager.start(who, 'steps', { steps: 1 });
      await expect(a.manager.start(who, 'steps', { steps: 1 })).rejects.toMatchObject({
        limits: { concurrent: { used: 1, limit: 1, remaining: 0 } },
      });
      expect(() => a.app.get(TierPolicies).replace({ five: { maxConcurrent: 0 } })).toThrow(
        'tiers.five.maxConcurrent must be a positive integer',
      );
      expect(a.app.get(TierPolicies).for(who).maxConcurrent).toBe(1); // an invalid replacement changed nothing
    } finally {
      a.app.get(TierPolicies).replace({ ...tiers, ...UNLIMITED_TEST_TIER });
    }
  });

  it('does not limit an idempotent replay', async () => {
    const who = principal('replayer', 't1', 'five');
    const first = await a.manager.start(who, 'steps', { steps: 1 }, { idempotencyKey: 'k' });
    for (let i = 0; i < 4; i++) await a.manager.start(who, 'steps', { steps: 1 });
    await expect(a.manager.start(who, 'steps', { steps: 1 })).rejects.toBeInstanceOf(RateLimitedError);
    expect((await b.manager.start(who, 'steps', { steps: 1 }, { idempotencyKey: 'k' })).id).toBe(first.id);
  });

  it("reads the user's last hour once per start, for both of the hourly limit's answers: how many, and since when", async () => {
    // The admission's counts visit recent rows, never all-visible: each read of the hour costs a visit per start of it.
    const { rows } = await db.sql.query(`SELECT pg_get_functiondef('agents_admit_counted'::regproc) AS source`);
    expect(rows[0].source.split('id >= $13')).toHaveLength(2);
    const who = principal('one-hour-read', 't1', 'seven_an_hour');
    for (let i = 0; i < 7; i++) await (i % 2 ? a : b).manager.start(who, 'steps', { steps: 1 });
    const refused = await a.manager.start(who, 'steps', { steps: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).limits.hourly).toMatchObject({ used: 7, limit: 7, remaining: 0 });
    // Retry once the oldest start of the hour leaves it: about an hour from now.
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThan(3500);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(3600);
  });

  it("counts at most 256 of its tenant's queued executions for a start's priority, however long the backlog", async () => {
    // A backlog of 300 already queued (rows alone: no job is needed for the count).
    await db.sql.query(
      `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input)
       SELECT gen_random_uuid(), 'backlog', 'earlier', 'steps', 'pending', 'agents-default', '{}' FROM generate_series(1, 300)`,
    );
    const started = await a.manager.start(principal('later', 'backlog'), 'steps', { steps: 1 });
    const queue = a.app.get<Queue>(getQueueToken(QueueName.Default), { strict: false });
    expect((await queue.getJob(`${started.id}-0`))!.opts.priority).toBe(257);
    // Another tenant's start still goes ahead of it.
    const other = await a.manager.start(principal('first', 'small-tenant'), 'steps', { steps: 1 });
    expect((await queue.getJob(`${other.id}-0`))!.opts.priority).toBe(1);
  });

  it("does not let one tenant's burst of 1,000 starve another tenant's single execution", async () => {
    const burst = principal('burst', 'tenant-a');
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => a.manager.start(burst, 'steps', { steps: 1 })));
    }
    const single = await b.manager.start(principal('single', 'tenant-b'), 'steps', { steps: 1 });
    // A worker node comes up with all 1,001 queued: record the order in which executions start.
    const worker = await startTestApp({
      transport,
      db,
      queuePrefix,
      providers: [StepsAgent],
      options: { workers: { concurrency: { 'agents-default': 10 } } },
    });
    const order: string[] = [];
    worker.events.subscribe((e) => e.name === ExecutionEventName.StatusChanged && e.status === 'running' && order.push(e.executionId));
    try {
      await waitForStatus(worker, db, single.id, ['completed'], 90_000);
      // Bound: tenant B's execution starts among the first 2 × concurrency admissions (here: 20), not after 1,000.
      expect(order.indexOf(single.id)).toBeGreaterThanOrEqual(0);
      expect(order.indexOf(single.id)).toBeLessThan(20);
    } finally {
      await worker.close();
    }
  });
});
