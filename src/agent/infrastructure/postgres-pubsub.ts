import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { ChannelHandlers, type PubSub } from './pubsub.js';

/**
 * PostgreSQL LISTEN/NOTIFY: publishing goes through the shared pool; listening holds one
 * dedicated connection for all channels, re-established (with its LISTENs) if it drops.
 */
export class PostgresPubSub implements PubSub, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresPubSub.name);
  private listener: Promise<pg.Client> | null = null;
  private readonly pending: Promise<unknown>[] = [];
  private closed = false;
  private readonly handlers = new ChannelHandlers();

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, message]);
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

  private connection(): Promise<pg.Client> {
    this.listener ??= this.connect();
    return this.listener;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'nestjs-agents-pubsub' });
    client.on('notification', (n) => n.payload !== undefined && this.handlers.deliver(n.channel, n.payload));
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost (${error.message}); reconnecting`);
      this.listener = null;
      if (!this.closed) void this.relisten();
    });
    await client.connect();
    return client;
  }

  private async relisten(): Promise<void> {
    try {
      const client = await this.connection();
      for (const channel of this.handlers.channels()) await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      this.logger.error(`Re-listening failed: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
    const client = await this.listener?.catch(() => null);
    await client?.end().catch(() => undefined);
  }
}
