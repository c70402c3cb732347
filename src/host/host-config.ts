import type { TierPolicyInput } from 'nestjs-agents';
import { readLlmConfig, type LlmConfig } from './llm-config.js';

/** The example app's contract with its operators: every variable it reads, validated once at boot. */
export interface HostConfig {
  port: number;
  /** `null`: start the embedded PostgreSQL. */
  databaseUrl: string | null;
  redisUrl: string | null;
  /** `REDIS_CLUSTER_NODES`: a Redis Cluster's nodes (redis:// URLs), instead of `REDIS_URL`. */
  redisClusterNodes: string[] | null;
  transport: 'redis' | 'postgres';
  jwtSecret: string;
  jwtSecretIsDefault: boolean;
  workers: boolean;
  /** Jobs each queue runs at once in this process (`AGENTS_WORKER_CONCURRENCY`; unset = the library's per-queue defaults). */
  workerConcurrency: number | null;
  /** Eager start (`AGENTS_EAGER_START`, default off): a start runs at once in a free worker slot of this process. */
  eagerStart: boolean;
  /** Run the maintenance crons in this process (`AGENTS_MAINTENANCE`, default on: they lock, so every replica may). */
  maintenance: boolean;
  queuePrefix: string;
  /** Tier policy overrides, from `AGENTS_TIERS` (JSON: `{"free":{"maxConcurrent":2}}`). */
  tiers: Record<string, TierPolicyInput>;
  /** Per-tenant webhook secrets, from `WEBHOOK_SECRETS=t1:secret1,t2:secret2`. */
  webhookSecrets: Record<string, string>;
  /** A runner silent this long loses its executions to another worker (`lease.timeoutMs`). */
  leaseTimeoutMs: number;
  /** The admin dashboard (`AGENTS_DASHBOARD` on/off, default on; `AGENTS_DASHBOARD_PATH`, default `/agents-dashboard`). */
  dashboard: { enabled: boolean; path: string };
  /** Apply pending migrations at boot (`AGENTS_MIGRATIONS`, default on; off when a `npm run migrate` step runs them once). */
  migrations: boolean;
  /** `LOG_FORMAT`: `text` (default) or `json`, one object per line with `execution_id` at the root where a line is about one. */
  logFormat: 'text' | 'json';
  /** Where executions' workspaces live (`AGENTS_WORKSPACES_DIR`, default `.data/workspaces` under the working directory). */
  workspacesDir: string;
  /** The model of `code-assistant` and the `summariser` subagent: the scripted offline model unless `LLM_PROVIDER` (or `LLM_BASE_URL`) says otherwise. */
  llm: LlmConfig;
}

export const DEV_JWT_SECRET = 'dev-only-secret-change-me';

export class InvalidEnvironmentError extends Error {}

