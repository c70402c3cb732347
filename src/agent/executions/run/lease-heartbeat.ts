import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { Lease } from './lease.js';
import { HEARTBEAT_SQL } from './lease-heartbeat.sql.js';

/**
 * Every commit refreshes the heartbeat; this timer covers steps longer than the heartbeat
 * interval, so a slow model call is not mistaken for a dead worker.
 */
@Injectable()
export class LeaseHeartbeat {
  private readonly logger = new Logger(LeaseHeartbeat.name);
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {
    this.pool = database.pool;
  }

  /** Returns the function that stops it. */
  start(lease: Lease): () => void {
    const timer = setInterval(() => {
      this.pool.query({ name: 'agents_heartbeat', text: HEARTBEAT_SQL, values: [lease.executionId, lease.epoch] }).catch((error: Error) => {
        this.logger.warn(`Heartbeat failed: ${error.message}`, {
          execution_id: lease.executionId,
          tenant_id: lease.tenantId,
          epoch: lease.epoch,
        });
      });
    }, this.options.lease.heartbeatMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
