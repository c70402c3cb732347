import type { DataSource } from 'typeorm';
import type { AgentDefinition, AgentLimits } from './runtime/agent-definition.js';
import { ALL_QUEUES, type QueueName } from './infrastructure/queue-names.js';
import type { PrincipalResolver } from './tenancy/principal.js';
import { validateCronExpression } from 'cron';
import { findTierProblems, mergeTiers, type TierPolicy, type TierPolicyInput } from './tenancy/tier-policy.js';
import { isAbsolute, resolve } from 'node:path';
import { ISOLATION_MODES, RETIRED_ISOLATION_MODES, type IsolationMode } from './workspaces/sandbox-environment.js';
import { DEFAULT_SANDBOX_UIDS, findSandboxUidProblems, type SandboxUidRange } from './workspaces/sandbox-identity.js';
import type { LanguageModel } from 'ai';
import type { SubagentSpec } from './runtime/subagent-spec.js';
import { findPricingProblems, type ModelPrice, type Pricing } from './billing/pricing.js';
import { BUDGET_EXCEEDED_ACTIONS, type BudgetExceededAction } from './billing/budget.js';
import { resolveHttpOptions, type GatewayCors, type HttpOptions, type ResolvedHttpOptions } from './http/http-options.js';

export type Transport = 'redis' | 'postgres';

export interface WorkspaceOptions {
  /**
   * Where workspaces live: `<baseDir>/<tenant>/<execution>` (default `.data/workspaces` under the
   * working directory). Workers that take over each other's executions must share it.
   */
  baseDir?: string;
  /** A workspace unused for this many days is removed by `WorkspaceService.removeExpired()` (default 7). */
  cleanupAfterDays?: number;
  /**
   * The `bash` tool's isolation. `auto` (default): bubblewrap when it works here, otherwise the
   * tool is refused (with the reason) and the boot log and `/health` say so. `bubblewrap`: the
   * boot fails without it. `unsafe-none`: commands run without namespaces (they see the host's
   * files, processes and network); only for machines where nothing else is possible and the
   * agents are trusted.
   */
  isolation?: IsolationMode;
  /**
   * Host uids for tenants' commands when the app runs as root (each tenant gets one, derived from
   * its id; default 1,500,000,000 … +1,000,000). Pick a range no one else on the host uses.
   */
  sandboxUids?: SandboxUidRange;
}

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
}

export interface LeaseOptions {
  /** A running execution whose heartbeat is older than this may be taken over (default 30 s). */
  timeoutMs?: number;
  /** Heartbeat interval during a long step (default a third of the timeout). */
  heartbeatMs?: number;
}

export interface LifecycleOptions {
  /** How long a cancelled running step may still run before it is force-killed (default 5000 ms). */
  cancelGraceMs?: number;
  /** An execution awaiting input longer than this fails with `awaiting_input_timeout` (default 24 h). */
  inputTimeoutSeconds?: number;
}

export interface RealtimeOptions {
  /**
   * Signs the short-lived tokens of `GET /api/agents/realtime-token`. Every API node must share
   * it; without one, each process makes its own and tokens only work on the node that issued them.
   */
  tokenSecret?: string;
  /** Lifetime of a realtime token (default 300 s): it is only checked at the socket handshake. */
  tokenTtlSeconds?: number;
  /** Subscribes per socket per 10 s before they are refused (default 30). */
  subscribeLimit?: number;
  /** The gateway's Socket.IO namespace (default `/agents`). */
  namespace?: string;
  /** Socket.IO's CORS settings for it (default `{ origin: true }`: any origin; sockets authenticate at the handshake). */
  cors?: GatewayCors;
}

export interface EventOptions {
  /** How long an event sent to one execution that is not waiting for it yet is kept (default 3600 s). */
  inboxTtlSeconds?: number;
}

