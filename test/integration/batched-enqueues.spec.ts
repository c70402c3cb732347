import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../src/agent/infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../../src/agent/infrastructure/execution-queue.js';
import { QueueName } from '../../src/agent/infrastructure/queue-names.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const TOGETHER = 20;
const id = (i: number) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;

describe('enqueues on the postgres transport', () => {
  let db: TestDatabase;
  let api: TestApp;
  const queuePrefix = uniquePrefix();

  beforeAll(async () => {
    db = await createTestDatabase({ connections: 'many' });
    api = await startTestApp({ transport: 'postgres', db, queuePrefix, providers: [StepsAgent], options: { workers: { enabled: false } } });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** The jobs in BullMQ's table: `xmin` is the transaction that inserted each. */
  const jobs = async (ids: string[]) =>
    (
      await db.sql.query<{ id: string; priority: number; xmin: string }>(
        `SELECT id, priority, xmin::text FROM ${queuePrefix}.job WHERE queue = $1 AND id = ANY($2) ORDER BY id`,
        [QueueName.Default, ids],
      )
    ).rows;

  it('sends enqueues made while others are in flight together: one commit (and one NOTIFY) for many jobs, each as asked', async () => {
    const queue = api.app.get(ExecutionQueue);
    const asked = Array.from({ length: TOGETHER }, (_, i) => ({ jobId: `${id(i)}-0`, priority: i + 1 }));
    await Promise.all(asked.map((_, i) => queue.enqueue(id(i), QueueName.Default, { epoch: 0, priority: i + 1 })));
    const rows = await jobs(asked.map((a) => a.jobId));
    expect(rows.map((r) => ({ jobId: r.id, priority: r.priority }))).toEqual(asked);
    // The first adds go at once, alone; the rest wait for them and go in one statement.
    expect(new Set(rows.map((r) => r.xmin)).size).toBeLessThan(TOGETHER / 2);
  });

  it('keeps an enqueue of a job that exists a no-op, alone or in a batch', async () => {
    const queue = api.app.get(ExecutionQueue);
    await queue.enqueue(id(100), QueueName.Default, { epoch: 0, priority: 7 });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => queue.enqueue(id(100 + (i % 3)), QueueName.Default, { epoch: 0, priority: 1 + (i % 3) })),
    );
    expect((await jobs([id(100), id(101), id(102)].map((x) => `${x}-0`))).map((r) => [r.id, r.priority])).toEqual([
      [`${id(100)}-0`, 7],
      [`${id(101)}-0`, 2],
      [`${id(102)}-0`, 3],
    ]);
  });

  it("commits the job tables without waiting for the WAL flush (jobs are hints), and the library's own statements with it", async () => {
    const queue = api.app.get<Queue>(getQueueToken(QueueName.Default));
    // NOTE: BullMQ's PostgreSQL backend keeps its pool on the queue's backend connection.
    const jobsPool = (queue as unknown as { backend: { connection: { pool: pg.Pool } } }).backend.connection.pool;
    const setting = async (pool: { query: pg.Pool['query'] }) =>
      ((await pool.query('SHOW synchronous_commit')) as { rows: { synchronous_commit: string }[] }).rows[0]!.synchronous_commit;
    expect(await setting(jobsPool)).toBe('off');
    expect(await setting(api.app.get<AgentsDatabase>(AGENTS_DATABASE).pool)).toBe('on');
  });

  it('runs executions started together (their jobs batched where the adds overlapped) on a worker node', async () => {
    const worker = await startTestApp({ transport: 'postgres', db, queuePrefix, providers: [StepsAgent] });
    try {
      const started = await Promise.all(
        Array.from({ length: TOGETHER }, (_, i) => api.manager.start(principal(`u${i}`), 'steps', { steps: 2 })),
      );
      const ends = await Promise.all(started.map((e) => waitForStatus(worker, db, e.id, ['completed', 'failed'])));
      expect(ends.map((e) => e.status)).toEqual(started.map(() => 'completed'));
    } finally {
      await worker.close();
    }
  });
});
