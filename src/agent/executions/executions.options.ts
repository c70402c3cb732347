import type { AgentDefinition, AgentLimits, RetryBackoff } from '../runtime/agent-definition.js';
import { isPositiveInt } from '../errors/option-checks.js';
import { ALL_QUEUES, type QueueName } from '../infrastructure/queue-names.js';

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
  /**
   * A worker that lacks an execution's agent version hands it back for another worker (a rolling
   * deploy: some nodes have the version, some not yet or no more); once no worker has run a step of
   * it for this long since the first miss, it fails with `agent_version_gone` (default 600 s; 0: at
   * the first miss).
   */
  versionGoneAfterSeconds?: number;
  /** How long a handed-back execution waits before its next job, so another worker may take it (default 2000 ms). */
  versionRetryDelayMs?: number;
}

/**
 * Group commit: steps of different executions that are ready while earlier commits are on their way
 * go to PostgreSQL together, in one statement (each row fenced on its own).
 */
export interface CommitOptions {
  /** Most commits in one statement (default 256). 1 turns group commit off. */
  maxBatch?: number;
  /**
   * Statements of a process on their way at once (default 2); the next batches form while they run,
   * and what waits when slots free is split over them (measured with 200 executions on two cores:
   * ~20% more steps/s than 1, as the statements run side by side and the runs of one go on meanwhile).
   * Step commits only: starts and leases go one statement at a time, in order (`inOrder`). Also the
   * most eager admissions (`workers.eagerStart`) on their way at once.
   */
  inFlight?: number;
}

export interface EventOptions {
  /** How long an event sent to one execution that is not waiting for it yet is kept (default 3600 s). */
  inboxTtlSeconds?: number;
  /**
   * A trigger that wakes many executions enqueues one job per batch of them (of one queue), which
   * takes their leases in one statement and runs them side by side. A batch holds at least this
   * many (default 100), more when a wake would otherwise have more batches than the queue's worker
   * concurrency (at most 1,000 a batch): see `wakeBatchSize()`.
   */
  wakeBatchSize?: number;
}

/** The kernel's part of `AgentModuleOptions`: the agents, how their executions run, wait and are read. */
export interface ExecutionOptions {
  /** Agent definitions given as objects (LLM agents). Custom agents are found through `@Agent()`. */
  agents?: AgentDefinition[];
  /** Defaults for every agent type that does not set its own. */
  defaults?: {
    limits?: Partial<AgentLimits>;
    chunkSize?: number;
    queue?: QueueName;
    /** Attempts after the first of a step that failed with a retryable error (default 3). */
    retries?: number;
    /** The wait between them (default 1 s doubling to at most 60 s, jittered). */
    retryBackoff?: Partial<RetryBackoff>;
  };
  lease?: LeaseOptions;
  lifecycle?: LifecycleOptions;
  commits?: CommitOptions;
  events?: EventOptions;
  api?: {
    /** Largest accepted `input` of a start, in bytes of JSON (default 256 KiB). */
    maxInputBytes?: number;
    /** Logs included with `GET /api/agents/:id` (default 50). */
    executionLogs?: number;
  };
}

export interface ResolvedExecutionOptions {
  agents: AgentDefinition[];
  defaults: { limits: AgentLimits; chunkSize: number; queue: QueueName; retries: number; retryBackoff: RetryBackoff };
  lease: Required<LeaseOptions>;
  lifecycle: Required<LifecycleOptions>;
  commits: Required<CommitOptions>;
  events: Required<EventOptions>;
  api: { maxInputBytes: number; executionLogs: number };
}

export const DEFAULT_LIMITS: AgentLimits = { maxSteps: 100, maxTokens: 1_000_000, timeoutSeconds: 3600 };

