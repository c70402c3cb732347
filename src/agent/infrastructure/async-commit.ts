import type { ClientConfig } from 'pg';

/**
 * The settings of connections whose writes are hints (DESIGN rule 1: queue jobs and notifications
 * may be lost; the rows in the library's tables are the truth), committing without waiting for
 * the WAL flush (`synchronous_commit = off`). Only a crash of the database server itself can lose
 * such a commit, those of its last fraction of a second; a process of ours that dies loses none.
 * A job lost that way is found again by the recovery sweep, like any lost job; a notification
 * lost that way, like any, costs a subscriber a re-read. What must survive commits on the pool.
 */
export function asyncCommitting(config: ClientConfig): ClientConfig {
  const options = [config.options, '-c synchronous_commit=off'].filter(Boolean).join(' ');
  return { ...config, options };
}
