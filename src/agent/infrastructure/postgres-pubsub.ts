import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { asyncCommitting } from './async-commit.js';
import { ChannelHandlers, PubSubStateHolder, reconnectDelayMs, type PubSub, type PubSubState } from './pubsub.js';
import type { SqlPool } from './sql-pool.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages $2 on channel $1, in their order, in one statement (one commit: its notifications are delivered in order). */
const NOTIFY_ALL_SQL = `SELECT pg_notify($1, m) FROM (SELECT m FROM unnest($2::text[]) WITH ORDINALITY AS t(m, n) ORDER BY n) ordered`;

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated connection publishes (in order, and never waiting for
 * a pool busy with step commits: measured, that queued notifications for a second), one listens
 * on every channel. A lost listener is re-established with backoff for as long as the process
 * lives (a database restart, a failover); meanwhile the state is `reconnecting`.
 */
export class PostgresPubSub implements PubSub, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresPubSub.name);
  private listener: Promise<pg.Client> | null = null;
  private publisher: Promise<pg.Client> | null = null;
  private readonly pending: Promise<unknown>[] = [];
  private closed = false;
  private readonly handlers = new ChannelHandlers();
  private readonly status = new PubSubStateHolder();

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly pool: SqlPool,
  ) {}

  async publish(channel: string, message: string | readonly string[]): Promise<void> {
    const messages = typeof message === 'string' ? [message] : message;
    // NOTE: closed, it opens nothing more (a message published then is lost, as any may be).
    if (this.closed) return;
    // NOTE: notifications are hints: the publisher's commits wait for no WAL flush (`asyncCommitting`),
    // so the lock PostgreSQL holds over a NOTIFYing commit is let go sooner.
    this.publisher ??= this.connect(
      'nestjs-agents-publisher',
      () => {
        this.publisher = null;
      },
      asyncCommitting(this.clientConfig),
    );
    try {
      await (await this.publisher).query(NOTIFY_ALL_SQL, [channel, messages]);
    } catch {
      // The shared pool stands in while the dedicated connection is re-established.
      this.publisher = null;
      if (this.closed) return;
      await this.pool.query(NOTIFY_ALL_SQL, [channel, messages]);
    }
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    const { first, remove } = this.handlers.add(channel, handler);
    if (first) {
      const listening = this.connection().then((client) => client.query(`LISTEN "${channel}"`));
      // NOTE: an app closed while a LISTEN is on its way must not surface as an unhandled rejection.
      listening.catch((error: Error) => !this.closed && this.logger.warn(`LISTEN ${channel} failed: ${error.message}`));
      this.pending.push(listening.catch(() => undefined));
    }
    return remove;
  }

  async ready(): Promise<void> {
    await Promise.all(this.pending);
  }

  state(): PubSubState {
    return this.status.get();
  }

  onStateChange(listener: (state: PubSubState) => void): () => void {
    return this.status.listen(listener);
  }

  private connection(): Promise<pg.Client> {
    this.listener ??= this.connect('nestjs-agents-pubsub', () => {
      this.listener = null;
      // NOTE: while `reconnecting`, the loop in `relisten` is already at work.
      if (!this.closed && this.status.get() === 'up') void this.relisten();
    });
    return this.listener;
  }

  private async connect(name: string, onLost: () => void, config: pg.ClientConfig = this.clientConfig): Promise<pg.Client> {
    const client = new pg.Client({ ...config, application_name: name });
    client.on('notification', (n) => n.payload !== undefined && this.handlers.deliver(n.channel, n.payload));
    let lost = false;
    const lose = (reason: string) => {
      if (lost) return;
      lost = true;
      if (!this.closed) this.logger.warn(`${name} connection lost (${reason}); reconnecting`);
      onLost();
    };
    // NOTE: a server shut down cleanly may end the connection without an error.
    client.on('error', (error) => lose(error.message));
    client.on('end', () => lose('connection ended'));
    await client.connect();
    if (this.closed) {
      // Opened while closing (a publish, a subscribe or a relisten on its way): never handed out.
      await client.end().catch(() => undefined);
      throw new Error('PostgreSQL pub/sub is closed');
    }
    return client;
  }

  /** Until every channel listens again: each attempt a new connection, 100 ms doubling to 1 s apart. */
  private async relisten(): Promise<void> {
    this.status.set('reconnecting');
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const client = await this.connection();
        for (const channel of this.handlers.channels()) await client.query(`LISTEN "${channel}"`);
        this.logger.log(`Listening again on ${this.handlers.channels().length} channel(s) after ${attempt + 1} attempt(s)`);
        this.status.set('up');
        return;
      } catch (error) {
        if (this.closed) return;
        if (attempt === 0 || attempt % 10 === 0)
          this.logger.warn(`Re-listening failed (attempt ${attempt + 1}): ${(error as Error).message}`);
        const client = await this.listener?.catch(() => null);
        this.listener = null;
        await client?.end().catch(() => undefined);
        await sleep(reconnectDelayMs(attempt));
      }
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
    for (const connection of [this.listener, this.publisher]) {
      const client = await connection?.catch(() => null);
      await client?.end().catch(() => undefined);
    }
  }
}
