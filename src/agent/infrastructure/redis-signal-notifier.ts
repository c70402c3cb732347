import type { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { NoticeHandlers, type SignalNotice, type SignalNotifier } from './signal-notifier.js';

/** Redis pub/sub: one channel per queue prefix, a dedicated subscriber connection. */
export class RedisSignalNotifier implements SignalNotifier, OnApplicationShutdown {
  private readonly channel: string;
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;
  private readonly handlers = new NoticeHandlers();

  constructor(url: string, prefix: string) {
    this.channel = `${prefix}:signals`;
    this.publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  }

  async publish(notice: SignalNotice): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(notice));
  }

  subscribe(handler: (notice: SignalNotice) => void): () => void {
    if (!this.subscriber) {
      this.subscriber = this.publisher.duplicate();
      this.subscriber.on('message', (_channel: string, message: string) => this.handlers.deliver(message));
      void this.subscriber.subscribe(this.channel);
    }
    return this.handlers.add(handler);
  }

  /** Resolves once the subscription is live (tests and benchmarks wait on it). */
  async ready(): Promise<void> {
    if (this.subscriber && this.subscriber.status !== 'ready') await new Promise((r) => this.subscriber!.once('ready', r));
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher.quit().catch(() => undefined), this.subscriber?.quit().catch(() => undefined)]);
  }
}
