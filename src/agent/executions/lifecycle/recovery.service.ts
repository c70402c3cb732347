import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import { EventTriggerService } from './event-trigger.service.js';
import { ExecutionSettlement } from './execution-settlement.js';

/**
 * Running executions whose runner stopped heartbeating go back to `pending` (their checkpoint is
 * the last committed step: every execution has one, so none has to fail) and get a job again;
 * pending executions whose job may have been lost (a crash between commit and enqueue) get theirs
 * again too. Job ids derive from the lease epoch, so a job that still exists is not duplicated.
 */
const RECOVER_SQL = `
WITH stuck AS (
  UPDATE agent_executions SET status = 'pending', lease_owner = NULL, updated_at = now()
  WHERE status = 'running' AND lease_heartbeat_at < now() - make_interval(secs => $1::double precision / 1000)
  RETURNING id, queue, lease_epoch, step_count
), logged AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT id, step_count, 'warning', 'recovered', 'Runner stopped heartbeating; back to pending from the last committed step', '{"status": "pending"}'::jsonb
  FROM stuck
)
SELECT id, queue, lease_epoch, true AS was_running FROM stuck
UNION ALL
SELECT id, queue, lease_epoch, false FROM agent_executions
WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1::double precision / 1000)`;

export interface RecoveryReport {
  /** Running executions with a stale heartbeat, moved back to pending. */
  recovered: string[];
  /** Pending executions whose job was enqueued again. */
  requeued: string[];
  /** Executions parked on an event that was already in their inbox (a crash right after parking). */
  woken: string[];
  /** Ended executions whose consequences (conversation, pipeline, parent, children) were still owed. */
  settled: string[];
}

/** A wait whose event came first and was not consumed: the runner died between parking and checking. */
const MISSED_INBOX_SQL = `
SELECT DISTINCT e.id, e.awaiting_event FROM agent_executions e
JOIN agent_event_inbox i ON i.execution_id = e.id AND i.event_type = e.awaiting_event
WHERE e.status = 'awaiting_event' AND i.consumed_at IS NULL AND i.expires_at > now()`;

@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly queue: ExecutionQueue,
    private readonly triggers: EventTriggerService,
    private readonly settlement: ExecutionSettlement,
  ) {
    this.pool = database.pool;
  }

  async recoverStuck(timeoutMs: number): Promise<RecoveryReport> {
    const { rows } = await this.pool.query<{ id: string; queue: string; lease_epoch: number; was_running: boolean }>(RECOVER_SQL, [timeoutMs]);
    for (const row of rows) await this.queue.enqueue(row.id, row.queue as QueueName, { epoch: row.lease_epoch });
    const woken: string[] = [];
    const missed = await this.pool.query<{ id: string; awaiting_event: string }>(MISSED_INBOX_SQL);
    for (const row of missed.rows) if (await this.triggers.wakeFromInbox(row.id, row.awaiting_event)) woken.push(row.id);
    const settled = await this.settlement.sweep();
    const report = { recovered: rows.filter((r) => r.was_running).map((r) => r.id), requeued: rows.filter((r) => !r.was_running).map((r) => r.id), woken, settled };
    if (rows.length + woken.length + settled.length > 0) {
      this.logger.warn(
        `Recovered ${report.recovered.length} stuck, re-enqueued ${report.requeued.length} pending, woke ${woken.length} parked, settled ${settled.length} ended executions`,
      );
    }
    return report;
  }
}
