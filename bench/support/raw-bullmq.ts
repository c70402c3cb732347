import { Queue, Worker, createPostgresBackend, withBackend, type Job } from 'bullmq';
import { Redis, type Cluster } from 'ioredis';
import type { RedisOptions, Transport } from 'nestjs-agents';
import { openRedis } from '../../src/agent/infrastructure/redis-connections.js';
import { deferred, within, type Deferred } from './deferred.js';
import { redisConnection } from './env.js';

export interface RawBullmqOptions {
  transport: Transport;
  /** With `redis`: a cluster's nodes instead of the shared server (the prefix is then hash-tagged, as the library's). */
  redis?: RedisOptions;
  databaseUrl: string;
  /** Redis key prefix, or PostgreSQL schema of the queue tables. */
  namespace: string;
  /** Same as the library's worker on the bench queue, so both poll alike. */
  concurrency: number;
  runs: number;
  warmup: number;
}

/**
 * BullMQ's own latency on a backend: `queue.add` → processor invoked, sequentially, with the
 * library's job options. The figure the library's start → first step is compared to.
 */
export async function measureBullmqAddToProcess(o: RawBullmqOptions): Promise<number[]> {
  const name = 'bench-raw';
  const arrivals = new Map<string, Deferred<number>>();
  const arrival = (id: string) => {
    let d = arrivals.get(id);
    if (!d) arrivals.set(id, (d = deferred<number>()));
    return d;
  };
  const processor = async (job: Job) => {
    arrival(job.id!).resolve(performance.now());
  };

  let queue: Queue;
  let worker: Worker;
  let cluster: Cluster | null = null;
  if (o.transport === 'postgres') {
    const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
    const connection = { connectionString: o.databaseUrl, schema: o.namespace, migrate: true };
    queue = new PgQueue(name, { connection }) as unknown as Queue;
    worker = new PgWorker(name, processor, { connection, concurrency: o.concurrency }) as unknown as Worker;
  } else if (o.redis?.cluster) {
    cluster = openRedis(o.redis, { maxRetriesPerRequest: null }) as Cluster;
    const prefix = `{${o.namespace}}`;
    queue = new Queue(name, { connection: cluster, prefix });
    worker = new Worker(name, processor, { connection: cluster, prefix, concurrency: o.concurrency });
  } else {
    const connection = redisConnection();
    queue = new Queue(name, { connection, prefix: o.namespace });
    worker = new Worker(name, processor, { connection, prefix: o.namespace, concurrency: o.concurrency });
  }
  worker.on('error', (error) => process.stderr.write(`raw BullMQ worker: ${error.message}\n`));
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    const samples: number[] = [];
    for (let i = 0; i < o.warmup + o.runs; i++) {
      const jobId = `raw-${i}`;
      const t0 = performance.now();
      await queue.add(
        'run',
        { executionId: jobId },
        { jobId, removeOnComplete: true, removeOnFail: { count: 1000 }, attempts: 5, backoff: { type: 'exponential', delay: 500 } },
      );
      const t1 = await within(arrival(jobId).promise, 60_000, `raw BullMQ job ${jobId}`);
      arrivals.delete(jobId);
      if (i >= o.warmup) samples.push(t1 - t0);
    }
    return samples;
  } finally {
    await worker.close();
    if (o.transport === 'redis') await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await cluster?.quit();
  }
}

/** Removes every Redis key under a prefix (the library's queues, after the app closed). */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(redisConnection());
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
