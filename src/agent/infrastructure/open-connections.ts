import { Logger } from '@nestjs/common';
import type { ClientBase } from 'pg';

const heardByTheHolder = (): void => undefined;

/** How long closing waits for the last connections to say goodbye before it gives up on them (a server that stopped answering). */
const ENDED_WITHIN_MS = 5_000;

/**
 * The connections a pg pool opened that are still open, seen through pg-pool's `onConnect` hook
 * (each one, the pool's first included), for closing to wait on.
 *
 * NOTE: `pool.end()` resolves once it has asked every connection to end, not once they have: the
 * sockets, and the server's backends behind them, outlive it (milliseconds, more on a busy machine).
 * An app closed that way still holds connections, idle, after `app.close()`; a database dropped
 * meanwhile (`DROP DATABASE ... WITH (FORCE)`) cuts them. A connection's `end` comes once the
 * server closed its side, after its backend left `pg_stat_activity`.
 */
export class OpenConnections {
  private readonly logger = new Logger('AgentsDatabase');
  private readonly open = new Set<ClientBase>();

  constructor(private readonly label: string) {}

  /**
   * pg-pool's `onConnect` option.
   *
   * NOTE: the connection also gets an 'error' listener for its whole life. pg-pool listens only while
   * a connection is idle in it: one checked out (BullMQ's migrations at boot, a transaction, a lock
   * held) that the server closes emits 'error' to nobody, which ends the process. Here it is
   * heard, and left to whoever holds it: its next statement fails, and the pool drops it on release.
   */
  readonly track = (client: ClientBase): void => {
    this.open.add(client);
    client.on('error', heardByTheHolder);
    client.once('end', () => this.open.delete(client));
  };

  /** Resolves once every connection opened so far has ended (call it after the pool's `end()`). */
  async ended(withinMs = ENDED_WITHIN_MS): Promise<void> {
    if (this.open.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const allEnded = Promise.all([...this.open].map((client) => new Promise((resolve) => client.once('end', resolve))));
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), withinMs)));
    try {
      if ((await Promise.race([allEnded, late])) === 'late')
        this.logger.warn(`${this.open.size} ${this.label} connection(s) still open ${withinMs} ms after closing; not waiting longer`);
    } finally {
      clearTimeout(timer);
    }
  }
}
