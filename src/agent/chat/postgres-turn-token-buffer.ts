import type { SqlPool } from '../infrastructure/sql-pool.js';
import { APPEND_CHAT_TOKENS_SQL, EXPIRE_CHAT_TOKENS_SQL, READ_CHAT_TOKENS_SQL } from './chat-tokens.sql.js';
import type { BufferedToken, TokenBatch, TurnTokenBuffer } from './turn-token-buffer.js';

/**
 * An UNLOGGED table (`agent_chat_tokens`): no WAL per token, and after a database crash it comes
 * back empty, which only loses the replay of the turns in flight (their committed answers stay).
 * A batch is one INSERT; rows past their retention are deleted every tenth of it.
 */
export class PostgresTurnTokenBuffer implements TurnTokenBuffer {
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly pool: SqlPool,
    private readonly retentionSeconds: number,
  ) {
    this.sweep = setInterval(() => void this.expire(), Math.max(1, retentionSeconds / 10) * 1000);
    this.sweep.unref();
  }

  async append(batches: TokenBatch[]): Promise<void> {
    const columns: [string[], number[], number[], number[], string[]] = [[], [], [], [], []];
    for (const { executionId, tokens } of batches) {
      for (const t of tokens) {
        columns[0].push(executionId);
        columns[1].push(t.seq);
        columns[2].push(t.step);
        columns[3].push(t.index);
        columns[4].push(t.text);
      }
    }
    await this.pool.query(APPEND_CHAT_TOKENS_SQL, columns);
  }

  async read(executionId: string): Promise<BufferedToken[]> {
    const { rows } = await this.pool.query<{ seq: string; step: number; idx: number; text: string }>(READ_CHAT_TOKENS_SQL, [executionId]);
    return rows.map((r) => ({ seq: Number(r.seq), step: r.step, index: r.idx, text: r.text }));
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
  }

  private async expire(): Promise<void> {
    await this.pool.query(EXPIRE_CHAT_TOKENS_SQL, [this.retentionSeconds]).catch(() => undefined);
  }
}
