import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import { EventTriggerService } from './event-trigger.service.js';
import { ExecutionSettlement } from './execution-settlement.js';
import { MISSED_INBOX_SQL, RECOVER_SQL } from './recovery.sql.js';
import { ConcurrencyKeys } from './concurrency-keys.js';

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

@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly queue: ExecutionQueue,
    private readonly triggers: EventTriggerService,
    private readonly settlement: ExecutionSettlement,
    private readonly concurrencyKeys: ConcurrencyKeys,
  ) {
    this.pool = database.pool;
  }

  async recoverStuck(timeoutMs: number): Promise<RecoveryReport> {
    const { rows } = await this.pool.query<{ id: string; queue: string; lease_epoch: number; was_running: boolean }>(RECOVER_SQL, [
      timeoutMs,
    ]);
    for (const row of rows) await this.queue.enqueue(row.id, row.queue as QueueName, { epoch: row.lease_epoch });
    const woken: string[] = [];
    const missed = await this.pool.query<{ id: string; awaiting_event: string }>(MISSED_INBOX_SQL);
    for (const row of missed.rows) if (await this.triggers.wakeFromInbox(row.id, row.awaiting_event)) woken.push(row.id);
    const settled = await this.settlement.sweep();
    // A keyed start that died between its admission and its release waits for no one: release what has room.
    await this.concurrencyKeys.releaseWaiting(timeoutMs / 1000);
    const report = {
      recovered: rows.filter((r) => r.was_running).map((r) => r.id),
      requeued: rows.filter((r) => !r.was_running).map((r) => r.id),
      woken,
      settled,
    };
    if (rows.length + woken.length + settled.length > 0) {
      this.logger.warn(
        `Recovered ${report.recovered.length} stuck, re-enqueued ${report.requeued.length} pending, woke ${woken.length} parked, settled ${settled.length} ended executions`,
      );
    }
    return report;
  }
}
