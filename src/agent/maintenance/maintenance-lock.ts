import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { MaintenanceJob } from './maintenance-report.js';

/**
 * Advisory lock keys: (namespace, job). The two-key form lives apart from the one-key migration
 * lock, and every replica of every host app on the database agrees on them.
 */
const LOCK_NAMESPACE = 0x6167_6e74; // 'agnt'
const LOCK_KEYS: Record<MaintenanceJob, number> = {
  [MaintenanceJob.RecoverStuck]: 1,
  [MaintenanceJob.Cleanup]: 2,
};

export type LockedRun<T> = { acquired: true; result: T } | { acquired: false };

/**
 * One run of a job at a time across every node: `pg_try_advisory_lock` on a connection held for
 * the whole run. A session lock dies with its connection, so a node that crashes mid-run frees it.
 */
@Injectable()
export class MaintenanceLock {
  private readonly pool: SqlPool;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.pool = database.pool;
  }

  /**
   * Runs `work` holding the job's lock, or returns `{ acquired: false }` at once when another
   * session holds it. NOTE: `work` queries through the pool too, so the pool needs two connections.
   */
  async runExclusive<T>(job: MaintenanceJob, work: () => Promise<T>): Promise<LockedRun<T>> {
    const client = await this.pool.connect();
    // NOTE: a connection whose lock or unlock failed is closed, not pooled: closing it frees the lock.
    let broken: Error | undefined;
    try {
      const locked = await this.tryLock(client, job).catch((error: Error) => {
        broken = error;
        throw error;
      });
      if (!locked) return { acquired: false };
      try {
        return { acquired: true, result: await work() };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, LOCK_KEYS[job]]).catch((error: Error) => {
          broken = error;
        });
      }
    } finally {
      client.release(broken);
    }
  }

  private async tryLock(client: PoolClient, job: MaintenanceJob): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
      LOCK_NAMESPACE,
      LOCK_KEYS[job],
    ]);
    return rows[0].locked;
  }
}
