/**
 * Cross-process, best-effort messages on named channels: Redis pub/sub or PostgreSQL
 * LISTEN/NOTIFY, by transport. Used for what must travel fast and may be lost (signals, live
 * events): PostgreSQL stays the truth.
 */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Messages of `channel` published from now on, by any process. */
  subscribe(channel: string, handler: (message: string) => void): () => void;
  /** Resolves once every subscription made so far is live. */
  ready(): Promise<void>;
  close(): Promise<void>;
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
