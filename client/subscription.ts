import { isPermanent } from './errors.js';
import { eventsOfLog, type ClientEvent, type Progress } from './events.js';
import { isTerminalStatus, type Log, type Page, type StatusEvent, type Subscription, type SubscriptionHandlers } from './types.js';

/** What a subscription needs from the connection it lives on. */
export interface SubscriptionLink {
  /** Joins the execution's room on the current connection; throws `SubscribeRefusedError` when refused. */
  join(): Promise<void>;
  /** One page of the execution's logs after `afterId`, oldest first. */
  logsAfter(afterId: number): Promise<Page<Log>>;
  /** The subscription ended (closed, finished or refused): leave the room. Called once. */
  release(subscription: ExecutionSubscription): void;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

/**
 * One execution's events for one set of handlers. The socket is best effort (events are lost while
 * it is down, and the bridge between processes may drop some), the logs are the truth: on every
 * (re)connect it joins the room, replays the logs after the last `seq` it delivered, holds back live
 * events meanwhile and then releases them, delivering each (kind, seq) — and each step number — once.
 */
export class ExecutionSubscription implements Subscription {
  readonly done: Promise<StatusEvent>;
  private resolveDone!: (status: StatusEvent) => void;
  private rejectDone!: (error: Error) => void;

  /** `${kind}:${seq}` of every committed event delivered. */
  private readonly delivered = new Set<string>();
  private readonly steps = new Set<number>();
  private readonly progress: Progress = { steps: 0, tokens: 0 };
  /** The highest seq delivered: where the next catch-up starts. */
  private lastSeq = 0;
  private lastToken: { seq: number; step: number; index: number } | null = null;
  /** Live events held back until the catch-up in progress has delivered what came before them; null once live. */
  private held: ClientEvent[] | null = [];
  /** Bumped on every (dis)connect: a catch-up of an older connection stops where it is. */
  private attempt = 0;
  private retry: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;
  private closed = false;

  constructor(
    readonly executionId: string,
    private readonly handlers: SubscriptionHandlers,
    private readonly link: SubscriptionLink,
  ) {
    this.done = new Promise<StatusEvent>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // NOTE: a refused subscription nobody awaits must not crash Node with an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** The connection is up, for the first time or again: join, then catch up from the logs. */
  connected(): void {
    if (this.closed) return;
    const attempt = this.restart();
    this.held ??= [];
    void this.catchUp(attempt);
  }

  /** The connection dropped: what comes after the next connect is held until that catch-up is done. */
  disconnected(): void {
    if (this.closed) return;
    this.restart();
    this.held ??= [];
  }

  /** An event that arrived over the socket for this execution. */
  live(event: ClientEvent): void {
    if (this.closed) return;
    if (this.held) this.held.push(event);
    else this.deliver(event);
  }

  /** Trouble worth telling, that does not end the subscription. */
  report(error: unknown): void {
    if (this.closed || !this.handlers.onError) return;
    try {
      this.handlers.onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // An error handler that throws has nobody left to tell.
    }
  }

  /** Ends the subscription for a reason that will not pass: `done` rejects with it. */
  fail(error: Error): void {
    if (this.closed) return;
    this.report(error);
    this.close();
    this.rejectDone(error);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.restart();
    this.held = null;
    this.link.release(this);
  }

  unsubscribe(): void {
    this.close();
  }

  private async catchUp(attempt: number): Promise<void> {
    const stale = () => this.closed || attempt !== this.attempt;
    for (let failures = 0; ; failures++) {
      try {
        // Join first: whatever is committed after the logs are read then arrives live (and is held).
        await this.link.join();
        for (let afterId = this.lastSeq; !stale();) {
          const page = await this.link.logsAfter(afterId);
          for (const log of page.data) {
            if (stale()) return;
            for (const event of eventsOfLog(this.executionId, log, this.progress)) this.deliver(event);
          }
          if (!page.next_cursor) break;
          afterId = Number(page.next_cursor);
        }
        break;
      } catch (error) {
        if (stale()) return;
        if (isPermanent(error)) return this.fail(error as Error);
        this.report(error);
        await this.wait(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures));
      }
    }
    if (stale()) return;
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.deliver(event);
  }

  private deliver({ kind, event }: ClientEvent): void {
    if (this.closed) return;
    if (kind === 'token') {
      // Tokens are live only and ordered by (seq, step, index); one older than a committed event is stale.
      const last = this.lastToken;
      if (event.seq < this.lastSeq) return;
      if (
        last &&
        (event.seq < last.seq ||
          (event.seq === last.seq && (event.step_number < last.step || (event.step_number === last.step && event.index <= last.index))))
      )
        return;
      this.lastToken = { seq: event.seq, step: event.step_number, index: event.index };
      return this.call(() => this.handlers.onToken?.(event));
    }
    const key = `${kind}:${event.seq}`;
    if (this.delivered.has(key)) return;
    this.delivered.add(key);
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    switch (kind) {
      case 'log':
        return this.call(() => this.handlers.onLog?.(event));
      case 'step':
        if (this.steps.has(event.step_number)) return;
        this.steps.add(event.step_number);
        this.progress.steps = Math.max(this.progress.steps, event.step_number);
        this.progress.tokens += event.tokens_used;
        return this.call(() => this.handlers.onStep?.(event));
      case 'status':
        this.call(() => this.handlers.onStatus?.(event));
        if (isTerminalStatus(event.status)) this.finish(event);
        return;
    }
  }

  /** A throwing handler is the app's bug: tell `onError` and keep the stream going. */
  private call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.report(error);
    }
  }

  private finish(status: StatusEvent): void {
    this.close();
    this.resolveDone(status);
  }

  /** Invalidates the catch-up in progress and wakes it if it is waiting to retry. */
  private restart(): number {
    if (this.retry) {
      clearTimeout(this.retry.timer);
      this.retry.resolve();
      this.retry = null;
    }
    return ++this.attempt;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.retry = { timer: setTimeout(() => ((this.retry = null), resolve()), ms), resolve };
    });
  }
}
