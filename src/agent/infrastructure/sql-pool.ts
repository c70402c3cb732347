import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * What the hot path needs of PostgreSQL: statements in one round trip and transactions on a client
 * of its own, from the pool of the DataSource (the library's, or the host's it was handed).
 */
export type SqlPool = Pick<Pool, 'query' | 'connect'>;

const logger = new Logger('AgentsDatabase');

/**
 * The DataSource's pool through its driver's public `obtainMasterConnection()` (no private
 * field): `connect()` checks out a pooled client, `query()` runs one statement on one and hands it
 * back, as `pg.Pool#query` does (a client whose statement failed is discarded, as there).
 */
export function sqlPoolOf(dataSource: DataSource): SqlPool {
  const connect = async (): Promise<PoolClient> => heardWhileOut((await dataSource.driver.obtainMasterConnection())[0] as PoolClient);
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

/**
 * A checked-out client listens for its own errors until it is released.
 *
 * NOTE: pg-pool listens on its idle clients only; a client out of the pool that the server cuts
 * between two statements (a restart, pg_terminate_backend, while a transaction or a maintenance
 * lock holds it) emits 'error' with no listener, which ends the process. With one, the error is
 * logged, the client's next statement fails, and the pool discards it on release (no longer
 * queryable). TypeORM's query runners do the same for theirs.
 */
function heardWhileOut(client: PoolClient): PoolClient {
  const lost = (error: Error) => logger.warn(`A pooled connection in use was closed: ${error.message}`);
  client.on('error', lost);
  const release = client.release;
  // NOTE: pg-pool gives a client a new `release` at every checkout; this one wraps that checkout's.
  client.release = (error?: Error | boolean) => {
    client.off('error', lost);
    release(error);
  };
  return client;
}
