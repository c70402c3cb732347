import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedInfrastructureOptions } from '../infrastructure/infrastructure.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import { PUBSUB, type PubSub } from '../infrastructure/pubsub.js';
import { ALL_QUEUES } from '../infrastructure/queue-names.js';
import { WorkspaceService } from '../workspaces/workspace.service.js';

/** Each dependency answers within this, or counts as down (a hung connection is an outage too). */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * What this node needs to do its work: PostgreSQL (the truth), the queue backend (jobs), and the
 * notifier (instant signals and live events). Terminus answers 503 when one is down. The sandbox
 * is reported too (which isolation the `bash` tool has, or why it is refused) without failing
 * the check: a node that cannot run commands still runs every agent that does not.
 */
@Injectable()
export class AgentHealth {
  private readonly pool: SqlPool;
  private readonly channel: string;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly queues: ExecutionQueue,
    @Inject(PUBSUB) private readonly pubsub: PubSub,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedInfrastructureOptions,
    private readonly workspaces: WorkspaceService,
  ) {
    this.pool = database.pool;
    this.channel = `${options.queuePrefix}_health`;
  }

  /** Throws terminus's `ServiceUnavailableException` (503, with the report) when something is down. */
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await this.pool.query('SELECT 1');
          })
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('queue')
          .attempt(async () => {
            await this.queues.queue(ALL_QUEUES[0]).getJobCounts('waiting');
            return { transport: this.options.transport };
          })
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('notifier')
          .attempt(async () => {
            // NOTE: publishing may work while the subscriptions are down: live events would be lost.
            if (this.pubsub.state() === 'reconnecting') throw new Error('subscriptions reconnecting: live events and signals are delayed');
            await this.pubsub.publish(this.channel, 'ping');
            return { subscriptions: 'up' };
          })
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('sandbox')
          .attempt(async () => {
            const { enforcement, refusal } = await this.workspaces.sandbox();
            return { ...enforcement, bash: refusal ?? 'available' };
          })
          .withTimeout(CHECK_TIMEOUT_MS),
    ]);
  }
}
