import type { Cluster, Redis } from 'ioredis';
import { openRedis } from '../infrastructure/redis-connections.js';
import type { RedisOptions } from '../infrastructure/infrastructure.options.js';
import type { TokenBatch, TokenPage, TurnTokenBuffer } from './turn-token-buffer.js';

/**
 * A Redis list per execution (`<queuePrefix>:chat-tokens:<id>`), each entry `[seq, step, epoch, index, text]`,
 * expiring `retentionSeconds` after its last append. One key per command, so it runs unchanged on a
 * Redis Cluster; auto-pipelining sends a batch's commands together.
 */
export class RedisTurnTokenBuffer implements TurnTokenBuffer {
  private readonly redis: Redis | Cluster;

  constructor(
    target: RedisOptions,
    private readonly prefix: string,
    private readonly retentionSeconds: number,
  ) {
    this.redis = openRedis(target, { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
  }

  async append(batches: TokenBatch[]): Promise<void> {
    await Promise.all(
      batches.flatMap(({ executionId, tokens }) => {
        const key = this.key(executionId);
        const entries = tokens.map((t) => JSON.stringify([t.seq, t.step, t.epoch, t.index, t.text]));
        return [this.redis.rpush(key, ...entries), this.redis.expire(key, this.retentionSeconds)];
      }),
    );
  }

  /** The cursor is the number of entries read: the list only grows at its end. */
  async read(executionId: string, cursor = 0): Promise<TokenPage> {
    const entries = await this.redis.lrange(this.key(executionId), cursor, -1);
    const tokens = entries.map((entry) => {
      const [seq, step, epoch, index, text] = JSON.parse(entry) as [number, number, number, number, string];
      return { seq, step, epoch, index, text };
    });
    return { tokens, cursor: cursor + entries.length };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private key(executionId: string): string {
    return `${this.prefix}:chat-tokens:${executionId}`;
  }
}
