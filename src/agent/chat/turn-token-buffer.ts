/** One token delta of a turn, as the step emitted it: `seq` is the last committed event before it, `index` its place in the step. */
export interface BufferedToken {
  seq: number;
  step: number;
  index: number;
  text: string;
}

/** A batch to append: the tokens of one execution, in the order they were emitted. */
export interface TokenBatch {
  executionId: string;
  tokens: BufferedToken[];
}

/**
 * The token deltas of each running execution, shared by every node (Redis with the Redis transport,
 * an UNLOGGED PostgreSQL table with the PostgreSQL one), so a chat stream resumed on any API node
 * replays what it missed. Bounded: `chat.maxBufferedTokens` per execution and
 * `chat.tokenRetentionSeconds` after its last token.
 */
export interface TurnTokenBuffer {
  /** Appends several executions' tokens in one round trip. */
  append(batches: TokenBatch[]): Promise<void>;
  /** Everything buffered for the execution, in emission order. */
  read(executionId: string): Promise<BufferedToken[]>;
  close(): Promise<void>;
}

export const TURN_TOKEN_BUFFER = Symbol('TURN_TOKEN_BUFFER');
