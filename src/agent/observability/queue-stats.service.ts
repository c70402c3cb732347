import { Inject, Injectable } from '@nestjs/common';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import { ALL_QUEUES, type QueueName } from '../infrastructure/queue-names.js';

export interface QueueStats {
  queue: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Executions running on this queue right now, from the database (the truth). */
  running: number;
}

/** The queues as BullMQ sees them, beside what PostgreSQL says is running on each. */
@Injectable()
export class QueueStatsService {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly queues: ExecutionQueue,
  ) {
    this.pool = database.pool;
  }

  /** Queue depths are global (queues are shared); `running` is counted for the given tenant, or all. */
  async stats(tenantId: string | null): Promise<QueueStats[]> {
    const { rows } = await this.pool.query<{ queue: QueueName; n: number }>(
      `SELECT queue, count(*)::int AS n FROM agent_executions WHERE status = 'running' AND ($1::text IS NULL OR tenant_id = $1) GROUP BY queue`,
      [tenantId],
    );
    const running = new Map(rows.map((r) => [r.queue, r.n]));
    return Promise.all(
      ALL_QUEUES.map(async (queue) => {
        const counts = await this.queues.queue(queue).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        return {
          queue,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          running: running.get(queue) ?? 0,
        };
      }),
    );
  }
}
