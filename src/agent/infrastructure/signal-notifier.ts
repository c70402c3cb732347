import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from './agent-options.token.js';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { PUBSUB, type PubSub } from './pubsub.js';

/** What a process running an execution must hear at once (the durable request is in PostgreSQL). */
export interface SignalNotice {
  executionId: string;
  type: 'kill' | 'cancel' | 'pause';
  /** With `cancel`: how long the step in flight may still run before it is force-killed. */
  graceMs?: number;
  /** With `pause` and `cancel`: when the request was made (ms since the epoch). */
  requestedAt?: number;
  /**
   * With `pause` and `cancel`: the lease epoch of the run the request was made to. A runner of
   * another lease ignores it: its own signals came with its lease and its commits, and a late
   * notice must not pause a run resumed since.
   */
  epoch?: number;
}

export type SignalNoticeHandler = (notice: SignalNotice) => void;

/**
 * Instant notices to whichever process runs an execution. A lost notice costs latency, never
 * correctness: runners re-read the signal rows at every step commit.
 */
export interface SignalNotifier {
  publish(notice: SignalNotice): Promise<void>;
  subscribe(handler: SignalNoticeHandler): () => void;
  /** Resolves once this process's subscription is live. */
  ready(): Promise<void>;
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

@Injectable()
export class PubSubSignalNotifier implements SignalNotifier {
  private readonly channel: string;

  constructor(
    @Inject(PUBSUB) private readonly pubsub: PubSub,
    @Inject(AGENT_OPTIONS) options: ResolvedInfrastructureOptions,
  ) {
    this.channel = `${options.queuePrefix}_signals`;
  }

  publish(notice: SignalNotice): Promise<void> {
    return this.pubsub.publish(this.channel, JSON.stringify(notice));
  }

  subscribe(handler: SignalNoticeHandler): () => void {
    return this.pubsub.subscribe(this.channel, (raw) => {
      const notice = parseNotice(raw);
      if (notice) handler(notice);
    });
  }

  ready(): Promise<void> {
    return this.pubsub.ready();
  }
}
