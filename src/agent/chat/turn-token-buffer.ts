/**
 * One token delta of a turn. Its exact position is (`step`, `epoch`, `index`): the step, the lease
 * epoch of the attempt that streamed it (a step retried after its runner died streams again under
 * a new one) and its place in that attempt, from 0. `seq` is the last log row committed before it,
 * which places it among the rows.
 */
export interface BufferedToken {
  seq: number;
  step: number;
  epoch: number;
  index: number;
  text: string;
}

/** A batch to append: the tokens of one execution, in the order they were emitted. */
export interface TokenBatch {
  executionId: string;
  tokens: BufferedToken[];
}

/** Tokens read from the buffer, and where the next read goes on (an opaque position in the execution's buffer). */
export interface TokenPage {
  tokens: BufferedToken[];
  cursor: number;
}

/**
 * The token deltas of each running execution, shared by every node (Redis with the Redis transport,
 * an UNLOGGED PostgreSQL table with the PostgreSQL one), so a chat stream resumed on any API node
 * replays what it missed. Bounded: `chat.maxBufferedTokens` per execution and
 * `chat.tokenRetentionSeconds` after its last token.
 */
export interface TurnTokenBuffer {
  /** Appends several executions' tokens in one round trip; each execution's in the order given. */
  append(batches: TokenBatch[]): Promise<void>;
  /** What was appended for the execution after `cursor` (0: from the start), in append order. */
  read(executionId: string, cursor?: number): Promise<TokenPage>;
  close(): Promise<void>;
}

export const TURN_TOKEN_BUFFER = Symbol('TURN_TOKEN_BUFFER');
