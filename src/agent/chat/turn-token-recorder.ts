import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ExecutionEventName, ExecutionEvents } from '../executions/execution-events.js';
import { isTerminal } from '../executions/execution-status.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedChatOptions } from './chat.options.js';
import { TURN_TOKEN_BUFFER, type BufferedToken, type TokenBatch, type TurnTokenBuffer } from './turn-token-buffer.js';

/**
 * Buffers the token deltas this process's steps emit, for chat streams to replay. Off the step's
 * path: tokens are gathered per tick and leave in one round trip, one send at a time (tokens that
 * arrive meanwhile go together in the next), so a fast model costs a write per batch, not per token.
 */
@Injectable()
export class TurnTokenRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TurnTokenRecorder.name);
  private pending = new Map<string, BufferedToken[]>();
  /** Tokens buffered per execution running here, against `chat.maxBufferedTokens`. */
  private readonly counts = new Map<string, number>();
  private scheduled: NodeJS.Immediate | null = null;
  private sending: Promise<void> | null = null;
  private stop: (() => void) | null = null;

  constructor(
    private readonly events: ExecutionEvents,
    @Inject(TURN_TOKEN_BUFFER) private readonly buffer: TurnTokenBuffer,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedChatOptions,
  ) {}

  onModuleInit(): void {
    this.stop = this.events.subscribe((event) => {
      if (event.name === ExecutionEventName.StatusChanged && isTerminal(event.status)) this.counts.delete(event.executionId);
      if (event.name !== ExecutionEventName.Token) return;
      const count = this.counts.get(event.executionId) ?? 0;
      if (count >= this.options.chat.maxBufferedTokens) return;
      this.counts.set(event.executionId, count + 1);
      const tokens = this.pending.get(event.executionId) ?? [];
      if (tokens.length === 0) this.pending.set(event.executionId, tokens);
      tokens.push({ seq: event.seq, step: event.stepNumber, epoch: event.epoch, index: event.index, text: event.text });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stop?.();
    if (this.scheduled) clearImmediate(this.scheduled);
    this.flush();
    while (this.sending) await this.sending;
    await this.buffer.close();
  }

  /** Resolves once everything recorded so far is in the buffer (tests and benches). */
  async flushed(): Promise<void> {
    this.flush();
    while (this.sending || this.pending.size > 0) {
      if (this.sending) await this.sending;
      else this.flush();
    }
  }

  private flush(): void {
    this.scheduled = null;
    if (this.sending || this.pending.size === 0) return;
    const batches: TokenBatch[] = [...this.pending].map(([executionId, tokens]) => ({ executionId, tokens }));
    this.pending = new Map();
    this.sending = this.buffer
      .append(batches)
      .catch((error: Error) => this.logger.warn(`Buffering tokens failed (a resume misses them): ${error.message}`))
      .finally(() => {
        this.sending = null;
        this.flush();
      });
  }
}
