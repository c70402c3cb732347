import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../../agent.constants.js';
import type { ResolvedAgentOptions } from '../../agent.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { Lease } from './lease.js';

const HEARTBEAT_SQL = `UPDATE agent_executions SET lease_heartbeat_at = now()
  WHERE id = $1 AND lease_epoch = $2 AND status = 'running'`;

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
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
  ) {
    this.pool = database.pool;
  }

  /** Returns the function that stops it. */
  start(lease: Lease): () => void {
    const timer = setInterval(() => {
      this.pool.query({ name: 'agents_heartbeat', text: HEARTBEAT_SQL, values: [lease.executionId, lease.epoch] }).catch((error: Error) => {
        this.logger.warn(`Heartbeat failed: ${error.message}`, { execution_id: lease.executionId, tenant_id: lease.tenantId, epoch: lease.epoch });
      });
    }, this.options.lease.heartbeatMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
