import type { DataSource } from 'typeorm';
import { isPositiveInt } from '../errors/option-checks.js';
import { ALL_QUEUES, type QueueName } from './queue-names.js';

export type Transport = 'redis' | 'postgres';

export interface DatabaseOptions {
  /** `postgres://user:pass@host:port/db`: the library opens a DataSource (a pool) of its own. */
  url?: string;
  /**
   * Instead of `url`: a PostgreSQL DataSource of the host's (e.g. the one `TypeOrmModule`
   * provides, through `forRootAsync`'s `inject`), so one pool serves the app and the library.
   * Its entities must include `AGENT_ENTITIES`; the host keeps and closes it.
   */
  dataSource?: DataSource;
  /** Instead of `url`: the name of the host's `TypeOrmModule` connection to share (`'default'` for the unnamed one). */
  connectionName?: string;
  /** Connections in the library's own pool (default 10; not used with a host's DataSource). */
  poolSize?: number;
  /** Apply pending migrations at boot, under an advisory lock (default true). */
  runMigrations?: boolean;
  /** Log SQL (default false). */
  logging?: boolean;
}

export interface WorkerOptions {
  /** Run queue workers in this process (default true). `false` = API only. */
  enabled?: boolean;
  /** Jobs processed in parallel per queue. */
  concurrency?: Partial<Record<QueueName, number>>;
  /**
   * Eager start (default false): a start made in this process, while its queue's worker here has
   * a free slot, takes the execution's lease in the admission's own transaction and runs it at once
   * in that slot, with no queue hop and no lease commit of its own. The slot is borrowed from the
   * worker (it fetches one job less meanwhile), so the queue's concurrency still bounds the
   * process; one slot always stays with the queue.
   */
  eagerStart?: boolean;
}

/**
 * Where Redis is, for `transport: 'redis'`: one server (`url`), or a Redis Cluster (`cluster`).
 * On a cluster each queue's keys are hash-tagged into one slot; nothing else changes.
 */
export type RedisOptions =
  | {
      /** One server: `redis://[user:password@]host:port[/db]`, `rediss://` for TLS. */
      url: string;
      cluster?: never;
    }
  | {
      url?: never;
      /**
       * A Redis Cluster: `nodes` are some or all of its nodes (`redis://[user:password@]host:port`,
       * `rediss://` for TLS; the others are discovered), with the same scheme and credentials.
       */
      cluster: { nodes: string[] };
    };

/** The connections' part of `AgentModuleOptions`. */
export interface InfrastructureOptions {
  database: DatabaseOptions;
  /** Queue backend, notifier and locks: Redis, or PostgreSQL alone. */
  transport: Transport;
  /** Required with `transport: 'redis'`: a server's `url`, or a cluster's `nodes`. */
  redis?: RedisOptions;
  /** Namespaces the queues: the Redis key prefix, or the PostgreSQL schema of the queue tables (default `agents`). */
  queuePrefix?: string;
  workers?: WorkerOptions;
}

export interface ResolvedInfrastructureOptions {
  database: {
    url: string | null;
    dataSource: DataSource | null;
    connectionName: string | null;
    poolSize: number;
    runMigrations: boolean;
    logging: boolean;
  };
  transport: Transport;
  redis: RedisOptions | null;
  queuePrefix: string;
  workers: { enabled: boolean; concurrency: Record<QueueName, number>; eagerStart: boolean };
}

export const DEFAULT_CONCURRENCY: Record<QueueName, number> = {
  'agents-default': 10,
  'agents-long': 5,
  'agents-priority': 10,
};

