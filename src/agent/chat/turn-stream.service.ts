import { Inject, Injectable } from '@nestjs/common';
import { createUIMessageStream, type UIMessageChunk, type UIMessageStreamWriter } from 'ai';
import { isTerminal } from '../executions/execution-status.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { ExecutionEventBridge } from '../realtime/execution-event-bridge.js';
import type { RealtimeEvent } from '../realtime/realtime-events.js';
import type { Scope } from '../tenancy/scope.js';
import { compareItems, itemOfEvent, itemOfLog, itemOfToken, type TurnItem } from './turn-items.js';
import { TURN_TOKEN_BUFFER, type TurnTokenBuffer } from './turn-token-buffer.js';
import { UiChunkBuilder } from './ui-chunk-builder.js';

const LOG_PAGE = 500;
/** How long a replay waits for a completed step's tokens to reach the buffer (beyond `chat.maxBufferedTokens` they never do). */
const BUFFER_WAIT_MS = 2_000;
const BUFFER_POLL_MS = 5;

export interface TurnStreamOptions {
  /** Leave out what came up to this log row (`seq`): a turn resumed after a tool approval goes on from there. */
  afterSeq?: number;
  /** Ends the stream (the client went away); the turn itself goes on. */
  signal?: AbortSignal;
}

/**
 * One turn (execution) as an AI SDK UI message stream, from its beginning (what `useChat` expects
 * of a resume: `resumeStreamIsReplay`) until it ends or waits for input. What happened before the
 * stream opened is read from the logs and the token buffer; what happens after comes from the event
 * bridge, held back while the reads run. Every item has a place in one order (`compareItems`), and
 * an item at or before the last one sent is dropped, so nothing is sent twice or out of order.
 */
@Injectable()
export class TurnStreamService {
  constructor(
    private readonly reader: ExecutionReader,
    private readonly bridge: ExecutionEventBridge,
    @Inject(TURN_TOKEN_BUFFER) private readonly buffer: TurnTokenBuffer,
  ) {}

  open(scope: Scope, executionId: string, options: TurnStreamOptions = {}): ReadableStream<UIMessageChunk> {
    return createUIMessageStream({
      execute: ({ writer }) => this.run(scope, executionId, options, writer),
      onError: (error) => (error instanceof Error ? error.message : String(error)),
    });
  }

  /** The buffered tokens (with those heard live), once every step the rows show as completed has them all, or after BUFFER_WAIT_MS. */
  private async tokensOf(executionId: string, logs: TurnItem[], live: () => TurnItem[]): Promise<TurnItem[]> {
    const expected = new Map<number, number>();
    for (const log of logs) {
      if (log.kind === 'log' && typeof log.context.streamed_tokens === 'number') expected.set(log.step, log.context.streamed_tokens);
    }
    const giveUpAt = performance.now() + BUFFER_WAIT_MS;
    for (;;) {
      const tokens = [...(await this.buffer.read(executionId)).map(itemOfToken), ...live()];
      const counts = new Map<number, Set<string>>();
      for (const t of tokens) {
        if (t.kind !== 'token') continue;
        const seen = counts.get(t.step) ?? new Set<string>();
        seen.add(`${t.seq}:${t.index}`);
        counts.set(t.step, seen);
      }
      // A step's tokens are numbered from 0: a hole means some are still on their way to the buffer.
      const holes = [...groups(tokens).values()].some((indexes) => indexes.size !== Math.max(...indexes) + 1);
      const complete = !holes && [...expected].every(([step, n]) => (counts.get(step)?.size ?? 0) >= n);
      if (complete || performance.now() > giveUpAt) return tokens;
      await new Promise((resolve) => setTimeout(resolve, BUFFER_POLL_MS));
    }
  }

  private async run(scope: Scope, executionId: string, options: TurnStreamOptions, writer: UIMessageStreamWriter): Promise<void> {
    const builder = new UiChunkBuilder(executionId);
    const after = options.afterSeq;
    let last: TurnItem | null = after === undefined ? null : { kind: 'log', seq: after, step: 0, eventType: '', message: '', context: {} };
    let held: RealtimeEvent[] | null = [];
    let chain: Promise<void> = Promise.resolve();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));

    const send = (item: TurnItem) => {
      if (builder.done || (last && compareItems(item, last) <= 0)) return;
      last = item;
      for (const chunk of builder.push(item)) writer.write(chunk);
      if (builder.done) finish();
    };
    /** What a live event brings; a row cut to fit a notification is read whole. */
    const live = async (e: RealtimeEvent) => {
      const item = itemOfEvent(e);
      if (item) return send(item);
      if (e.payload.truncated && e.payload.id !== undefined) {
        const page = await this.reader.logsAfter(scope, executionId, { afterId: e.seq - 1, limit: 1 });
        for (const log of page.data) send(itemOfLog(log));
      }
    };
    /** Everything committed and buffered so far, with what arrived live meanwhile, in order. */
    const catchUp = async () => {
      const items: TurnItem[] = [];
      for (let afterId = 0; ;) {
        const page = await this.reader.logsAfter(scope, executionId, { afterId, limit: LOG_PAGE });
        items.push(...page.data.map(itemOfLog));
        if (!page.next_cursor) break;
        afterId = Number(page.next_cursor);
      }
      // NOTE: tokens after the rows; a step's tokens may still be on their way to the buffer when its row
      // is read (the buffer is written off the step's path): its row says how many it streamed.
      const tokens = await this.tokensOf(executionId, items, () => (held ?? []).map(itemOfEvent).filter((i): i is TurnItem => i !== null));
      // Everything heard live up to now (again: equal items are sent once).
      const arrived = held ?? [];
      held = null;
      items.push(...tokens, ...arrived.map(itemOfEvent).filter((i): i is TurnItem => i !== null));
      items.sort(compareItems);
      for (const item of items) send(item);
      if (!builder.done && isTerminal((await this.reader.get(scope, executionId)).status)) {
        // Ended without a row this stream could read (it never ran): end the stream all the same.
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
      }
    };
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((error: Error) => {
        writer.write({ type: 'error', errorText: error.message });
        finish();
      });
    };

    const stopLive = this.bridge.listen((events) => {
      for (const e of events) {
        if (e.execution_id !== executionId) continue;
        if (held) held.push(e);
        else enqueue(() => live(e));
      }
    });
    // The notifier back after an outage: what it lost is read again (and what was sent is dropped).
    const stopResync = this.bridge.onStateChange((state) => {
      if (state === 'up' && !builder.done)
        enqueue(async () => {
          held ??= [];
          await catchUp();
        });
    });
    const onAbort = () => finish();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const chunk of builder.start()) writer.write(chunk);
      await this.bridge.ready();
      enqueue(catchUp);
      await finished;
      await chain;
    } finally {
      stopLive();
      stopResync();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The token indexes of each (seq, step) group. */
function groups(items: TurnItem[]): Map<string, Set<number>> {
  const byGroup = new Map<string, Set<number>>();
  for (const t of items) {
    if (t.kind !== 'token') continue;
    const key = `${t.seq}:${t.step}`;
    const indexes = byGroup.get(key) ?? new Set<number>();
    indexes.add(t.index);
    byGroup.set(key, indexes);
  }
  return byGroup;
}
