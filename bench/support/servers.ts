import type { RedisOptions, Transport } from 'nestjs-agents';
import { startRedisCluster } from '../../test/support/redis-cluster.js';
import { redisUrl } from './env.js';

/** A library transport, or `redis-cluster`: the Redis transport on a Redis Cluster the bench starts. */
export type BenchTransport = Transport | 'redis-cluster';

/** What a bench transport runs on. */
export interface BenchServers {
  /** The library's `transport`. */
  transport: Transport;
  /** The library's `redis` option (with `redis`). */
  redis: RedisOptions | undefined;
  /** The shared Redis, whose keys of a run the bench removes at the end (a cluster of the bench's own goes away whole). */
  sharedRedis: boolean;
  stop(): Promise<void>;
}

/**
 * `redis` and `postgres`: the machine's servers (`BENCH_REDIS_URL`, `BENCH_DATABASE_URL`).
 * `redis-cluster`: a 3-master Redis Cluster started on free local ports (the tests' starter), stopped
 * at the end; PostgreSQL is the machine's.
 */
export async function startBenchServers(transport: BenchTransport, progress: (message: string) => void): Promise<BenchServers> {
  if (transport === 'postgres') return { transport, redis: undefined, sharedRedis: false, stop: async () => undefined };
  if (transport === 'redis') return { transport, redis: { url: redisUrl() }, sharedRedis: true, stop: async () => undefined };
  const cluster = await startRedisCluster();
  progress(`[${transport}] Redis Cluster of 3 masters on ${cluster.nodes.join(', ')}`);
  return { transport: 'redis', redis: cluster.options, sharedRedis: false, stop: () => cluster.stop() };
}