/** Everything the kernel reads but its event inbox (`resolveEventOptions`). */
export function resolveExecutionOptions(o: ExecutionOptions, problems: string[]): Omit<ResolvedExecutionOptions, 'events'> {
  const limits = { ...DEFAULT_LIMITS, ...o.defaults?.limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!isPositiveInt(value)) problems.push(`defaults.limits.${key} must be a positive integer`);
  }
  const chunkSize = o.defaults?.chunkSize ?? 25;
  if (!isPositiveInt(chunkSize)) problems.push('defaults.chunkSize must be a positive integer');
  const retries = o.defaults?.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) problems.push('defaults.retries must be an integer ≥ 0');
  const retryBackoff = { initialMs: 1000, maxMs: 60_000, ...o.defaults?.retryBackoff };
  if (!isPositiveInt(retryBackoff.initialMs)) problems.push('defaults.retryBackoff.initialMs must be a positive integer');
  if (!isPositiveInt(retryBackoff.maxMs) || retryBackoff.maxMs < retryBackoff.initialMs)
    problems.push('defaults.retryBackoff.maxMs must be a positive integer ≥ initialMs');
  const leaseTimeoutMs = o.lease?.timeoutMs ?? 30_000;
  if (!isPositiveInt(leaseTimeoutMs)) problems.push('lease.timeoutMs must be a positive integer');
  const defaultQueue = o.defaults?.queue ?? 'agents-default';
  if (!(ALL_QUEUES as readonly string[]).includes(defaultQueue)) problems.push(`defaults.queue must be one of ${ALL_QUEUES.join(', ')}`);

  const cancelGraceMs = o.lifecycle?.cancelGraceMs ?? 5000;
  if (!Number.isInteger(cancelGraceMs) || cancelGraceMs < 0) problems.push('lifecycle.cancelGraceMs must be an integer ≥ 0');
  const inputTimeoutSeconds = o.lifecycle?.inputTimeoutSeconds ?? 86_400;
  if (!isPositiveInt(inputTimeoutSeconds)) problems.push('lifecycle.inputTimeoutSeconds must be a positive integer');
  const versionGoneAfterSeconds = o.lifecycle?.versionGoneAfterSeconds ?? 600;
  if (!Number.isInteger(versionGoneAfterSeconds) || versionGoneAfterSeconds < 0) {
    problems.push('lifecycle.versionGoneAfterSeconds must be an integer ≥ 0');
  }
  const versionRetryDelayMs = o.lifecycle?.versionRetryDelayMs ?? 2000;
  if (!Number.isInteger(versionRetryDelayMs) || versionRetryDelayMs < 0)
    problems.push('lifecycle.versionRetryDelayMs must be an integer ≥ 0');

  const commits = { maxBatch: o.commits?.maxBatch ?? 256, inFlight: o.commits?.inFlight ?? 2 };
  if (!isPositiveInt(commits.maxBatch)) problems.push('commits.maxBatch must be a positive integer');
  if (!isPositiveInt(commits.inFlight)) problems.push('commits.inFlight must be a positive integer');

  return {
    agents: o.agents ?? [],
    defaults: { limits, chunkSize, queue: defaultQueue, retries, retryBackoff },
    lease: { timeoutMs: leaseTimeoutMs, heartbeatMs: o.lease?.heartbeatMs ?? Math.max(100, Math.floor(leaseTimeoutMs / 3)) },
    lifecycle: { cancelGraceMs, inputTimeoutSeconds, versionGoneAfterSeconds, versionRetryDelayMs },
    commits,
    api: { maxInputBytes: o.api?.maxInputBytes ?? 256 * 1024, executionLogs: o.api?.executionLogs ?? 50 },
  };
}

const DEFAULT_WAKE_BATCH_SIZE = 100;
const MAX_WAKE_BATCH_SIZE = 1000;

/**
 * How many of `woken` executions of one queue a wake job carries.
 *
 * NOTE: a job costs BullMQ ~0.07 ms (Redis) to ~0.6 ms (PostgreSQL) of queue work and a lease a
 * commit; a batch pays both once. But a batch holds one of a worker's `concurrency` slots until
 * its last run ends, so batches beyond the slots wait for whole earlier batches to finish before
 * their leases are even taken (10,000 woken at 100 a job on 60 slots: half running at 0.7 s, the
 * last at 6.3 s). So a wake has at most `concurrency` batches (every lease taken in the first
 * round; with several workers they spread over them), and batches of at least `minimum` (fewer,
 * cheaper jobs for small wakes). A batch's runs are mostly waiting (a model call, a commit), so a
 * worker running many of them at once is bounded by its pool and its model, not its CPU; the cap
 * keeps one lease statement's row set reasonable.
 */
export function wakeBatchSize(woken: number, concurrency: number, minimum: number): number {
  return Math.min(MAX_WAKE_BATCH_SIZE, Math.max(minimum, Math.ceil(woken / Math.max(1, concurrency))));
}

export function resolveEventOptions(input: EventOptions | undefined, problems: string[]): Pick<ResolvedExecutionOptions, 'events'> {
  const inboxTtlSeconds = input?.inboxTtlSeconds ?? 3600;
  if (!isPositiveInt(inboxTtlSeconds)) problems.push('events.inboxTtlSeconds must be a positive integer');
  const wakeBatchSize = input?.wakeBatchSize ?? DEFAULT_WAKE_BATCH_SIZE;
  if (!isPositiveInt(wakeBatchSize) || wakeBatchSize > MAX_WAKE_BATCH_SIZE) {
    problems.push(`events.wakeBatchSize must be an integer from 1 to ${MAX_WAKE_BATCH_SIZE}`);
  }
  return { events: { inboxTtlSeconds, wakeBatchSize } };
}
