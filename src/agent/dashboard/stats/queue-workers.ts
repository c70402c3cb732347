import { Injectable, Logger } from '@nestjs/common';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { QueueWorker } from './stats-views.js';

/**
 * The worker connections BullMQ reports on a queue (`Queue.getWorkers()`). On Redis, `CLIENT LIST`:
 * each worker's connection name, address, age and idle time. On PostgreSQL, BullMQ's backend lists
 * the sessions named after the queue's workers (`application_name` in `pg_stat_activity`): the name
 * only. A server that refuses the listing (a managed Redis without `CLIENT`) gives an empty list.
 */
@Injectable()
export class QueueWorkers {
  private readonly logger = new Logger('DashboardStats');
  private warned = false;

  constructor(private readonly queues: ExecutionQueue) {}

  async of(queue: QueueName): Promise<QueueWorker[]> {
    try {
      const clients = await this.queues.queue(queue).getWorkers();
      return clients.map((c) => ({ name: c.name ?? '', addr: c.addr ?? null, age_seconds: seconds(c.age), idle_seconds: seconds(c.idle) }));
    } catch (error) {
      if (!this.warned) this.logger.warn(`The queues' workers cannot be listed: ${(error as Error).message}`);
      this.warned = true;
      return [];
    }
  }
}

function seconds(value: string | undefined): number | null {
  const n = value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : null;
}
