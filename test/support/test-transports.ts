import type { RedisOptions, Transport } from '../../src/agent/index.js';
import { startRedisCluster, type RedisCluster } from './redis-cluster.js';

/** The transports a suite about the transport runs on: `redis-cluster` is `redis` on a Redis Cluster. */
export type TestTransport = Transport | 'redis-cluster';

/** Each of them, for `describe.each`. */
export const TEST_TRANSPORTS: TestTransport[] = ['redis', 'postgres', 'redis-cluster'];

/** What a suite on a test transport connects to. */
export interface TransportServers {
  /** The library's `transport`. */
  transport: Transport;
  /** The library's `redis` option; `undefined`: the shared server (`startTestApp`'s default). */
  redis: RedisOptions | undefined;
  /** The example app's environment beside `exampleEnv`'s (`REDIS_CLUSTER_NODES`). */
  env: Record<string, string>;
  cluster: RedisCluster | null;
  stop(): Promise<void>;
}

/**
 * The servers of `transport`: the machine's own PostgreSQL and Redis, and for `redis-cluster` a
 * 3-master Redis Cluster of the suite's own on free ports, which `stop()` ends.
 */
export async function startTransport(transport: TestTransport): Promise<TransportServers> {
  if (transport !== 'redis-cluster') return { transport, redis: undefined, env: {}, cluster: null, stop: async () => undefined };
  const cluster = await startRedisCluster();
  return { transport: 'redis', redis: cluster.options, env: cluster.env, cluster, stop: () => cluster.stop() };
}
