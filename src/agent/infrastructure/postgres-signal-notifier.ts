import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { NoticeHandlers, type SignalNotice, type SignalNotifier } from './signal-notifier.js';

/**
 * PostgreSQL LISTEN/NOTIFY: publishing goes through the shared pool; listening holds one
 * dedicated connection, re-established if it drops.
 */
export class PostgresSignalNotifier implements SignalNotifier, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresSignalNotifier.name);
  private readonly channel: string;
  private listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;
  private readonly handlers = new NoticeHandlers();

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    prefix: string,
  ) {
    this.channel = `${prefix}_signals`;
  }

  async publish(notice: SignalNotice): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify(notice)]);
  }

  subscribe(handler: (notice: SignalNotice) => void): () => void {
    this.listening ??= this.listen();
    return this.handlers.add(handler);
  }

  async ready(): Promise<void> {
    await this.listening;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'nestjs-agents-signals' });
    client.on('notification', (message) => message.payload && this.handlers.deliver(message.payload));
    client.on('error', (error) => {
      this.logger.warn(`Signal listener lost its connection (${error.message}); reconnecting`);
      this.listener = null;
      if (!this.closed) this.listening = this.listen().catch((e: Error) => this.logger.error(`Signal listener: ${e.message}`));
    });
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.listener = client;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listening?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
  }
}
