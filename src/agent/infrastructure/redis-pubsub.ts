import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions as ConnectionOptions } from 'ioredis';
import type { RedisOptions } from './infrastructure.options.js';
import { ChannelHandlers, PubSubStateHolder, reconnectDelayMs, type PubSub, type PubSubState } from './pubsub.js';
import { redisNode } from './redis-connections.js';

/** On a cluster: reconnection attempts to a node before the connection moves to another node. */
const NODE_RETRIES = 3;
const retryForever = (times: number) => reconnectDelayMs(times - 1);
const retryNode = (times: number) => (times <= NODE_RETRIES ? reconnectDelayMs(times - 1) : null);

/**
 * Redis pub/sub: one publishing connection, one subscriber connection opened on first use. ioredis
 * reconnects both with backoff for as long as the process lives and subscribes again; the state is
 * `reconnecting` from the subscriber's loss until its channels are subscribed again.
 *
 * On a Redis Cluster: plain PUBLISH/SUBSCRIBE, which the cluster carries to every node, so a
 * process may publish and subscribe on any node. Sharded pub/sub (SPUBLISH/SSUBSCRIBE) would put
 * each channel on the one shard of its slot; every process listens to every channel of the
 * library, so that would only move all of them to a few shards, and a shard's subscriptions end
 * when its slots move. Each connection talks to one node, as to one server (ioredis's `Cluster`
 * would send each PUBLISH to a random master, so one process's messages could overtake each other
 * on their way through the cluster bus, and its cluster subscriber moves to another node without a
 * word, so messages lost meanwhile would never be caught up). A connection whose node stays away
 * past NODE_RETRIES attempts moves to the next node (the given ones, then those the cluster names);
 * the subscriber is `reconnecting` until it has subscribed there.
 */
export class RedisPubSub implements PubSub, OnApplicationShutdown {
  private readonly logger = new Logger(RedisPubSub.name);
  /** On a cluster: the nodes to talk to; null on one server. */
  private readonly nodes: ClusterNodes | null;
  private publisher: Redis;
  private subscriber: Redis | null = null;
  private readonly pending: Promise<unknown>[] = [];
  private readonly handlers = new ChannelHandlers();
  private readonly status = new PubSubStateHolder();
  private closed = false;

  constructor(private readonly target: RedisOptions) {
    this.nodes = target.cluster ? new ClusterNodes(target.cluster.nodes) : null;
    this.publisher = this.openPublisher();
  }

  async publish(channel: string, message: string | readonly string[]): Promise<void> {
    if (typeof message === 'string') {
      await this.publisher.publish(channel, message);
      return;
    }
    // NOTE: one connection sends its commands in order: published together, they arrive in order. A
    // pipeline writes them to the socket at once (a flush of the event bridge is a message per ~7 KB
    // of events), where each command sent alone was a system call of its own.
    const pipeline = this.publisher.pipeline();
    for (const m of message) pipeline.publish(channel, m);
    const failed = (await pipeline.exec())?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  subscribe(channel: string, handler: (message: string) => void): () => void {
    const { first, remove } = this.handlers.add(channel, handler);
    if (first) this.pending.push(this.listenTo(channel));
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

  private openPublisher(): Redis {
    const options: ConnectionOptions = { lazyConnect: true, maxRetriesPerRequest: 3 };
    if (!this.nodes) {
      const publisher = new Redis(this.target.url!, { ...options, retryStrategy: retryForever });
      publisher.on('error', () => undefined);
      return publisher;
    }
    const publisher = new Redis({ ...this.nodes.next(), ...options, retryStrategy: retryNode });
    publisher.on('error', () => undefined);
    publisher.on('ready', () => {
      publisher
        .cluster('NODES')
        .then((nodes) => this.nodes!.learn(String(nodes)))
        .catch(() => undefined);
    });
    // NOTE: what was being published to the lost node fails (at most once, as on one server); the next publish takes the next node.
    publisher.once('end', () => {
      if (!this.closed) this.publisher = this.openPublisher();
    });
    return publisher;
  }

  private listenTo(channel: string): Promise<unknown> {
    const subscribed = (this.subscriber ??= this.openSubscriber()).subscribe(channel);
    if (!this.nodes) return subscribed;
    // NOTE: a node connection that ends fails the subscriptions it had pending (a node down at
    // boot); the next one subscribes to every channel and then says `up`.
    return subscribed.catch(() => this.nextUp());
  }

  private nextUp(): Promise<void> {
    if (this.status.get() === 'up') return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.status.listen((state) => {
        if (state !== 'up') return;
        stop();
        resolve();
      });
    });
  }

  private openSubscriber(): Redis {
    const subscriber = this.nodes ? new Redis({ ...this.nodes.next(), retryStrategy: retryNode }) : this.publisher.duplicate();
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
      // ioredis subscribes again on its own; this confirms it on the same connection, after its own
      // (and on a cluster's next node, subscribes there).
      subscriber
        .subscribe(...this.handlers.channels())
        .then(() => {
          this.logger.log(`Subscribed again to ${this.handlers.channels().length} channel(s)`);
          this.status.set('up');
        })
        .catch(() => undefined);
    });
    if (this.nodes) {
      subscriber.once('end', () => {
        if (this.closed || this.subscriber !== subscriber) return;
        this.status.set('reconnecting');
        this.subscriber = this.openSubscriber();
      });
    }
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

/**
 * A Redis Cluster's nodes, for connections that talk to one node at a time: the given ones first,
 * then the others the cluster names (`CLUSTER NODES`), each connection taking the next in turn.
 */
class ClusterNodes {
  private readonly given: { host: string; port: number }[];
  private learned: { host: string; port: number }[] = [];
  private readonly login: Pick<ConnectionOptions, 'username' | 'password' | 'tls'>;
  private taken = 0;

  constructor(urls: string[]) {
    const nodes = urls.map(redisNode);
    this.given = nodes.map(({ host, port }) => ({ host, port }));
    const { username, password, tls } = nodes[0]!;
    this.login = { username, password, tls };
  }

  next(): ConnectionOptions {
    const all = [...this.given, ...this.learned];
    return { ...all[this.taken++ % all.length]!, ...this.login };
  }

  /** `CLUSTER NODES`: `<id> <host>:<port>@<bus port>[,<hostname>] <flags> …`, one node a line. */
  learn(description: string): void {
    const known = new Set(this.given.map(({ host, port }) => `${host}:${port}`));
    this.learned = description
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, , flags]) => flags !== undefined && !/fail|noaddr|handshake/.test(flags))
      .map(([, address]) => address!.split('@')[0]!)
      .filter((address) => !known.has(address) && /^.+:\d+$/.test(address) && !address.startsWith(':'))
      .map((address) => ({ host: address.slice(0, address.lastIndexOf(':')), port: Number(address.slice(address.lastIndexOf(':') + 1)) }));
  }
}
