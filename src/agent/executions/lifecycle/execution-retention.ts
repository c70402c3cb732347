import { Inject, Injectable } from '@nestjs/common';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { TERMINAL_STATUSES } from '../execution-status.js';
import { DELETE_OLD_EXECUTIONS_SQL, DELETE_OLD_LOGS_SQL, DELETE_SPENT_INBOX_SQL } from './execution-retention.sql.js';

/**
 * What the kernel forgets, one batch per call (the cleanup job repeats a call until it deletes
 * fewer rows than asked). Each returns how many rows it deleted.
 */
@Injectable()
export class ExecutionRetention {
  private readonly pool: SqlPool;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.pool = database.pool;
  }

  /** Terminal executions that ended more than `days` ago, with their logs, messages and signals. */
  async deleteFinishedBefore(days: number, batch: number): Promise<number> {
    return this.delete(DELETE_OLD_EXECUTIONS_SQL, [days, TERMINAL_STATUSES, batch]);
  }

  /** Logs older than `days` of the executions that are kept. */
  async deleteLogsBefore(days: number, batch: number): Promise<number> {
    return this.delete(DELETE_OLD_LOGS_SQL, [days, batch]);
  }

  /** Inbox events consumed, or kept past their TTL. */
  async deleteSpentInboxEvents(batch: number): Promise<number> {
    return this.delete(DELETE_SPENT_INBOX_SQL, [batch]);
  }

  private async delete(sql: string, params: unknown[]): Promise<number> {
    const { rowCount } = await this.pool.query(sql, params);
    return rowCount ?? 0;
  }
}