export function readHostConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number (got '${env.PORT}')`);
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres://');
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must start with redis://');
  const redisClusterNodes = readClusterNodes(env.REDIS_CLUSTER_NODES, problems);
  if (redisUrl && redisClusterNodes) problems.push('REDIS_URL and REDIS_CLUSTER_NODES: set one (a server, or a Redis Cluster)');
  const transport = (env.AGENTS_TRANSPORT || (redisUrl || redisClusterNodes ? 'redis' : 'postgres')) as HostConfig['transport'];
  if (transport !== 'redis' && transport !== 'postgres')
    problems.push(`AGENTS_TRANSPORT must be 'redis' or 'postgres' (got '${env.AGENTS_TRANSPORT}')`);
  if (transport === 'redis' && !redisUrl && !redisClusterNodes)
    problems.push('AGENTS_TRANSPORT=redis needs REDIS_URL or REDIS_CLUSTER_NODES');
  const workersFlag = env.AGENTS_WORKERS ?? 'on';
  if (workersFlag !== 'on' && workersFlag !== 'off') problems.push(`AGENTS_WORKERS must be 'on' or 'off' (got '${workersFlag}')`);
  const workerConcurrency = env.AGENTS_WORKER_CONCURRENCY ? Number(env.AGENTS_WORKER_CONCURRENCY) : null;
  if (workerConcurrency !== null && (!Number.isInteger(workerConcurrency) || workerConcurrency < 1 || workerConcurrency > 1000))
    problems.push(`AGENTS_WORKER_CONCURRENCY must be an integer from 1 to 1000 (got '${env.AGENTS_WORKER_CONCURRENCY}')`);
  const eagerFlag = env.AGENTS_EAGER_START ?? 'off';
  if (eagerFlag !== 'on' && eagerFlag !== 'off') problems.push(`AGENTS_EAGER_START must be 'on' or 'off' (got '${eagerFlag}')`);
  const maintenanceFlag = env.AGENTS_MAINTENANCE ?? 'on';
  if (maintenanceFlag !== 'on' && maintenanceFlag !== 'off')
    problems.push(`AGENTS_MAINTENANCE must be 'on' or 'off' (got '${maintenanceFlag}')`);
  const queuePrefix = env.AGENTS_QUEUE_PREFIX ?? 'agents';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(queuePrefix)) problems.push('AGENTS_QUEUE_PREFIX must be lower-case letters, digits and _');
  const leaseTimeoutMs = Number(env.AGENTS_LEASE_TIMEOUT_MS ?? 30_000);
  if (!Number.isInteger(leaseTimeoutMs) || leaseTimeoutMs < 100)
    problems.push('AGENTS_LEASE_TIMEOUT_MS must be an integer ≥ 100 (milliseconds)');
  const webhookSecrets: Record<string, string> = {};
  for (const pair of (env.WEBHOOK_SECRETS ?? '').split(',').filter((p) => p.trim() !== '')) {
    const at = pair.indexOf(':');
    if (at <= 0 || at === pair.length - 1)
      problems.push(`WEBHOOK_SECRETS must be tenant:secret pairs separated by commas (bad entry '${pair.slice(0, 20)}')`);
    else webhookSecrets[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  let tiers: Record<string, TierPolicyInput> = {};
  try {
    tiers = env.AGENTS_TIERS ? (JSON.parse(env.AGENTS_TIERS) as Record<string, TierPolicyInput>) : {};
    if (typeof tiers !== 'object' || tiers === null || Array.isArray(tiers)) throw new Error('not an object');
  } catch {
    problems.push('AGENTS_TIERS must be a JSON object of tier policies, e.g. {"free":{"maxConcurrent":2}}');
  }
  const dashboardFlag = env.AGENTS_DASHBOARD ?? 'on';
  if (dashboardFlag !== 'on' && dashboardFlag !== 'off') problems.push(`AGENTS_DASHBOARD must be 'on' or 'off' (got '${dashboardFlag}')`);
  const dashboardPath = env.AGENTS_DASHBOARD_PATH || '/agents-dashboard';
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(dashboardPath))
    problems.push(`AGENTS_DASHBOARD_PATH must be a path such as /agents-dashboard (got '${dashboardPath}')`);
  const migrationsFlag = env.AGENTS_MIGRATIONS ?? 'on';
  if (migrationsFlag !== 'on' && migrationsFlag !== 'off')
    problems.push(`AGENTS_MIGRATIONS must be 'on' or 'off' (got '${migrationsFlag}')`);
  const logFormat = (env.LOG_FORMAT || 'text') as HostConfig['logFormat'];
  if (logFormat !== 'text' && logFormat !== 'json') problems.push(`LOG_FORMAT must be 'text' or 'json' (got '${logFormat}')`);
  const llm = readLlmConfig(env, problems);
  if (problems.length > 0) throw new InvalidEnvironmentError(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  return {
    port,
    databaseUrl,
    redisUrl,
    redisClusterNodes,
    transport,
    jwtSecret: env.JWT_SECRET || DEV_JWT_SECRET,
    jwtSecretIsDefault: !env.JWT_SECRET,
    workers: workersFlag === 'on',
    workerConcurrency,
    eagerStart: eagerFlag === 'on',
    maintenance: maintenanceFlag === 'on',
    queuePrefix,
    leaseTimeoutMs,
    webhookSecrets,
    tiers,
    dashboard: { enabled: dashboardFlag === 'on', path: dashboardPath },
    migrations: migrationsFlag === 'on',
    logFormat,
    workspacesDir: env.AGENTS_WORKSPACES_DIR || '.data/workspaces',
    llm,
  };
}

/**
 * `REDIS_CLUSTER_NODES=host:port,host:port` (or `redis://…` / `rediss://…` URLs, with the login):
 * some or all of a Redis Cluster's nodes, as redis:// URLs.
 */
function readClusterNodes(value: string | undefined, problems: string[]): string[] | null {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return null;
  const nodes = entries.map((entry) => (/^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`));
  if (nodes.some((node) => !URL.parse(node)?.hostname)) {
    problems.push('REDIS_CLUSTER_NODES must be host:port (or redis://host:port) entries separated by commas');
  }
  return nodes;
}
