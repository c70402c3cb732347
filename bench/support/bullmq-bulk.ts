import { Queue, Worker, createPostgresBackend, withBackend, type Job } from 'bullmq';
import type { Transport } from 'nestjs-agents';
import { deferred, within } from './deferred.js';
import { redisConnection } from './env.js';

export interface BulkFloorOptions {
  transport: Transport;
  databaseUrl: string;
  /** Redis key prefix, or PostgreSQL schema of the queue tables (the bench's own, removed with its database / keys). */
  namespace: string;
  /** Same worker concurrency as the library's on the bench queue. */
  concurrency: number;
  jobs: number;
  timeoutMs: number;
}

export interface BulkFloor {
  /** `addBulk` of every job, one call (what one job per woken execution costs). */
  addBulkMs: number;
  /** From the `addBulk` call until the processor was invoked for the last job. */
  allStartedMs: number;
  /** From the `addBulk` call until the processor was invoked for the first job. */
  firstStartedMs: number;
}

/**
 * BullMQ alone on a backend: one `addBulk` of `jobs` jobs (with the library's job options) →
 * a worker of the same concurrency has invoked its (empty) processor for every one of them. The
 * floor under "a trigger wakes N executions": the library cannot hand N executions to workers
 * faster than its queue hands them N jobs.
 */
export async function measureBullmqBulkFloor(o: BulkFloorOptions): Promise<BulkFloor> {
  const name = 'bench-bulk';
  let started = 0;
  let firstAt = 0;
  let lastAt = 0;
  const all = deferred<void>();
  const processor = async (_job: Job) => {
    const now = performance.now();
    if (started === 0) firstAt = now;
    started++;
    if (started === o.jobs) {
      lastAt = now;
      all.resolve();
    }
  };

  let queue: Queue;
  let worker: Worker;
  if (o.transport === 'postgres') {
    const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
    const connection = { connectionString: o.databaseUrl, schema: o.namespace, migrate: true, max: 10 };
    queue = new PgQueue(name, { connection }) as unknown as Queue;
    worker = new PgWorker(name, processor, { connection, concurrency: o.concurrency, autorun: false }) as unknown as Worker;
  } else {
    const connection = redisConnection();
    queue = new Queue(name, { connection, prefix: o.namespace });
    worker = new Worker(name, processor, { connection, prefix: o.namespace, concurrency: o.concurrency, autorun: false });
  }
  worker.on('error', (error) => process.stderr.write(`bulk floor worker: ${error.message}\n`));
  try {
    await queue.waitUntilReady();
    void worker.run().catch((error: Error) => process.stderr.write(`bulk floor worker stopped: ${error.message}\n`));
    await worker.waitUntilReady();
    // Warm: the same path once with a few jobs, so the measured run pays no first use.
    const warm = 20;
    const warmed = deferred<void>();
    let warmSeen = 0;
    const onCompleted = () => {
      if (++warmSeen === warm) warmed.resolve();
    };
    worker.on('completed', onCompleted);
    await queue.addBulk(
      Array.from({ length: warm }, (_, i) => ({ name: 'run', data: { executionId: `warm-${i}` }, opts: jobOptions(`warm-${i}`) })),
    );
    await within(warmed.promise, o.timeoutMs, 'the bulk floor warm-up');
    worker.off('completed', onCompleted);
    started = 0;

    const jobs = Array.from({ length: o.jobs }, (_, i) => ({
      name: 'run',
      data: { executionId: `bulk-${i}` },
      opts: jobOptions(`bulk-${i}`),
    }));
    const t0 = performance.now();
    await queue.addBulk(jobs);
    const added = performance.now();
    await within(all.promise, o.timeoutMs, `${o.jobs} bulk jobs to reach the processor`);
    return { addBulkMs: added - t0, allStartedMs: lastAt - t0, firstStartedMs: firstAt - t0 };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** The library's job options (ExecutionQueue): ids derived from the execution, removed on completion, retried. */
const jobOptions = (jobId: string) => ({
  jobId,
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
});
