import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * What the hot path needs of PostgreSQL: statements in one round trip and transactions on a client
 * of its own, from the pool of the DataSource (the library's, or the host's it was handed).
 */
export type SqlPool = Pick<Pool, 'query' | 'connect'>;

/**
 * The DataSource's pool through its driver's public `obtainMasterConnection()` (no private
 * field): `connect()` checks out a pooled client, `query()` runs one statement on one and hands it
 * back, as `pg.Pool#query` does (a client whose statement failed is discarded, as there).
 */
export function sqlPoolOf(dataSource: DataSource): SqlPool {
  const connect = async (): Promise<PoolClient> => (await dataSource.driver.obtainMasterConnection())[0] as PoolClient;
  const query = async (...args: Parameters<PoolClient['query']>) => {
    const client = await connect();
    let failed: Error | undefined;
    try {
      return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (error) {
      failed = error as Error;
      throw error;
    } finally {
      client.release(failed);
    }
  };
  return { connect, query } as unknown as SqlPool;
}
