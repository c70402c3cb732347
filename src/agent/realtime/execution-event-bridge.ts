import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedInfrastructureOptions } from '../infrastructure/infrastructure.options.js';
import { ExecutionEvents } from '../executions/execution-events.js';
import { PUBSUB, type PubSub, type PubSubState } from '../infrastructure/pubsub.js';
import { toRealtimeEvent, type RealtimeEvent } from './realtime-events.js';

/** PostgreSQL NOTIFY payloads must stay under 8000 bytes; Redis takes the same batches. */
const MAX_MESSAGE_BYTES = 7000;
const MAX_TEXT = 2000;

/**
 * Carries execution events from the process that committed them to every API node: published
 * after commit, batched per tick (one message for a step's events), in order. API nodes hand
 * them to their sockets and SSE streams. Like every notification, best effort: a client that
 * missed something catches up from the logs by `seq`.
 */
@Injectable()
export class ExecutionEventBridge implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ExecutionEventBridge.name);
  private readonly channel: string;
  private batch: RealtimeEvent[] = [];
  private flushing: NodeJS.Immediate | null = null;
  private stopLocal: (() => void) | null = null;
  private stopRemote: (() => void) | null = null;
  private readonly listeners = new Set<(events: RealtimeEvent[]) => void>();
  /** Messages leave one after another: in parallel, two NOTIFYs on two connections could swap places. */
  private publishing: Promise<void> = Promise.resolve();
  private sending = false;

  constructor(
    private readonly events: ExecutionEvents,
    @Inject(PUBSUB) private readonly pubsub: PubSub,
    @Inject(AGENT_OPTIONS) options: ResolvedInfrastructureOptions,
  ) {
    this.channel = `${options.queuePrefix}_events`;
  }

  onModuleInit(): void {
    this.stopLocal = this.events.subscribe((event) => {
      const realtime = toRealtimeEvent(event);
      if (!realtime) return;
      this.batch.push(realtime);
      this.flushing ??= setImmediate(() => this.flush());
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopLocal?.();
    this.stopRemote?.();
    if (this.flushing) clearImmediate(this.flushing);
    this.flush();
    // What was committed is still announced before the connections close.
    while (this.sending) await this.publishing;
  }

  /** Events committed by any process, from now on. The first listener starts the subscription. */
  listen(listener: (events: RealtimeEvent[]) => void): () => void {
    this.listeners.add(listener);
    this.stopRemote ??= this.pubsub.subscribe(this.channel, (message) => {
      let events: RealtimeEvent[];
      try {
        events = JSON.parse(message) as RealtimeEvent[];
      } catch {
        return;
      }
      for (const l of this.listeners) l(events);
    });
    return () => this.listeners.delete(listener);
  }

  ready(): Promise<void> {
    return this.pubsub.ready();
  }

  /** `reconnecting` while events published by other processes cannot reach this one. */
  state(): PubSubState {
    return this.pubsub.state();
  }

  /**
   * Every change of `state()`. Back `up` after `reconnecting`, whatever was published meanwhile is
   * lost: each listener catches up from the logs by `seq` (SSE streams do it themselves; sockets
   * are told to with `resync`).
   */
  onStateChange(listener: (state: PubSubState) => void): () => void {
    return this.pubsub.onStateChange(listener);
  }

  /**
   * One send at a time, in order. Events committed while a send is in flight wait and leave
   * together in the next one (fewer, larger messages when the transport is the bottleneck).
   */
  private flush(): void {
    this.flushing = null;
    if (this.sending || this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.sending = true;
    this.publishing = (async () => {
      await this.pubsub
        .publish(this.channel, split(events))
        .catch((error: Error) => this.logger.warn(`Publishing events failed: ${error.message}`));
    })().finally(() => {
      this.sending = false;
      this.flush();
    });
  }
}

/** Messages under the size limit, in order; an event too large alone has its text cut (the log row keeps it whole). */
function split(events: RealtimeEvent[]): string[] {
  const messages: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const event of events) {
    let json = JSON.stringify(event);
    if (Buffer.byteLength(json) > MAX_MESSAGE_BYTES) json = JSON.stringify(shrink(event));
    const bytes = Buffer.byteLength(json) + 1;
    if (current.length > 0 && size + bytes > MAX_MESSAGE_BYTES) {
      messages.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += bytes;
  }
  if (current.length > 0) messages.push(`[${current.join(',')}]`);
  return messages;
}

function shrink(event: RealtimeEvent): RealtimeEvent {
  const payload = { ...event.payload, truncated: true } as RealtimeEvent['payload'];
  for (const key of ['message', 'text'] as const) {
    if (typeof payload[key] === 'string') payload[key] = (payload[key] as string).slice(0, MAX_TEXT);
  }
  if ('context' in payload) payload.context = {};
  if ('error' in payload && payload.error) payload.error = { code: (payload.error as { code: string }).code, message: '' };
  return { ...event, payload };
}
