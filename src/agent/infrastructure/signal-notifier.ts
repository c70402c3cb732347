/** What a process running an execution must hear at once (the durable request is in PostgreSQL). */
export interface SignalNotice {
  executionId: string;
  type: 'kill' | 'cancel' | 'pause';
  /** With `cancel`: how long the step in flight may still run before it is force-killed. */
  graceMs?: number;
}

export type SignalNoticeHandler = (notice: SignalNotice) => void;

/**
 * Cross-process, best-effort notifications (Redis pub/sub or PostgreSQL LISTEN/NOTIFY). A lost
 * notice costs latency, never correctness: runners re-read the signal rows at every step commit.
 */
export interface SignalNotifier {
  publish(notice: SignalNotice): Promise<void>;
  subscribe(handler: SignalNoticeHandler): () => void;
  /** Resolves once this process's subscription is live. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export const SIGNAL_NOTIFIER = Symbol('SIGNAL_NOTIFIER');

export function parseNotice(raw: string): SignalNotice | null {
  try {
    const notice = JSON.parse(raw) as SignalNotice;
    return typeof notice.executionId === 'string' && ['kill', 'cancel', 'pause'].includes(notice.type) ? notice : null;
  } catch {
    return null;
  }
}

/** Fan-out to local handlers, shared by both transports. */
export class NoticeHandlers {
  private readonly handlers = new Set<SignalNoticeHandler>();

  add(handler: SignalNoticeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  deliver(raw: string): void {
    const notice = parseNotice(raw);
    if (!notice) return;
    for (const handler of this.handlers) handler(notice);
  }
}