/** Where the data is and what carries the queues: `database`, `transport`, `redis`. */
export function resolveConnectionOptions(
  o: Partial<InfrastructureOptions>,
  problems: string[],
): Pick<ResolvedInfrastructureOptions, 'database' | 'transport' | 'redis'> {
  const given = o.database as Record<string, unknown> | undefined;
  const databaseSources = ['url', 'dataSource', 'connectionName'].filter((key) => given?.[key] !== undefined);
  if (databaseSources.length > 1) {
    problems.push(`database takes one of url, dataSource and connectionName (got ${databaseSources.join(' and ')})`);
  } else if (o.database?.dataSource !== undefined) {
    const dataSource = o.database.dataSource as unknown;
    const getRepository = (dataSource as { getRepository?: unknown } | null)?.getRepository;
    if (typeof dataSource !== 'object' || dataSource === null || typeof getRepository !== 'function') {
      problems.push('database.dataSource must be a TypeORM DataSource');
    }
  } else if (o.database?.connectionName !== undefined) {
    if (typeof o.database.connectionName !== 'string' || o.database.connectionName === '') {
      problems.push("database.connectionName must be the name of a TypeOrmModule connection ('default' for the unnamed one)");
    }
  } else if (!o.database || typeof o.database.url !== 'string' || !/^postgres(ql)?:\/\//.test(o.database.url)) {
    problems.push('database.url must be a postgres:// connection string');
  }
  if (o.transport !== 'redis' && o.transport !== 'postgres') {
    problems.push(`transport must be 'redis' or 'postgres' (got ${JSON.stringify(o.transport)})`);
  }
  const redis = o.transport === 'redis' ? resolveRedisOptions(o.redis, problems) : null;
  return {
    database: {
      url: o.database?.url ?? null,
      dataSource: o.database?.dataSource ?? null,
      connectionName: o.database?.connectionName ?? null,
      poolSize: o.database?.poolSize ?? 10,
      runMigrations: o.database?.runMigrations ?? true,
      logging: o.database?.logging ?? false,
    },
    transport: o.transport!,
    redis,
  };
}

/** `redis`: a server's URL or a cluster's nodes, checked enough that ioredis is never handed something it reads differently. */
function resolveRedisOptions(given: RedisOptions | undefined, problems: string[]): RedisOptions | null {
  const redisUrl = (value: unknown): value is string => typeof value === 'string' && /^rediss?:\/\//.test(value);
  if (given?.url !== undefined && given.cluster !== undefined) {
    problems.push('redis takes url (one server) or cluster (a Redis Cluster), not both');
    return null;
  }
  if (given?.cluster === undefined) {
    if (redisUrl(given?.url)) return { url: given.url };
    problems.push("redis.url (redis://host:port) or redis.cluster.nodes is required with transport 'redis'");
    return null;
  }
  const nodes = (given.cluster as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    problems.push('redis.cluster.nodes must list the Redis Cluster nodes to start from (redis://host:port, at least one)');
    return null;
  }
  const count = problems.length;
  const seen: URL[] = [];
  nodes.forEach((node: unknown, i) => {
    // NOTE: the URL is not repeated in a problem: it may carry a password.
    const url = redisUrl(node) ? URL.parse(node) : null;
    if (!url || !url.hostname) problems.push(`redis.cluster.nodes[${i}] must be a redis://host:port or rediss://host:port URL`);
    else if (!/^\/?0?$/.test(url.pathname))
      problems.push(`redis.cluster.nodes[${i}]: a Redis Cluster has database 0 only (drop the /db path)`);
    else seen.push(url);
  });
  const same = (part: (u: URL) => string) => seen.every((u) => part(u) === part(seen[0]!));
  if (!same((u) => u.protocol) || !same((u) => `${u.username}:${u.password}`)) {
    problems.push('redis.cluster.nodes must share one scheme and one user and password (every node connection gets the same)');
  }
  return problems.length === count ? { cluster: { nodes: [...(nodes as string[])] } } : null;
}

/** The queues' namespace and this process's workers: `queuePrefix`, `workers`. */
export function resolveQueueOptions(
  o: Partial<InfrastructureOptions>,
  problems: string[],
): Pick<ResolvedInfrastructureOptions, 'queuePrefix' | 'workers'> {
  if (o.queuePrefix !== undefined && !/^[a-z_][a-z0-9_]{0,40}$/.test(o.queuePrefix)) {
    problems.push('queuePrefix must be lower-case letters, digits and _ (it names a Redis prefix or a PostgreSQL schema)');
  }
  for (const [queue, n] of Object.entries(o.workers?.concurrency ?? {})) {
    if (!(ALL_QUEUES as readonly string[]).includes(queue)) {
      problems.push(`workers.concurrency: unknown queue '${queue}' (queues: ${ALL_QUEUES.join(', ')})`);
    } else if (!isPositiveInt(n)) problems.push(`workers.concurrency.${queue} must be a positive integer`);
  }
  const eagerStart = o.workers?.eagerStart;
  if (eagerStart !== undefined && typeof eagerStart !== 'boolean') problems.push('workers.eagerStart must be a boolean');
  return {
    queuePrefix: o.queuePrefix ?? 'agents',
    workers: {
      enabled: o.workers?.enabled ?? true,
      concurrency: { ...DEFAULT_CONCURRENCY, ...o.workers?.concurrency },
      eagerStart: eagerStart === true,
    },
  };
}
