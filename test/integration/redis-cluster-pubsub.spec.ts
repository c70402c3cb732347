import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PubSubState } from '../../src/agent/infrastructure/pubsub.js';
import { RedisPubSub } from '../../src/agent/infrastructure/redis-pubsub.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

/** The nodes with a subscriber of `channel` (on a cluster, PUBSUB NUMSUB counts the node's own). */
async function subscribedNodes(cluster: RedisCluster, channel: string, among = cluster.nodes): Promise<string[]> {
  const found: string[] = [];
  for (const url of among) {
    const node = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    node.on('error', () => undefined);
    try {
      const [, count] = (await node.pubsub('NUMSUB', channel)) as [string, number];
      if (count > 0) found.push(url);
    } catch {
      // a node that is down holds no one
    } finally {
      node.disconnect();
    }
  }
  return found;
}

/** Messages of `channel` as `subscriber` receives them. */
function received(subscriber: RedisPubSub, channel: string): string[] {
  const messages: string[] = [];
  subscriber.subscribe(channel, (message) => messages.push(message));
  return messages;
}

/**
 * The Redis transport's pub/sub on a Redis Cluster: plain PUBLISH reaches a subscriber on any node,
 * in the order one process published (through ioredis's `Cluster`, each PUBLISH goes to a random
 * master and a few in 300 overtake each other); a subscriber whose node dies moves to another one,
 * saying `reconnecting` then `up` (the bridge's cue to catch up from the logs), which ioredis's own
 * cluster subscriber does silently.
 */
describe('pub/sub on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const opened: RedisPubSub[] = [];
  const open = (nodes?: string[]) => {
    const pubsub = new RedisPubSub({ cluster: { nodes: nodes ?? cluster.nodes } });
    opened.push(pubsub);
    return pubsub;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await Promise.all(opened.map((p) => p.close()));
    await cluster?.stop();
  });

  it("delivers one process's messages in the order it published them, across nodes", async () => {
    // The bridge publishes one message at a time, in order; clients keep the order of seq.
    const publisher = open();
    const subscriber = open();
    const messages = received(subscriber, 'ordered');
    await subscriber.ready();
    expect(await subscribedNodes(cluster, 'ordered')).not.toContain(cluster.nodes[0]); // the publisher's node
    const sent = Array.from({ length: 300 }, (_, i) => String(i));
    for (const message of sent) await publisher.publish('ordered', message);
    await expect.poll(() => messages.length).toBe(sent.length);
    expect(messages).toEqual(sent);
  });

  it('delivers across nodes, and moves a subscriber whose node died to another node', async () => {
    const publisher = open();
    const subscriber = open();
    const states: PubSubState[] = [];
    subscriber.onStateChange((state) => states.push(state));
    const messages = received(subscriber, 'news');
    await subscriber.ready();
    await publisher.publish('news', 'one');
    await expect.poll(() => messages).toEqual(['one']);

    const [home] = await subscribedNodes(cluster, 'news');
    expect(home).toBeDefined();
    await cluster.kill(home!);
    await expect.poll(() => states, { timeout: 10_000 }).toEqual(['reconnecting', 'up']);
    const survivors = cluster.nodes.filter((n) => n !== home);
    expect(await subscribedNodes(cluster, 'news', survivors)).toHaveLength(1);
    await publisher.publish('news', 'two');
    await expect.poll(() => messages).toEqual(['one', 'two']);
  });

  it('boots when the node its subscriber tries first is down', async () => {
    await cluster.kill(cluster.nodes[1]!); // (the test above took it down already)
    // The publisher takes the first node, the subscriber the next: down, so it moves to the third.
    const pubsub = open(cluster.nodes);
    const messages = received(pubsub, 'boot');
    await pubsub.ready();
    await pubsub.publish('boot', 'hello');
    await expect.poll(() => messages).toEqual(['hello']);
  });
});
