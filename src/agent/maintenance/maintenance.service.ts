import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedMaintenanceOptions } from './maintenance.options.js';
import type { ResolvedExecutionOptions } from '../executions/executions.options.js';
import type { ResolvedWebhookOptions } from '../webhooks/webhook.options.js';
import type { ResolvedWorkspaceOptions } from '../workspaces/workspace.options.js';
import { ExecutionRetention } from '../executions/lifecycle/execution-retention.js';
import { RecoveryService } from '../executions/lifecycle/recovery.service.js';
import { WorkspaceService } from '../workspaces/workspace.service.js';
import { WaitExpiry } from '../executions/lifecycle/wait-expiry.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { InvalidMaintenanceRequestError } from './maintenance.errors.js';
import { EXPIRED_WAITS_SQL, DELETE_OLD_DELIVERIES_SQL } from './maintenance.sql.js';
import { MaintenanceLock } from './maintenance-lock.js';
import { MaintenanceJob, reportCounts, type CleanupReport, type RecoverStuckReport, type SkippedReport } from './maintenance-report.js';

/** Executions per delete (each takes its logs, messages and signals along). */
const EXECUTION_BATCH = 500;
const LOG_BATCH = 10_000;
const WAIT_BATCH = 200;
const NO_ID = '00000000-0000-0000-0000-000000000000';

type WaitStatus = 'awaiting_input' | 'awaiting_event';

export interface RecoverStuckRequest {
  /** Heartbeat age past which a running execution is stuck (default `maintenance.recoverStuckAfterSeconds`). */
  afterSeconds?: number;
}

export interface CleanupRequest {
  /** Default `maintenance.executionRetentionDays`. */
  executionRetentionDays?: number;
  /** Default `maintenance.logRetentionDays`. */
  logRetentionDays?: number;
}

