import type { SqlPool } from '../infrastructure/sql-pool.js';
import { APPEND_CHAT_TOKENS_SQL, EXPIRE_CHAT_TOKENS_SQL, READ_CHAT_TOKENS_SQL } from './chat-tokens.sql.js';
import type { TokenBatch, TokenPage, TurnTokenBuffer } from './turn-token-buffer.js';

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
    const columns: [string[], number[], number[], number[], number[], string[]] = [[], [], [], [], [], []];
    for (const { executionId, tokens } of batches) {
      for (const t of tokens) {
        columns[0].push(executionId);
        columns[1].push(t.seq);
        columns[2].push(t.step);
        columns[3].push(t.epoch);
        columns[4].push(t.index);
        columns[5].push(t.text);
      }
    }
    await this.pool.query(APPEND_CHAT_TOKENS_SQL, columns);
  }

  /** The cursor is the last row id read: one execution's rows are appended by one send at a time, so ids grow in its append order. */
  async read(executionId: string, cursor = 0): Promise<TokenPage> {
    const { rows } = await this.pool.query<{ id: string; seq: string; step: number; epoch: number; idx: number; text: string }>(
      READ_CHAT_TOKENS_SQL,
      [executionId, cursor],
    );
    const tokens = rows.map((r) => ({ seq: Number(r.seq), step: r.step, epoch: r.epoch, index: r.idx, text: r.text }));
    return { tokens, cursor: rows.length > 0 ? Number(rows[rows.length - 1].id) : cursor };
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
  }

  private async expire(): Promise<void> {
    await this.pool.query(EXPIRE_CHAT_TOKENS_SQL, [this.retentionSeconds]).catch(() => undefined);
  }
}
