/** The scheduled maintenance jobs (SPEC §14); each runs on one node at a time. */
export const MaintenanceJob = {
  RecoverStuck: 'recover-stuck',
  Cleanup: 'cleanup',
} as const;
export type MaintenanceJob = (typeof MaintenanceJob)[keyof typeof MaintenanceJob];

export interface RecoverStuckReport {
  job: typeof MaintenanceJob.RecoverStuck;
  skipped: false;
  /** The heartbeat age past which a running execution counted as stuck. */
  afterSeconds: number;
  /** Running executions whose runner stopped heartbeating, moved back to `pending` from their checkpoint. */
  recovered: number;
  /** Pending executions that had waited that long, whose job was enqueued again (it may have been lost). */
  requeued: number;
  /** Ended executions whose consequences (conversation turn, pipeline advance, parent wake-up) were still owed, now applied. */
  settled: number;
  durationMs: number;
}

export interface CleanupReport {
  job: typeof MaintenanceJob.Cleanup;
  skipped: false;
  executionRetentionDays: number;
  logRetentionDays: number;
  /** Completed, failed and cancelled executions deleted (their logs, messages and signals went with them). */
  executionsDeleted: number;
  /** Logs older than the log retention, of executions that are kept. */
  logsDeleted: number;
  /** Executions still `awaiting_input` past their deadline, now `failed` with `awaiting_input_timeout`. */
  inputWaitsExpired: number;
  /** Executions still `awaiting_event` past their `awaiting_until`, now `failed` with `awaiting_event_timeout`. */
  eventWaitsExpired: number;
  /** Inbox events consumed or past their TTL. */
  inboxEventsDeleted: number;
  /** Webhook delivery ids too old to be replayed (their signatures have expired). */
  deliveriesDeleted: number;
  /** Workspaces unused for `workspaces.cleanupAfterDays`. */
  workspacesRemoved: number;
  workspaceRetentionDays: number;
  durationMs: number;
}

/** Another node (or another run on this one) held the job's lock: it did nothing. */
export interface SkippedReport {
  job: MaintenanceJob;
  skipped: true;
  reason: 'locked';
}

export type MaintenanceReport = RecoverStuckReport | CleanupReport | SkippedReport;

/** What a run did, count by count (for logs and summaries). */
export function reportCounts(report: RecoverStuckReport | CleanupReport): Record<string, number> {
  return report.job === MaintenanceJob.RecoverStuck
    ? { recovered: report.recovered, requeued: report.requeued, settled: report.settled }
    : {
        executionsDeleted: report.executionsDeleted,
        logsDeleted: report.logsDeleted,
        inputWaitsExpired: report.inputWaitsExpired,
        eventWaitsExpired: report.eventWaitsExpired,
        inboxEventsDeleted: report.inboxEventsDeleted,
        deliveriesDeleted: report.deliveriesDeleted,
        workspacesRemoved: report.workspacesRemoved,
      };
}