/**
 * The maintenance jobs (SPEC §14), called by the crons and by the CLI. Each run holds the job's
 * advisory lock: when another node runs the same job, this one does nothing and says so.
 * @example
 * const report = await app.get(MaintenanceService).cleanup({ executionRetentionDays: 90 });
 * if (!report.skipped) console.log(`${report.executionsDeleted} executions deleted`);
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('AgentMaintenance');
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS)
    private readonly options: ResolvedMaintenanceOptions & ResolvedExecutionOptions & ResolvedWebhookOptions & ResolvedWorkspaceOptions,
    private readonly lock: MaintenanceLock,
    private readonly recovery: RecoveryService,
    private readonly retention: ExecutionRetention,
    private readonly waits: WaitExpiry,
    private readonly workspaces: WorkspaceService,
  ) {
    this.pool = database.pool;
  }

  /** Running executions with a stale heartbeat go back to `pending` (and get a job); long-pending ones get their job again. */
  async recoverStuck(request: RecoverStuckRequest = {}): Promise<RecoverStuckReport | SkippedReport> {
    const afterSeconds = request.afterSeconds ?? this.options.maintenance.recoverStuckAfterSeconds;
    requirePositiveInteger('afterSeconds', afterSeconds);
    if (afterSeconds * 1000 < this.options.lease.timeoutMs) {
      throw new InvalidMaintenanceRequestError(
        `A stuck threshold of ${afterSeconds} s is below the lease timeout (${this.options.lease.timeoutMs / 1000} s): it would take executions from live workers`,
      );
    }
    return this.exclusive(MaintenanceJob.RecoverStuck, async (startedAt): Promise<RecoverStuckReport> => {
      const { recovered, requeued, settled } = await this.recovery.recoverStuck(afterSeconds * 1000);
      return {
        job: MaintenanceJob.RecoverStuck,
        skipped: false,
        afterSeconds,
        recovered: recovered.length,
        requeued: requeued.length,
        settled: settled.length,
        durationMs: Date.now() - startedAt,
      };
    });
  }

  /**
   * Deletes terminal executions past the retention (with their logs, messages and signals), then
   * old logs of the executions that remain, then fails waits past their deadline (a safety net:
   * each wait's own delayed job normally ends it on time).
   */
  async cleanup(request: CleanupRequest = {}): Promise<CleanupReport | SkippedReport> {
    const executionRetentionDays = request.executionRetentionDays ?? this.options.maintenance.executionRetentionDays;
    const logRetentionDays = request.logRetentionDays ?? this.options.maintenance.logRetentionDays;
    requirePositiveInteger('executionRetentionDays', executionRetentionDays);
    requirePositiveInteger('logRetentionDays', logRetentionDays);
    return this.exclusive(MaintenanceJob.Cleanup, async (startedAt): Promise<CleanupReport> => {
      const executionsDeleted = await inBatches(EXECUTION_BATCH, (n) => this.retention.deleteFinishedBefore(executionRetentionDays, n));
      const logsDeleted = await inBatches(LOG_BATCH, (n) => this.retention.deleteLogsBefore(logRetentionDays, n));
      const waitsExpired = await this.expireWaits();
      const inboxEventsDeleted = await inBatches(LOG_BATCH, (n) => this.retention.deleteSpentInboxEvents(n));
      const deliveriesDeleted = await inBatches(LOG_BATCH, (n) => this.deleteOldDeliveries(n));
      // NOTE: one node runs this: workspaces must be on storage every worker shares (as takeovers need anyway).
      const { removed: workspacesRemoved } = await this.workspaces.removeExpired();
      return {
        job: MaintenanceJob.Cleanup,
        skipped: false,
        executionRetentionDays,
        logRetentionDays,
        executionsDeleted,
        logsDeleted,
        inputWaitsExpired: waitsExpired.awaiting_input,
        eventWaitsExpired: waitsExpired.awaiting_event,
        inboxEventsDeleted,
        deliveriesDeleted,
        workspacesRemoved,
        workspaceRetentionDays: this.options.workspaces.cleanupAfterDays,
        durationMs: Date.now() - startedAt,
      };
    });
  }

  /**
   * Waits past their deadline fail with `awaiting_input_timeout` / `awaiting_event_timeout`,
   * through the same guarded, epoch-pinned transition as the wait's own delayed job: whichever
   * comes first wins, the other finds the execution moved on.
   */
  private async expireWaits(): Promise<Record<WaitStatus, number>> {
    const expired: Record<WaitStatus, number> = { awaiting_input: 0, awaiting_event: 0 };
    let after = NO_ID;
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; status: WaitStatus; lease_epoch: number }>(EXPIRED_WAITS_SQL, [
        this.options.lifecycle.inputTimeoutSeconds,
        after,
        WAIT_BATCH,
      ]);
      for (const row of rows) {
        if (await this.waits.expire(row.id, row.status, row.lease_epoch)) expired[row.status]++;
      }
      if (rows.length < WAIT_BATCH) return expired;
      after = rows[rows.length - 1].id;
    }
  }

  private async deleteOldDeliveries(batch: number): Promise<number> {
    const { rowCount } = await this.pool.query(DELETE_OLD_DELIVERIES_SQL, [this.options.webhooks.toleranceSeconds, batch]);
    return rowCount ?? 0;
  }

  private async exclusive<R extends RecoverStuckReport | CleanupReport>(
    job: MaintenanceJob,
    work: (startedAt: number) => Promise<R>,
  ): Promise<R | SkippedReport> {
    const run = await this.lock.runExclusive(job, () => work(Date.now()));
    if (!run.acquired) {
      this.logger.debug(`${job}: skipped, another instance holds its lock`);
      return { job, skipped: true, reason: 'locked' };
    }
    const report = run.result;
    const counts = Object.entries(reportCounts(report));
    const summary = `${job}: ${counts.map(([name, n]) => `${name}=${n}`).join(' ')} (${report.durationMs} ms)`;
    if (counts.some(([, n]) => n > 0)) this.logger.log(summary);
    else this.logger.debug(summary);
    return report;
  }
}

/** Repeats a bounded delete until a batch comes back short. */
async function inBatches(batch: number, deleteBatch: (batch: number) => Promise<number>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const count = await deleteBatch(batch);
    deleted += count;
    if (count < batch) return deleted;
  }
}

function requirePositiveInteger(name: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) <= 0)
    throw new InvalidMaintenanceRequestError(`${name} must be a positive integer (got ${JSON.stringify(value)})`);
}
