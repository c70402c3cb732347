/**
 * Cross-process, best-effort messages on named channels: Redis pub/sub or PostgreSQL
 * LISTEN/NOTIFY, by transport. Used for what must travel fast and may be lost (signals, live
 * events): PostgreSQL stays the truth.
 */
export interface PubSub {
  /** Several messages are published in order, in one round trip (on PostgreSQL: one commit). */
  publish(channel: string, message: string | readonly string[]): Promise<void>;
  /** Messages of `channel` published from now on, by any process. */
  subscribe(channel: string, handler: (message: string) => void): () => void;
  /** Resolves once every subscription made so far is live. */
  ready(): Promise<void>;
  /** `up`, or `reconnecting` while the subscriptions are down (messages published meanwhile are lost). */
  state(): PubSubState;
  /** Every change of state; `up` after `reconnecting` means "catch up from the truth". */
  onStateChange(listener: (state: PubSubState) => void): () => void;
  close(): Promise<void>;
}

export type PubSubState = 'up' | 'reconnecting';

/**
 * Reconnection delays: 100 ms doubling to 1 s, with jitter, for as long as the process lives. The
 * cap bounds how late live events resume once the server is back (about a second).
 */
export const reconnectDelayMs = (attempt: number): number => Math.min(1000, 100 * 2 ** attempt) * (0.75 + Math.random() / 2);

/** The state a transport reports, and who hears its changes. */
export class PubSubStateHolder {
  private current: PubSubState = 'up';
  private readonly listeners = new Set<(state: PubSubState) => void>();

  get(): PubSubState {
    return this.current;
  }

  set(state: PubSubState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }

  listen(listener: (state: PubSubState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const PUBSUB = Symbol('PUBSUB');

/** Local fan-out per channel, shared by both transports. */
export class ChannelHandlers {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  /** Returns true when this is the channel's first handler (the transport must start listening). */
  add(channel: string, handler: (message: string) => void): { first: boolean; remove: () => void } {
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    return { first, remove: () => set!.delete(handler) };
  }

  deliver(channel: string, message: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(message);
  }

  channels(): string[] {
    return [...this.handlers.keys()];
  }
}
