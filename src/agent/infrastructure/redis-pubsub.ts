import type { OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ChannelHandlers, type PubSub } from './pubsub.js';

/** Redis pub/sub: one publishing connection, one subscriber connection opened on first use. */
export class RedisPubSub implements PubSub, OnApplicationShutdown {
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;
  private readonly pending: Promise<unknown>[] = [];
  private readonly handlers = new ChannelHandlers();

  constructor(url: string) {
    this.publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(channel, message);
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    const { first, remove } = this.handlers.add(channel, handler);
    if (first) {
      if (!this.subscriber) {
        this.subscriber = this.publisher.duplicate();
        this.subscriber.on('message', (ch: string, message: string) => this.handlers.deliver(ch, message));
      }
      this.pending.push(this.subscriber.subscribe(channel));
    }
    return remove;
  }

  async ready(): Promise<void> {
    await Promise.all(this.pending);
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher.quit().catch(() => undefined), this.subscriber?.quit().catch(() => undefined)]);
  }
}
