import { Cluster, Redis, type RedisOptions as ConnectionOptions } from 'ioredis';
import type { RedisOptions } from './infrastructure.options.js';

/** ioredis connection options for a redis:// URL; BullMQ workers need `maxRetriesPerRequest: null`. */
export function redisConnection(url: string) {
  return {
    ...redisNode(url),
    // BullMQ workers block on Redis; retries must not give up.
    maxRetriesPerRequest: null,
  };
}

/** Where a redis:// or rediss:// URL points, and how to log in there. */
export function redisNode(url: string) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * A connection to the library's Redis: a `Redis` on one server (from its URL, as ever), a `Cluster`
 * on a Redis Cluster. On a cluster, `options` go to each node's connection, except `lazyConnect`
 * and `retryStrategy`, which are the cluster's own (`clusterRetryStrategy`: reconnecting once every
 * node is lost). The nodes share one scheme and one login (checked with the options).
 */
export function openRedis(target: RedisOptions, options: ConnectionOptions = {}): Redis | Cluster {
  if (target.cluster === undefined) return new Redis(target.url, options);
  const nodes = target.cluster.nodes.map(redisNode);
  const { username, password, tls } = nodes[0]!;
  const { lazyConnect, retryStrategy, ...nodeOptions } = options;
  return new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    { lazyConnect, clusterRetryStrategy: retryStrategy, redisOptions: { username, password, tls, ...nodeOptions } },
  );
}

/**
 * `promise`, or a rejection after `ms`. A Redis Cluster that lost every node keeps commands in its
 * offline queue with no time limit (`commandTimeout` only counts once a node has the command), so
 * a caller that must not wait longer than one server would make it wait bounds the wait itself.
 */
export function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
