import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { ChannelHandlers, type PubSub } from './pubsub.js';
import type { SqlPool } from './sql-pool.js';

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated connection publishes (in order, and never waiting for
 * a pool busy with step commits: measured, that queued notifications for a second), one listens
 * on every channel; both are re-established if they drop.
 */
export class PostgresPubSub implements PubSub, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresPubSub.name);
  private listener: Promise<pg.Client> | null = null;
  private publisher: Promise<pg.Client> | null = null;
  private readonly pending: Promise<unknown>[] = [];
  private closed = false;
  private readonly handlers = new ChannelHandlers();

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly pool: SqlPool,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    this.publisher ??= this.connect('nestjs-agents-publisher', () => {
      this.publisher = null;
    });
    try {
      await (await this.publisher).query('SELECT pg_notify($1, $2)', [channel, message]);
    } catch {
      // The shared pool stands in while the dedicated connection is re-established.
      this.publisher = null;
      await this.pool.query('SELECT pg_notify($1, $2)', [channel, message]);
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

  private connection(): Promise<pg.Client> {
    this.listener ??= this.connect('nestjs-agents-pubsub', () => {
      this.listener = null;
      if (!this.closed) void this.relisten();
    });
    return this.listener;
  }

  private async connect(name: string, onLost: () => void): Promise<pg.Client> {
    const client = new pg.Client({ ...this.clientConfig, application_name: name });
    client.on('notification', (n) => n.payload !== undefined && this.handlers.deliver(n.channel, n.payload));
    client.on('error', (error) => {
      if (!this.closed) this.logger.warn(`${name} connection lost (${error.message}); reconnecting`);
      onLost();
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
    for (const connection of [this.listener, this.publisher]) {
      const client = await connection?.catch(() => null);
      await client?.end().catch(() => undefined);
    }
  }
}