export interface HostEventOptions {
  /**
   * Emit the `agent.*` events (`AgentEvent`) on the app's `EventEmitter2` when it imports
   * `EventEmitterModule` (default true). A process where this is on receives every event of every
   * execution, whichever process ran it; switch it off where no listener should run (e.g. worker
   * processes). At most once per process: see the README.
   */
  enabled?: boolean;
}

export interface WebhookOptions {
  /**
   * HMAC secret per tenant for `POST /webhooks/agent-trigger`: a map, or a function (e.g. a
   * lookup in the host app's store). No secret for a tenant = its webhooks are refused.
   */
  secrets?: Record<string, string> | ((tenantId: string) => string | null | undefined | Promise<string | null | undefined>);
  /** Timestamps further than this from now are refused (default 300 s). */
  toleranceSeconds?: number;
}

export interface MaintenanceOptions {
  /**
   * Run the maintenance crons in this process (default true). Safe on every replica: a run takes
   * a PostgreSQL advisory lock, and a node that does not get it skips that run.
   */
  enabled?: boolean;
  /** When to recover stuck executions: a cron expression, server time (default every 15 minutes). */
  recoverStuckCron?: string;
  /** A running execution whose heartbeat is older than this is stuck (default 1800 s; at least the lease timeout). */
  recoverStuckAfterSeconds?: number;
  /** When to clean up: a cron expression, server time (default daily at 03:00). */
  cleanupCron?: string;
  /** Completed, failed and cancelled executions older than this are deleted with their logs, messages and signals (default 30). */
  executionRetentionDays?: number;
  /** Logs older than this are deleted, also those of executions that are kept (default 7). */
  logRetentionDays?: number;
}

/** A message for a conversation whose turn is still running: refused (409) or run after it. */
export type BusyConversationPolicy = 'reject' | 'enqueue';
export const BUSY_CONVERSATION_POLICIES: readonly BusyConversationPolicy[] = ['reject', 'enqueue'];

export interface ConversationOptions {
  /** One turn runs at a time per conversation; a message sent meanwhile is `reject`ed (default) or `enqueue`d. */
  whenBusy?: BusyConversationPolicy;
}

export interface PipelineOptions {
  /** Most stages in one pipeline, counting a parallel group as one (default 20). */
  maxStages?: number;
  /** Most members of one parallel group (default 10). */
  maxParallel?: number;
}

export interface SubagentOptions {
  /** The subagents agents may spawn. */
  specs?: SubagentSpec[];
  /** The model of specs that name none. */
  model?: LanguageModel | (() => LanguageModel);
  /** How deep spawning may go: a root execution is depth 0, its children 1 (default 2). */
  maxDepth?: number;
  /** A child's output reaches its parent cut to this many characters (default 2000). */
  summaryMaxChars?: number;
}

export interface ObservabilityOptions {
  /** Where Prometheus scrapes (default `/metrics`); `false` serves nothing (the metrics stay in prom-client's default registry; `AgentMetrics.render()` gives the text). */
  metricsPath?: string | false;
  /** The health check (database, queue backend, notifier; 503 when one is down); default `/health`, `false` = none. */
  healthPath?: string | false;
}

export interface DashboardOptions {
  /** Serve the admin dashboard (default false). Admins only; see the README's security section. */
  enabled?: boolean;
  /** Where the page is served (default `/agents-dashboard`); bull-board is under `<path>/queues`. */
  path?: string;
}

export interface BillingOptions {
  /** USD per 1K tokens by model id. */
  pricing?: Record<string, ModelPrice>;
  /** The price of a model the table does not name (default 0.003 in, 0.015 out per 1K). */
  unknownModelPrice?: ModelPrice;
  /** A running execution whose next step would pass a budget: `fail` (default, `budget_exceeded`) or `pause` (resumable once the budget is raised). */
  onBudgetExceeded?: BudgetExceededAction;
}

