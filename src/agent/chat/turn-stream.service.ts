import { Inject, Injectable, Logger } from '@nestjs/common';
import { createUIMessageStream, type UIMessageChunk, type UIMessageStreamWriter } from 'ai';
import { isTerminal } from '../executions/execution-status.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { ExecutionEventBridge } from '../realtime/execution-event-bridge.js';
import { RealtimeEventName } from '../realtime/realtime-events.js';
import type { Scope } from '../tenancy/scope.js';
import type { ResolvedChatOptions } from './chat.options.js';
import { itemOfEvent, itemOfLog, itemOfToken } from './turn-items.js';
import { TurnSequencer, type Gap } from './turn-sequencer.js';
import { TURN_TOKEN_BUFFER, type TurnTokenBuffer } from './turn-token-buffer.js';
import { UiChunkBuilder } from './ui-chunk-builder.js';

const LOG_PAGE = 500;
/**
 * A gap closes within a recorder tick and one write; one still open after this never will (a write
 * that failed, a runner that died mid-step and no other attempt yet). Past `chat.maxBufferedTokens`
 * a gap is skipped at once: those tokens are never buffered.
 */
const GAP_GIVE_UP_MS = 10_000;
/** Between reads of the buffer while a gap stays open. */
const GAP_POLL_MS = 2;
/**
 * After catching up, the buffer is read again at these delays while no live token came: tokens of
 * the step in flight that were on their way to the buffer are shown even if the step streams no
 * more (a later live token or its `step_completed` row would otherwise be what reveals them).
 */
const TAIL_READS_MS = [10, 50, 250];

export interface TurnStreamOptions {
  /** Leave out what came up to this log row (`seq`): a turn resumed after a tool approval goes on from there. */
  afterSeq?: number;
  /** Ends the stream (the client went away); the turn itself goes on. */
  signal?: AbortSignal;
}

/**
 * One turn (execution) as an AI SDK UI message stream, from its beginning (what `useChat` expects
 * of a resume: `resumeStreamIsReplay`) until it ends or waits for input. The stream listens to the
 * event bridge first, then reads the turn's log rows and token buffer; a `TurnSequencer` merges the
 * three by each item's exact position, sends each once and in order, and names any gap (tokens
 * still on their way to the buffer), which is read from the buffer again until it closes.
 */
@Injectable()
export class TurnStreamService {
  private readonly logger = new Logger(TurnStreamService.name);

  constructor(
    private readonly reader: ExecutionReader,
    private readonly bridge: ExecutionEventBridge,
    @Inject(TURN_TOKEN_BUFFER) private readonly buffer: TurnTokenBuffer,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedChatOptions,
  ) {}

  open(scope: Scope, executionId: string, options: TurnStreamOptions = {}): ReadableStream<UIMessageChunk> {
    return createUIMessageStream({
      execute: ({ writer }) => this.run(scope, executionId, options, writer),
      onError: (error) => (error instanceof Error ? error.message : String(error)),
    });
  }

