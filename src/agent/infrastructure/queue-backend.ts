import { Queue, Worker, createPostgresBackend, withBackend, type Job, type QueueOptions, type WorkerOptions } from 'bullmq';
import type { ClientConfig } from 'pg';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { OpenConnections } from './open-connections.js';
import type { ExecutionJobName, QueueName } from './queue-names.js';

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
   * Once the queues and workers are closed: resolves when every PostgreSQL connection they opened
   * has ended (their pools' `close()` resolves before that; see `OpenConnections`). Redis: at once.
   */
  connectionsEnded(): Promise<void>;
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
    const connection = {
      ...database,
      password: database.password as string | undefined,
      schema: options.queuePrefix,
      migrate: true,
      max: 10,
      onConnect: opened.track,
    };
    const workerOptions = (concurrency: number) => ({ concurrency, autorun: false, ...workerTiming(options) });
    return {
      workers: 'library',
      batchAdds: true,
      createQueue: (name) => new PgQueue<ExecutionJobData>(name, { connection }) as unknown as Queue<ExecutionJobData>,
      createWorker: (name, handler, concurrency) =>
        new PgWorker<ExecutionJobData>(name, handler, { connection, ...workerOptions(concurrency) }) as unknown as Worker<ExecutionJobData>,
      workerOptions,
      connectionsEnded: () => opened.ended(),
    };
  }
  const connection = redisConnection(options.redis!.url);
  const base = { connection, prefix: options.queuePrefix };
  const workerOptions = (concurrency: number) => ({ concurrency, autorun: false, ...workerTiming(options) });
  return {
    workers: 'bull-module',
    batchAdds: false,
    createQueue: (name) => new Queue<ExecutionJobData>(name, base as QueueOptions),
    createWorker: (name, handler, concurrency) =>
      new Worker<ExecutionJobData>(name, handler, { ...base, ...workerOptions(concurrency) } as WorkerOptions),
    workerOptions,
    connectionsEnded: async () => undefined,
  };
}

/** ioredis connection options for a redis:// URL; BullMQ workers need `maxRetriesPerRequest: null`. */
export function redisConnection(url: string) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // BullMQ workers block on Redis; retries must not give up.
    maxRetriesPerRequest: null,
  };
}