export interface AgentModuleOptions {
  database: DatabaseOptions;
  /** Queue backend, notifier and locks: Redis, or PostgreSQL alone. */
  transport: Transport;
  /** Required with `transport: 'redis'`. */
  redis?: { url: string };
  /** Namespaces the queues: the Redis key prefix, or the PostgreSQL schema of the queue tables (default `agents`). */
  queuePrefix?: string;
  workers?: WorkerOptions;
  /** Agent definitions given as objects (LLM agents). Custom agents are found through `@Agent()`. */
  agents?: AgentDefinition[];
  /** Defaults for every agent type that does not set its own. */
  defaults?: { limits?: Partial<AgentLimits>; chunkSize?: number; queue?: QueueName };
  /** The host app's authentication (see `Principal`). */
  resolvePrincipal: PrincipalResolver;
  lease?: LeaseOptions;
  lifecycle?: LifecycleOptions;
  realtime?: RealtimeOptions;
  /** Scheduled recovery of stuck executions and cleanup of old rows (SPEC §14). */
  maintenance?: MaintenanceOptions;
  events?: EventOptions;
  /** `@OnEvent('agent.execution.completed')` and friends, through `@nestjs/event-emitter`. */
  hostEvents?: HostEventOptions;
  webhooks?: WebhookOptions;
  /** Policies per subscription tier, merged over the defaults (free, pro, enterprise: SPEC §8). */
  tiers?: Record<string, TierPolicyInput>;
  /** The tier of principals whose tier is unknown (default `free`). */
  defaultTier?: string;
  /** Per-execution workspaces and the sandboxed `bash` tool (SPEC §13). */
  workspaces?: WorkspaceOptions;
  /** SPEC §9. */
  conversations?: ConversationOptions;
  /** SPEC §10. */
  pipelines?: PipelineOptions;
  /** SPEC §11. */
  subagents?: SubagentOptions;
  /** Usage records, pricing and budgets (SPEC §12). */
  billing?: BillingOptions;
  /** Metrics and health endpoints (SPEC §15); spans go to the host's OpenTelemetry SDK, if it installs one. */
  observability?: ObservabilityOptions;
  /** The admin dashboard page and bull-board (SPEC §16); off unless enabled. */
  dashboard?: DashboardOptions;
  /** Where the routes are mounted, and which (see `AgentRouteGroup`). */
  http?: HttpOptions;
  api?: {
    /** Largest accepted `input` of a start, in bytes of JSON (default 256 KiB). */
    maxInputBytes?: number;
    /** Logs included with `GET /api/agents/:id` (default 50). */
    executionLogs?: number;
  };
}

/** The options with every default filled in: the only shape services see. */
export interface ResolvedAgentOptions {
  database: { url: string | null; dataSource: DataSource | null; connectionName: string | null; poolSize: number; runMigrations: boolean; logging: boolean };
  transport: Transport;
  redis: { url: string } | null;
  queuePrefix: string;
  workers: { enabled: boolean; concurrency: Record<QueueName, number> };
  agents: AgentDefinition[];
  defaults: { limits: AgentLimits; chunkSize: number; queue: QueueName };
  resolvePrincipal: PrincipalResolver;
  lease: Required<LeaseOptions>;
  lifecycle: Required<LifecycleOptions>;
  realtime: { tokenSecret: string | null; tokenTtlSeconds: number; subscribeLimit: number; namespace: string; cors: GatewayCors };
  http: ResolvedHttpOptions;
  maintenance: Required<MaintenanceOptions>;
  tiers: Record<string, TierPolicy>;
  defaultTier: string;
  workspaces: Required<WorkspaceOptions>;
  events: Required<EventOptions>;
  hostEvents: Required<HostEventOptions>;
  webhooks: { secretFor: (tenantId: string) => Promise<string | null>; toleranceSeconds: number };
  api: { maxInputBytes: number; executionLogs: number };
  conversations: Required<ConversationOptions>;
  pipelines: Required<PipelineOptions>;
  subagents: { specs: SubagentSpec[]; model: SubagentOptions['model'] | null; maxDepth: number; summaryMaxChars: number };
  observability: Required<ObservabilityOptions>;
  dashboard: Required<DashboardOptions>;
  billing: { pricing: Pricing; onBudgetExceeded: BudgetExceededAction };
}

