import { validateCronExpression } from 'cron';
import { isPositiveInt } from '../errors/option-checks.js';
import type { ResolvedExecutionOptions } from '../executions/executions.options.js';

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

export interface ResolvedMaintenanceOptions {
  maintenance: Required<MaintenanceOptions>;
}

/** Checked against the lease: recovery must not take executions from runners that are still alive. */
export function resolveMaintenanceOptions(
  input: MaintenanceOptions | undefined,
  lease: ResolvedExecutionOptions['lease'],
  problems: string[],
): ResolvedMaintenanceOptions {
  const maintenance = {
    enabled: input?.enabled ?? true,
    recoverStuckCron: input?.recoverStuckCron ?? '*/15 * * * *',
    recoverStuckAfterSeconds: input?.recoverStuckAfterSeconds ?? 1800,
    cleanupCron: input?.cleanupCron ?? '0 3 * * *',
    executionRetentionDays: input?.executionRetentionDays ?? 30,
    logRetentionDays: input?.logRetentionDays ?? 7,
  };
  if (typeof maintenance.enabled !== 'boolean') problems.push('maintenance.enabled must be a boolean');
  for (const key of ['recoverStuckCron', 'cleanupCron'] as const) {
    const expression = maintenance[key];
    if (typeof expression !== 'string' || !validateCronExpression(expression).valid) {
      problems.push(`maintenance.${key} must be a cron expression such as '*/15 * * * *' (got ${JSON.stringify(expression)})`);
    }
  }
  if (!isPositiveInt(maintenance.recoverStuckAfterSeconds)) {
    problems.push('maintenance.recoverStuckAfterSeconds must be a positive integer');
  } else if (isPositiveInt(lease.timeoutMs) && maintenance.recoverStuckAfterSeconds * 1000 < lease.timeoutMs) {
    problems.push(
      `maintenance.recoverStuckAfterSeconds must be at least the lease timeout (${lease.timeoutMs / 1000} s): ` +
        'a shorter one takes executions from live workers',
    );
  }
  for (const key of ['executionRetentionDays', 'logRetentionDays'] as const) {
    if (!isPositiveInt(maintenance[key])) problems.push(`maintenance.${key} must be a positive integer (days)`);
  }
  return { maintenance };
}
