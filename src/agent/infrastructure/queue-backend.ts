import { Queue, Worker, createPostgresBackend, withBackend, type Job, type QueueOptions, type WorkerOptions } from 'bullmq';
import type { ClientConfig } from 'pg';
import type { Cluster } from 'ioredis';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { asyncCommitting } from './async-commit.js';
import { OpenConnections } from './open-connections.js';
import type { ExecutionJobName, QueueName } from './queue-names.js';
import { openRedis, redisConnection } from './redis-connections.js';

/**
 * Jobs carry ids only: the row in PostgreSQL is the truth (DESIGN rule 1). A job either runs an
 * execution, runs a batch of executions one trigger woke (their leases taken in one statement), or
 * ends one particular wait (identified by the lease epoch it parked with) if it is still waiting.
 */
export type ExecutionJobData =
  | { executionId: string; kind?: typeof ExecutionJobName.Run }
  | { executionIds: string[]; kind: typeof ExecutionJobName.RunBatch }
  | { executionId: string; kind: typeof ExecutionJobName.ExpireWait; status: 'awaiting_input' | 'awaiting_event'; epoch: number };

/** The execution a job is about, for logs (a batch: its first and how many). */
export function jobSubject(data: ExecutionJobData | undefined): string | undefined {
  if (!data) return undefined;
  return 'executionIds' in data ? `${data.executionIds[0]} (+${data.executionIds.length - 1})` : data.executionId;
}

export type ExecutionJobHandler = (job: Job<ExecutionJobData>, token?: string) => Promise<void>;

/**
 * What the backend reads: the transport and the queues' namespace, and the lease timeout its job
 * locks follow (the kernel's option, named by shape: infrastructure knows no feature).
 */
export type QueueBackendOptions = Pick<ResolvedInfrastructureOptions, 'transport' | 'redis' | 'queuePrefix'> & {
  lease: { timeoutMs: number };
};

export interface QueueBackend {
  /**
   * Who makes this backend's workers. `bull-module`: `@nestjs/bullmq`'s explorer, from the library's
   * `@Processor` classes (BullMQ's own Redis classes). `library`: the library, through
   * `createWorker` (PostgreSQL: `@nestjs/bullmq` takes another worker class only process-wide,
   * which would move a host's own queues too; see ARCHITECTURE.md).
   */
  readonly workers: 'bull-module' | 'library';
  /**
   * Whether adds made while others are in flight should go together (`batchedAdds`). PostgreSQL:
   * yes, each add is a commit that NOTIFYs, and PostgreSQL serializes NOTIFYing commits (one
   * cluster-wide lock, held through the WAL flush), so concurrent starts queued behind each other's
   * flushes. Redis: no, ioredis already pipelines concurrent adds on one connection (measured: a
   * MULTI per batch added less than one command at a time).
   */
  readonly batchAdds: boolean;
  createQueue(name: QueueName): Queue<ExecutionJobData>;
  createWorker(name: QueueName, handler: ExecutionJobHandler, concurrency: number): Worker<ExecutionJobData>;
  /** A worker's options (concurrency, lock timing); started by the library once the app is up. */
  workerOptions(concurrency: number): Omit<WorkerOptions, 'connection'>;
  /**
   * Once the queues and workers are closed: closes what the backend holds beside them (the cluster
   * connection they share) and resolves when every connection they opened has ended (PostgreSQL:
   * their pools' `close()` resolves before that; see `OpenConnections`).
   */
  close(): Promise<void>;
}

/**
 * A job whose worker died is re-delivered once its lock expires; keeping the lock as long as a
 * lease means the re-delivered job finds a stale lease and takes the execution over. Checking for
 * stalled jobs four times per lease brings recovery close to the lease timeout (measured with a
 * check once per lease: 1.0–3.1× the timeout).
 */