export const DEFAULT_LIMITS: AgentLimits = { maxSteps: 100, maxTokens: 1_000_000, timeoutSeconds: 3600 };
export const DEFAULT_CONCURRENCY: Record<QueueName, number> = {
  'agents-default': 10,
  'agents-long': 5,
  'agents-priority': 10,
};

export class InvalidAgentOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`AgentModule options are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidAgentOptionsError';
  }
}

const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** Merges the defaults (the one place they live) and validates; throws listing every problem. */
export function resolveAgentOptions(options: AgentModuleOptions): ResolvedAgentOptions {
  const problems: string[] = [];
  const o = (options ?? {}) as Partial<AgentModuleOptions>;

  const databaseSources = ['url', 'dataSource', 'connectionName'].filter((key) => (o.database as Record<string, unknown> | undefined)?.[key] !== undefined);
  if (databaseSources.length > 1) problems.push(`database takes one of url, dataSource and connectionName (got ${databaseSources.join(' and ')})`);
  else if (o.database?.dataSource !== undefined) {
    if (typeof o.database.dataSource !== 'object' || o.database.dataSource === null || typeof (o.database.dataSource as { getRepository?: unknown }).getRepository !== 'function') problems.push('database.dataSource must be a TypeORM DataSource');
  } else if (o.database?.connectionName !== undefined) {
    if (typeof o.database.connectionName !== 'string' || o.database.connectionName === '') problems.push("database.connectionName must be the name of a TypeOrmModule connection ('default' for the unnamed one)");
  } else if (!o.database || typeof o.database.url !== 'string' || !/^postgres(ql)?:\/\//.test(o.database.url)) {
    problems.push('database.url must be a postgres:// connection string');
  }
  if (o.transport !== 'redis' && o.transport !== 'postgres') {
    problems.push(`transport must be 'redis' or 'postgres' (got ${JSON.stringify(o.transport)})`);
  }
  if (o.transport === 'redis' && !(o.redis && /^rediss?:\/\//.test(o.redis.url ?? ''))) {
    problems.push("redis.url (redis://host:port) is required with transport 'redis'");
  }
  if (typeof o.resolvePrincipal !== 'function') {
    problems.push('resolvePrincipal must be a function (request) => Principal | null');
  }
  if (o.queuePrefix !== undefined && !/^[a-z_][a-z0-9_]{0,40}$/.test(o.queuePrefix)) {
    problems.push('queuePrefix must be lower-case letters, digits and _ (it names a Redis prefix or a PostgreSQL schema)');
  }
  for (const [queue, n] of Object.entries(o.workers?.concurrency ?? {})) {
    if (!(ALL_QUEUES as readonly string[]).includes(queue)) problems.push(`workers.concurrency: unknown queue '${queue}' (queues: ${ALL_QUEUES.join(', ')})`);
    else if (!isPositiveInt(n)) problems.push(`workers.concurrency.${queue} must be a positive integer`);
  }
  const limits = { ...DEFAULT_LIMITS, ...o.defaults?.limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!isPositiveInt(value)) problems.push(`defaults.limits.${key} must be a positive integer`);
  }
  const chunkSize = o.defaults?.chunkSize ?? 25;
  if (!isPositiveInt(chunkSize)) problems.push('defaults.chunkSize must be a positive integer');
  const leaseTimeoutMs = o.lease?.timeoutMs ?? 30_000;
  if (!isPositiveInt(leaseTimeoutMs)) problems.push('lease.timeoutMs must be a positive integer');
  const defaultQueue = o.defaults?.queue ?? 'agents-default';
  if (!(ALL_QUEUES as readonly string[]).includes(defaultQueue)) problems.push(`defaults.queue must be one of ${ALL_QUEUES.join(', ')}`);

  const cancelGraceMs = o.lifecycle?.cancelGraceMs ?? 5000;
  if (!Number.isInteger(cancelGraceMs) || cancelGraceMs < 0) problems.push('lifecycle.cancelGraceMs must be an integer ≥ 0');
  const inputTimeoutSeconds = o.lifecycle?.inputTimeoutSeconds ?? 86_400;
  if (!isPositiveInt(inputTimeoutSeconds)) problems.push('lifecycle.inputTimeoutSeconds must be a positive integer');

  const tokenSecret = o.realtime?.tokenSecret ?? null;
  if (tokenSecret !== null && (typeof tokenSecret !== 'string' || tokenSecret.length < 16)) problems.push('realtime.tokenSecret must be a string of at least 16 characters');
  const tokenTtlSeconds = o.realtime?.tokenTtlSeconds ?? 300;
  if (!isPositiveInt(tokenTtlSeconds)) problems.push('realtime.tokenTtlSeconds must be a positive integer');
  const subscribeLimit = o.realtime?.subscribeLimit ?? 30;
  if (!isPositiveInt(subscribeLimit)) problems.push('realtime.subscribeLimit must be a positive integer');
  const namespace = o.realtime?.namespace ?? '/agents';
  if (typeof namespace !== 'string' || !/^\/[A-Za-z0-9_/-]*$/.test(namespace)) problems.push("realtime.namespace must be a Socket.IO namespace such as '/agents'");
  const http = resolveHttpOptions(o.http, problems);

  const tiers = mergeTiers(o.tiers);
  problems.push(...findTierProblems(tiers, ALL_QUEUES));
  const defaultTier = o.defaultTier ?? 'free';
  if (!(defaultTier in tiers)) problems.push(`defaultTier '${defaultTier}' is not a tier (tiers: ${Object.keys(tiers).join(', ')})`);

  const inboxTtlSeconds = o.events?.inboxTtlSeconds ?? 3600;
  if (!isPositiveInt(inboxTtlSeconds)) problems.push('events.inboxTtlSeconds must be a positive integer');
  const hostEvents = { enabled: o.hostEvents?.enabled ?? true };
  if (typeof hostEvents.enabled !== 'boolean') problems.push('hostEvents.enabled must be a boolean');
  const toleranceSeconds = o.webhooks?.toleranceSeconds ?? 300;
  if (!isPositiveInt(toleranceSeconds)) problems.push('webhooks.toleranceSeconds must be a positive integer');
  const secrets = o.webhooks?.secrets ?? {};
  if (typeof secrets !== 'function' && (typeof secrets !== 'object' || Object.values(secrets).some((v) => typeof v !== 'string' || v.length === 0))) {
    problems.push('webhooks.secrets must map tenant ids to non-empty strings, or be a function');
  }

  const maintenance = {
    enabled: o.maintenance?.enabled ?? true,
    recoverStuckCron: o.maintenance?.recoverStuckCron ?? '*/15 * * * *',
    recoverStuckAfterSeconds: o.maintenance?.recoverStuckAfterSeconds ?? 1800,
    cleanupCron: o.maintenance?.cleanupCron ?? '0 3 * * *',
    executionRetentionDays: o.maintenance?.executionRetentionDays ?? 30,
    logRetentionDays: o.maintenance?.logRetentionDays ?? 7,
  };
  if (typeof maintenance.enabled !== 'boolean') problems.push('maintenance.enabled must be a boolean');
  for (const key of ['recoverStuckCron', 'cleanupCron'] as const) {
    const expression = maintenance[key];
    if (typeof expression !== 'string' || !validateCronExpression(expression).valid) {
      problems.push(`maintenance.${key} must be a cron expression such as '*/15 * * * *' (got ${JSON.stringify(expression)})`);
    }
  }
  if (!isPositiveInt(maintenance.recoverStuckAfterSeconds)) problems.push('maintenance.recoverStuckAfterSeconds must be a positive integer');
  else if (isPositiveInt(leaseTimeoutMs) && maintenance.recoverStuckAfterSeconds * 1000 < leaseTimeoutMs) {
    problems.push(`maintenance.recoverStuckAfterSeconds must be at least the lease timeout (${leaseTimeoutMs / 1000} s): a shorter one takes executions from live workers`);
  }
  for (const key of ['executionRetentionDays', 'logRetentionDays'] as const) {
    if (!isPositiveInt(maintenance[key])) problems.push(`maintenance.${key} must be a positive integer (days)`);
  }

  const workspaces = {
    baseDir: o.workspaces?.baseDir ?? '.data/workspaces',
    cleanupAfterDays: o.workspaces?.cleanupAfterDays ?? 7,
    isolation: o.workspaces?.isolation ?? 'auto',
    sandboxUids: o.workspaces?.sandboxUids ?? DEFAULT_SANDBOX_UIDS,
  };
  if (typeof workspaces.baseDir !== 'string' || workspaces.baseDir.trim() === '') problems.push('workspaces.baseDir must be a directory path');
  else workspaces.baseDir = isAbsolute(workspaces.baseDir) ? workspaces.baseDir : resolve(workspaces.baseDir);
  if (!isPositiveInt(workspaces.cleanupAfterDays)) problems.push('workspaces.cleanupAfterDays must be a positive integer (days)');
  if (!ISOLATION_MODES.includes(workspaces.isolation)) {
    problems.push(`workspaces.isolation must be one of ${ISOLATION_MODES.join(', ')}${RETIRED_ISOLATION_MODES[workspaces.isolation] ? ` (${RETIRED_ISOLATION_MODES[workspaces.isolation]})` : ''}`);
  }
  problems.push(...findSandboxUidProblems(workspaces.sandboxUids));

  const conversations = { whenBusy: o.conversations?.whenBusy ?? 'reject' };
  if (!BUSY_CONVERSATION_POLICIES.includes(conversations.whenBusy)) problems.push(`conversations.whenBusy must be one of ${BUSY_CONVERSATION_POLICIES.join(', ')}`);
  const pipelines = { maxStages: o.pipelines?.maxStages ?? 20, maxParallel: o.pipelines?.maxParallel ?? 10 };
  for (const key of ['maxStages', 'maxParallel'] as const) if (!isPositiveInt(pipelines[key])) problems.push(`pipelines.${key} must be a positive integer`);
  const subagents = {
    specs: o.subagents?.specs ?? [],
    model: o.subagents?.model ?? null,
    maxDepth: o.subagents?.maxDepth ?? 2,
    summaryMaxChars: o.subagents?.summaryMaxChars ?? 2000,
  };
  problems.push(...findSubagentProblems(subagents.specs, subagents.model !== null));
  if (!isPositiveInt(subagents.maxDepth)) problems.push('subagents.maxDepth must be a positive integer');
  if (!isPositiveInt(subagents.summaryMaxChars)) problems.push('subagents.summaryMaxChars must be a positive integer');

  const observability = { metricsPath: o.observability?.metricsPath ?? '/metrics', healthPath: o.observability?.healthPath ?? '/health' };
  for (const key of ['metricsPath', 'healthPath'] as const) {
    const path = observability[key];
    if (path !== false && (typeof path !== 'string' || !/^\/[A-Za-z0-9/_.-]*$/.test(path))) problems.push(`observability.${key} must be a path such as '/${key === 'metricsPath' ? 'metrics' : 'health'}', or false`);
  }

  const billing = {
    pricing: { models: o.billing?.pricing ?? {}, unknownModel: o.billing?.unknownModelPrice ?? { inputPer1k: 0.003, outputPer1k: 0.015 } },
    onBudgetExceeded: o.billing?.onBudgetExceeded ?? 'fail',
  };
  problems.push(...findPricingProblems(billing.pricing));
  if (!BUDGET_EXCEEDED_ACTIONS.includes(billing.onBudgetExceeded)) problems.push(`billing.onBudgetExceeded must be one of ${BUDGET_EXCEEDED_ACTIONS.join(', ')}`);

  const dashboard = { enabled: o.dashboard?.enabled ?? false, path: o.dashboard?.path ?? '/agents-dashboard' };
  if (typeof dashboard.enabled !== 'boolean') problems.push('dashboard.enabled must be a boolean');
  if (typeof dashboard.path !== 'string' || !/^(\/[A-Za-z0-9_.-]+)+$/.test(dashboard.path) || /^\/(api|socket\.io)(\/|$)/.test(dashboard.path)) {
    problems.push("dashboard.path must be a path such as '/agents-dashboard' (no trailing slash, not under /api or /socket.io)");
  }

  if (problems.length > 0) throw new InvalidAgentOptionsError(problems);

  return {
    database: {
      url: o.database!.url ?? null,
      dataSource: o.database!.dataSource ?? null,
      connectionName: o.database!.connectionName ?? null,
      poolSize: o.database!.poolSize ?? 10,
      runMigrations: o.database!.runMigrations ?? true,
      logging: o.database!.logging ?? false,
    },
    transport: o.transport!,
    redis: o.transport === 'redis' ? o.redis! : null,
    queuePrefix: o.queuePrefix ?? 'agents',
    workers: {
      enabled: o.workers?.enabled ?? true,
      concurrency: { ...DEFAULT_CONCURRENCY, ...o.workers?.concurrency },
    },
    agents: o.agents ?? [],
    defaults: { limits, chunkSize, queue: defaultQueue },
    resolvePrincipal: o.resolvePrincipal!,
    lease: { timeoutMs: leaseTimeoutMs, heartbeatMs: o.lease?.heartbeatMs ?? Math.max(100, Math.floor(leaseTimeoutMs / 3)) },
    lifecycle: { cancelGraceMs, inputTimeoutSeconds },
    realtime: { tokenSecret, tokenTtlSeconds, subscribeLimit, namespace, cors: o.realtime?.cors ?? { origin: true } },
    http,
    maintenance,
    tiers,
    defaultTier,
    workspaces,
    events: { inboxTtlSeconds },
    hostEvents,
    webhooks: {
      secretFor: async (tenantId) =>
        (typeof secrets === 'function' ? await secrets(tenantId) : Object.hasOwn(secrets, tenantId) ? secrets[tenantId] : null) ?? null,
      toleranceSeconds,
    },
    conversations,
    pipelines,
    subagents,
    observability,
    dashboard,
    billing,
    api: { maxInputBytes: o.api?.maxInputBytes ?? 256 * 1024, executionLogs: o.api?.executionLogs ?? 50 },
  };
}

function findSubagentProblems(specs: unknown, hasDefaultModel: boolean): string[] {
  if (!Array.isArray(specs)) return ['subagents.specs must be an array'];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, spec] of (specs as Partial<SubagentSpec>[]).entries()) {
    const where = `subagents.specs[${i}]`;
    // NOTE: 55, so that its agent type `subagent.<name>` fits the registry's 64 characters.
    if (typeof spec?.name !== 'string' || !/^[A-Za-z0-9_-]{1,55}$/.test(spec.name)) problems.push(`${where}.name must be 1–55 letters, digits, - or _`);
    else if (seen.has(spec.name)) problems.push(`${where}.name '${spec.name}' is given twice`);
    else seen.add(spec.name);
    if (typeof spec?.description !== 'string' || spec.description.trim() === '') problems.push(`${where}.description must be a non-empty string`);
    if (typeof spec?.systemPrompt !== 'string' || spec.systemPrompt.trim() === '') problems.push(`${where}.systemPrompt must be a non-empty string`);
    if (!spec?.model && !hasDefaultModel) problems.push(`${where} has no model and subagents.model is not set`);
  }
  const names = new Set((specs as Partial<SubagentSpec>[]).map((s) => s?.name));
  for (const [i, spec] of (specs as Partial<SubagentSpec>[]).entries()) {
    const allowed = spec?.subagents;
    if (Array.isArray(allowed)) for (const name of allowed) if (!names.has(name)) problems.push(`subagents.specs[${i}].subagents names '${String(name)}', which is not a spec`);
  }
  return problems;
}
