import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ChannelHandlers, PubSubStateHolder, reconnectDelayMs, type PubSub, type PubSubState } from './pubsub.js';

/**
 * Redis pub/sub: one publishing connection, one subscriber connection opened on first use. ioredis
 * reconnects both with backoff for as long as the process lives and subscribes again; the state is
 * `reconnecting` from the subscriber's loss until its channels are subscribed again.
 */
export class RedisPubSub implements PubSub, OnApplicationShutdown {
  private readonly logger = new Logger(RedisPubSub.name);
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;
  private readonly pending: Promise<unknown>[] = [];
  private readonly handlers = new ChannelHandlers();
  private readonly status = new PubSubStateHolder();
  private closed = false;

  constructor(url: string) {
    this.publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: (times) => reconnectDelayMs(times - 1) });
    this.publisher.on('error', () => undefined);
  }

  async publish(channel: string, message: string | readonly string[]): Promise<void> {
    // NOTE: one connection sends its commands in order: published together, they arrive in order.
    await Promise.all((typeof message === 'string' ? [message] : message).map((m) => this.publisher.publish(channel, m)));
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    const { first, remove } = this.handlers.add(channel, handler);
    if (first) {
      this.pending.push((this.subscriber ??= this.openSubscriber()).subscribe(channel));
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

  private openSubscriber(): Redis {
    const subscriber = this.publisher.duplicate();
    subscriber.on('message', (channel: string, message: string) => this.handlers.deliver(channel, message));
    // NOTE: a stream of connection errors while Redis is down is expected; the state says it once.
    subscriber.on('error', () => undefined);
    subscriber.on('close', () => {
      if (this.closed || this.status.get() === 'reconnecting') return;
      this.logger.warn('Redis subscriber connection lost; reconnecting');
      this.status.set('reconnecting');
    });
    subscriber.on('ready', () => {
      if (this.status.get() !== 'reconnecting') return;
      // ioredis subscribes again on its own; this confirms it on the same connection, after its own.
      subscriber
        .subscribe(...this.handlers.channels())
        .then(() => {
          this.logger.log(`Subscribed again to ${this.handlers.channels().length} channel(s)`);
          this.status.set('up');
        })
        .catch(() => undefined);
    });
    return subscriber;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.publisher.quit().catch(() => undefined), this.subscriber?.quit().catch(() => undefined)]);
  }
}