const workerTiming = (options: QueueBackendOptions) => ({
  lockDuration: options.lease.timeoutMs,
  stalledInterval: Math.max(250, Math.floor(options.lease.timeoutMs / 4)),
  maxStalledCount: 10,
});

/**
 * THE switch between Redis and PostgreSQL for BullMQ. Nothing else in the library knows which
 * one runs the queues.
 */
export function createQueueBackend(options: QueueBackendOptions, database: ClientConfig): QueueBackend {
  if (options.transport === 'postgres') {
    const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
    const opened = new OpenConnections('queue backend');
    // NOTE: the queue tables live in their own schema (the prefix), migrated by BullMQ under its own lock.
    // NOTE: pg's config type allows a password function, BullMQ's structural copy of it does not; pg takes both.
    // NOTE: BullMQ hands the config to `pg.Pool` as it is, `onConnect` included (its LISTEN clients it ends and awaits itself).
    // NOTE: the job tables are hints (see `asyncCommitting`): a job's add, claim and finish wait for no
    // WAL flush; the step commits that follow on the library's pool flush the WAL for them.
    const connection = (max: number) => ({
      ...asyncCommitting(database),
      password: database.password as string | undefined,
      schema: options.queuePrefix,
      migrate: true,
      max,
      onConnect: opened.track,
    });
    // NOTE: every queue and worker holds a pool of its own (and a worker one LISTEN connection more).
    // A queue's adds go at most two batches at a time (`batchedAdds`): three connections serve it.
    // A worker's pool claims and finishes jobs, a chunk of steps each: five served 200 executions
    // at once and a 10,000-run wake as fast as ten did (step-overhead, awaken).
    const producer = connection(3);
    const consumer = connection(5);
    const workerOptions = (concurrency: number) => ({ concurrency, autorun: false, ...workerTiming(options) });
    return {
      workers: 'library',
      batchAdds: true,
      createQueue: (name) => new PgQueue<ExecutionJobData>(name, { connection: producer }) as unknown as Queue<ExecutionJobData>,
      createWorker: (name, handler, concurrency) =>
        new PgWorker<ExecutionJobData>(name, handler, {
          connection: consumer,
          ...workerOptions(concurrency),
        }) as unknown as Worker<ExecutionJobData>,
      workerOptions,
      close: () => opened.ended(),
    };
  }
  const redis = options.redis!;
  const workerOptions = (concurrency: number) => ({ concurrency, autorun: false, ...workerTiming(options) });
  // NOTE: on a cluster the queues share one connection (BullMQ leaves a given client open); a worker
  // duplicates it for itself (its own and its blocking connection), and closes those.
  const cluster = redis.cluster ? (openRedis(redis, { maxRetriesPerRequest: null }) as Cluster) : null;
  const base = (name: QueueName) => ({
    connection: cluster ?? redisConnection(redis.url!),
    prefix: queueKeyPrefix(options.queuePrefix, name, cluster !== null),
  });
  return {
    workers: 'bull-module',
    batchAdds: false,
    createQueue: (name) => new Queue<ExecutionJobData>(name, base(name) as QueueOptions),
    createWorker: (name, handler, concurrency) =>
      new Worker<ExecutionJobData>(name, handler, { ...base(name), ...workerOptions(concurrency) } as WorkerOptions),
    workerOptions,
    close: async () => {
      await cluster?.quit().catch(() => undefined);
    },
  };
}

/**
 * The BullMQ prefix of a queue's keys: `queuePrefix` on one server; on a Redis Cluster the hash tag
 * `{<queuePrefix>:<queue>}`, so every key of a queue hashes to one slot (BullMQ's scripts touch
 * several keys of their queue at once, which a cluster refuses across slots: CROSSSLOT) while the
 * queues spread over the masters (BullMQ's advice: a prefix per queue).
 */
export function queueKeyPrefix(queuePrefix: string, queue: QueueName, cluster: boolean): string {
  return cluster ? `{${queuePrefix}:${queue}}` : queuePrefix;
}