  private async run(scope: Scope, executionId: string, options: TurnStreamOptions, writer: UIMessageStreamWriter): Promise<void> {
    const builder = new UiChunkBuilder(executionId);
    const sequencer = new TurnSequencer(options.afterSeq);
    /** Where the next buffer read goes on, and the last log row read. */
    let cursor = 0;
    let buffered = 0;
    let lastRow = 0;
    let caughtUp = false;
    let liveTokens = 0;
    /** The turn's end went out, or the client went away: nothing more is read or sent. */
    let ended = false;
    let resolveFinished!: () => void;
    const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    const finish = () => {
      ended = true;
      resolveFinished();
    };
    const timers = new Set<NodeJS.Timeout>();

    const readBuffer = async () => {
      const page = await this.buffer.read(executionId, cursor);
      cursor = Math.max(cursor, page.cursor);
      buffered += page.tokens.length;
      sequencer.add(page.tokens.map(itemOfToken));
      return page.tokens.length;
    };
    const readRows = async () => {
      for (;;) {
        const page = await this.reader.logsAfter(scope, executionId, { afterId: lastRow, limit: LOG_PAGE });
        sequencer.add(page.data.map(itemOfLog));
        if (page.data.length > 0) lastRow = Number(page.data[page.data.length - 1].id);
        if (!page.next_cursor) return;
      }
    };
    /** Reads what a gap lacks; false when nothing new came. */
    const fill = async (gap: Gap): Promise<boolean> => {
      if (gap.kind === 'tokens') return (await readBuffer()) > 0;
      if (gap.kind === 'commit') {
        const before = lastRow;
        await readRows();
        return lastRow !== before;
      }
      const page = await this.reader.logsAfter(scope, executionId, { afterId: gap.seq - 1, limit: 1 });
      sequencer.add(page.data.map(itemOfLog));
      return page.data.length > 0;
    };
    /** Sends what can go out; a gap is read again until it closes (or, after GAP_GIVE_UP_MS, skipped). */
    const drain = async () => {
      let since: number | null = null;
      while (!builder.done && !ended) {
        const { items, gap } = sequencer.take();
        for (const item of items) for (const chunk of builder.push(item)) writer.write(chunk);
        if (!gap || builder.done) break;
        since ??= performance.now();
        const full = gap.kind === 'tokens' && buffered >= this.options.chat.maxBufferedTokens;
        if (full || performance.now() - since > GAP_GIVE_UP_MS) {
          if (!full) this.logger.warn(`Chat stream of ${executionId}: ${JSON.stringify(gap)} never reached the buffer; skipped`);
          sequencer.skip(gap);
          since = null;
        } else if (!(await fill(gap))) {
          await new Promise((resolve) => setTimeout(resolve, GAP_POLL_MS));
        }
      }
      if (builder.done) finish();
    };
    // One drain at a time; what arrives during one is taken by its next round, or by one more.
    let draining: Promise<void> | null = null;
    let again = false;
    const kick = () => {
      if (!caughtUp) return;
      if (draining) {
        again = true;
        return;
      }
      draining = (async () => {
        do {
          again = false;
          await drain();
        } while (again && !builder.done && !ended);
      })()
        .catch((error: Error) => {
          writer.write({ type: 'error', errorText: error.message });
          finish();
        })
        .finally(() => (draining = null));
    };
    const later = (ms: number, work: () => Promise<void>) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!builder.done && !ended) void work().catch(() => undefined);
      }, ms);
      timers.add(timer);
    };

    const stopLive = this.bridge.listen((events) => {
      let heard = false;
      for (const e of events) {
        if (e.execution_id !== executionId) continue;
        const item = itemOfEvent(e);
        if (!item) continue;
        if (e.event === RealtimeEventName.TokenDelta) liveTokens++;
        sequencer.add([item]);
        heard = true;
      }
      if (heard) kick();
    });
    // The notifier back after an outage: what it lost is read again (what was sent is dropped).
    const stopResync = this.bridge.onStateChange((state) => {
      if (state !== 'up' || builder.done) return;
      void Promise.all([readRows(), readBuffer()])
        .then(kick)
        .catch(() => undefined);
    });
    const onAbort = () => finish();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const chunk of builder.start()) writer.write(chunk);
      await this.bridge.ready();
      // Together: the sequencer holds a token until the row before it came, and a row until the tokens before it did.
      await Promise.all([readRows(), readBuffer()]);
      caughtUp = true;
      kick();
      const heard = liveTokens;
      for (const ms of TAIL_READS_MS) {
        later(ms, async () => {
          if (liveTokens === heard && (await readBuffer()) > 0) kick();
        });
      }
      later(0, async () => {
        // Ended without a row this stream could read (it never ran): end the stream all the same.
        if (!isTerminal((await this.reader.get(scope, executionId)).status)) return;
        await readRows();
        kick();
        await draining;
        if (builder.done) return;
        for (const chunk of builder.push({
          kind: 'log',
          seq: Number.MAX_SAFE_INTEGER,
          step: 0,
          eventType: '',
          message: '',
          context: { status: 'completed' },
        }))
          writer.write(chunk);
        finish();
      });
      await finished;
      await draining;
    } finally {
      stopLive();
      stopResync();
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
