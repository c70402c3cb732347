import type { PoolClient } from 'pg';
import type { SqlPool } from './sql-pool.js';

export type AfterCommit = () => Promise<void> | void;

/** PostgreSQL's `deadlock_detected`. */
const DEADLOCK = '40P01';
const ATTEMPTS = 3;

/**
 * Runs `work` in one transaction and, once it committed, the actions it queued (enqueue a job,
 * publish an event). A transaction chosen as a deadlock victim is run again from the start.
 *
 * NOTE: lock orders are not the same everywhere (a pipeline's ending stage holds its execution and
 * then locks the pipeline; a pipeline cancel locks the pipeline and then signals its executions).
 * The two meet only in a narrow race; PostgreSQL breaks it, and the loser retries here.
 */
export async function inTransaction<T>(
  pool: SqlPool,
  work: (client: PoolClient, afterCommit: (action: AfterCommit) => void) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const after: AfterCommit[] = [];
    const client = await pool.connect();
    let result: T;
    try {
      await client.query('BEGIN');
      result = await work(client, (action) => after.push(action));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === DEADLOCK && attempt < ATTEMPTS) continue;
      throw error;
    } finally {
      client.release();
    }
    for (const action of after) await action();
    return result;
  }
}
